package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Record types the corpus lacks (HTTPS/SVCB, CAA, SRV, PTR, odd TXT bytes, DNAME, NAPTR, LOC,
 * EDNS client subnet, extended rcode, AAAA text edge cases), in hand-made messages. Each was put
 * in a pcap with {@code text2pcap -u 53,53} and decoded with tshark 4.0 ({@code tshark -V}); the
 * comment above each message quotes what tshark read, and the assertions check the same values.
 */
class DnsRdataTest {
  private final DnsParser parser = new DnsParser();
  private final DnsMessage m = new DnsMessage();

  private DnsMessage parse(String hex) {
    byte[] b = Hex.bytes(hex);
    assertEquals(DnsResult.OK, parser.parse(b, 0, b.length, m), () -> m.toString());
    assertEquals(0, m.trailingBytes);
    assertTrue(DnsParser.probe(b, 0, b.length, false));
    return m;
  }

  @Test
  void httpsAndSvcb() {
    // tshark: example.com HTTPS, TTL 300, SvcPriority 1, TargetName <Root>, mandatory=alpn,port
    // alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2 echconfig=/g0AQUVDSENPTkZJRw==
    // ipv6hint=2001:db8::1; then SVCB alias mode: priority 0, target svc.example.net
    parse("""
        123481800001000200000000076578616d706c6503636f6d0000410001c00c00
        4100010000012c004c0001000000000400010003000100060268320268330003
        000220fb00040008c0000201c00002020005000dfe0d0041454348434f4e4649
        470006001020010db8000000000000000000000001c00c004000010000003c00
        13000003737663076578616d706c65036e657400""");
    DnsRecord https = m.record(0);
    assertEquals(65, https.type);
    assertEquals("HTTPS", https.typeName());
    assertEquals(300, https.ttl);
    assertEquals(1, https.priority);
    assertEquals(".", https.target);
    assertEquals(8443, https.port);
    assertArrayEquals(new String[] {"h2", "h3"}, https.strings);
    assertEquals("1 . mandatory=alpn,port alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2"
        + " ech=/g0AQUVDSENPTkZJRw== ipv6hint=2001:db8::1", https.data);
    assertNull(https.zeekAnswer, "Zeek's base scripts log nothing for HTTPS");

    DnsRecord svcb = m.record(1);
    assertEquals(64, svcb.type);
    assertEquals(0, svcb.priority);
    assertEquals("svc.example.net", svcb.target);
    assertEquals("0 svc.example.net", svcb.data);
    assertEquals(0, m.zeekAnswerCount());
  }

  @Test
  void svcbUnknownAndMalformedParamsShownRaw() {
    // tshark: x SVCB, SvcPriority 1, TargetName <Root>, key7=ab, then "port" with a 1-byte value
    parse("""
        00018180000100010000000001780000400001c00c004000010000003c000e00
        01000007000261620003000101""");
    assertEquals("1 . key7=\"ab\" key3=\"\\x01\"", m.record(0).data);
  }

  @Test
  void caa() {
    // tshark: example.org CAA, TTL 3600: flags 0x00 issue "letsencrypt.org";
    // flags 0x80 (critical) iodef "mailto:sec@example.org"
    parse("""
        222281800001000200000000076578616d706c65036f72670001010001c00c01
        01000100000e100016000569737375656c657473656e63727970742e6f7267c0
        0c0101000100000e10001d8005696f6465666d61696c746f3a73656340657861
        6d706c652e6f7267""");
    assertEquals("CAA", m.qtypeName());
    DnsRecord a = m.record(0);
    assertEquals(0, a.priority);
    assertArrayEquals(new String[] {"issue", "letsencrypt.org"}, a.strings);
    assertEquals("0 issue \"letsencrypt.org\"", a.data);
    DnsRecord b = m.record(1);
    assertEquals(128, b.priority);
    assertEquals("128 iodef \"mailto:sec@example.org\"", b.data);
    assertEquals(0, m.zeekAnswerCount(), "Zeek's base scripts log nothing for CAA");
  }

  @Test
  void srv() {
    // tshark: _sip._udp.example.com SRV, AA, TTL 86400, priority 10, weight 60, port 5060,
    // target sip1.example.com
    parse("""
        333385800001000100000000045f736970045f756470076578616d706c650363
        6f6d0000210001c00c00210001000151800018000a003c13c404736970310765
        78616d706c6503636f6d00""");
    assertTrue(m.aa);
    DnsRecord r = m.record(0);
    assertEquals(10, r.priority);
    assertEquals(60, r.weight);
    assertEquals(5060, r.port);
    assertEquals("sip1.example.com", r.target);
    assertEquals("10 60 5060 sip1.example.com", r.data);
    assertEquals(List.of("sip1.example.com"), m.zeekAnswers());
    assertArrayEquals(new long[] {86400}, m.zeekTtls());
  }

  @Test
  void ptrKeepsCaseStructuredAndLowersForZeek() {
    // tshark: 1.2.0.192.in-addr.arpa PTR, TTL 3600, Host.Example.com
    parse("""
        4444818000010001000000000131013201300331393207696e2d616464720461
        72706100000c0001c00c000c000100000e10001204486f7374074578616d706c
        6503636f6d00""");
    assertEquals("PTR", m.qtypeName());
    assertEquals("Host.Example.com", m.record(0).target);
    assertEquals(List.of("host.example.com"), m.zeekAnswers());
  }

  @Test
  void txtBytesEscaped() {
    // tshark: t.example TXT, TTL 30: [5] a"b\c, [4] 01 c3 a9 ff, [0] ""
    parse("""
        5555818000010001000000000174076578616d706c650000100001c00c001000
        010000001e000c056122625c630401c3a9ff00""");
    DnsRecord r = m.record(0);
    // '"' quoted in data only, a backslash always escaped, UTF-8 decoded, a stray byte escaped
    assertArrayEquals(new String[] {"a\"b\\x5cc", "\\x01\u00e9\\xff", ""}, r.strings);
    assertEquals("\"a\\x22b\\x5cc\" \"\\x01\u00e9\\xff\" \"\"", r.data);
    assertEquals(List.of("TXT 5 a\"b\\x5cc TXT 4 \\x01\u00e9\\xff TXT 0 "), m.zeekAnswers());
  }

  @Test
  void dnameIsUnknownToZeek() {
    // tshark: x.example DNAME, TTL 30, dname y.example
    parse("""
        6666818000010001000000000178076578616d706c650000270001c00c002700
        010000001e000b0179076578616d706c6500""");
    assertEquals("y.example", m.record(0).target);
    assertEquals("y.example", m.record(0).data);
    assertEquals(List.of("<unknown type=39>"), m.zeekAnswers());
  }

  @Test
  void naptrAsZeekWritesIt() {
    // tshark: 4.3.2.1.e164.arpa NAPTR, TTL 60: order 100, preference 10, flags U,
    // service E2U+sip, regex !^.*$!sip:info@example.com!, replacement <Root>
    parse("""
        7777818000010001000000000134013301320131046531363404617270610000
        230001c00c002300010000003c002b0064000a0155074532552b7369701b215e
        2e2a24217369703a696e666f406578616d706c652e636f6d2100""");
    assertEquals(List.of("NAPTR 100 10 U E2U+sip !^.*$!sip:info@example.com!"), m.zeekAnswers());
    assertEquals("0064000a0155074532552b7369701b215e2e2a24217369703a696e666f406578616d706c652e"
        + "636f6d2100", m.record(0).data, "types without a text form are hex");
  }

  @Test
  void locAsZeekWritesIt() {
    // tshark: loc.example LOC, TTL 60: version 0, size 18, horizontal 22, vertical 19
    parse("""
        787881800001000100000000036c6f63076578616d706c6500001d0001c00c00
        1d00010000003c0010001216138b3d7b5c7f0b3a9b00989680""");
    assertEquals(List.of("LOC:  18 22 19"), m.zeekAnswers());
  }

  @Test
  void ednsClientSubnetAndCookie() {
    // tshark: query www.example.com A, AD; OPT: UDP payload size 1232, version 0, DO bit set,
    // CSUBNET family IPv4, source 24, scope 0, 198.51.100.0; COOKIE 0102030405060708
    parse("""
        88880120000100000000000103777777076578616d706c6503636f6d00000100
        0100002904d00000800000170008000700011800c63364000a00080102030405
        060708""");
    assertTrue(m.edns);
    assertEquals(1232, m.ednsUdpSize);
    assertEquals(0, m.ednsVersion);
    assertTrue(m.ednsDo);
    assertEquals(1, m.ecsFamily);
    assertEquals(24, m.ecsSourcePrefix);
    assertEquals(0, m.ecsScopePrefix);
    assertEquals("198.51.100.0", m.ecsAddress);
    assertEquals("udp=1232 version=0 do=1 ecs=198.51.100.0/24/0 cookie=0102030405060708",
        m.record(0).data);
  }

  @Test
  void ednsExtendedRcodeAndIpv6Subnet() {
    // tshark: response, header rcode 0; OPT: UDP payload size 4096, higher bits in extended
    // RCODE 0x01 (so BADVERS, 16), CSUBNET family IPv6, source 56, 2001:db8:abcd:ef00::
    parse("""
        99998180000100000000000103777777076578616d706c6503636f6d00001c00
        01000029100001000000000f0008000b0002380020010db8abcdef""");
    assertEquals(0, m.rcode, "dns.log's rcode is the header's");
    assertEquals(16, m.extendedRcode);
    assertEquals("BADVERS", DnsNames.rcode(m.extendedRcode));
    assertEquals(1, m.ednsExtRcode);
    assertFalse(m.ednsDo);
    assertEquals(2, m.ecsFamily);
    assertEquals(56, m.ecsSourcePrefix);
    assertEquals("2001:db8:abcd:ef00::", m.ecsAddress);
    assertFalse(m.zeekRejected(), "the OPT record counts: not Zeek's dns_rejected");
  }

  @Test
  void clientSubnetWithExtraOrMissingAddressBytes() {
    // ECS /24 carrying 4 address bytes (RFC 7871 wants exactly 3). tshark shows 1.2.3.4; Zeek
    // reads the 3 bytes the prefix needs, and so does this parser
    parse("""
        0001012000010000000000010000010001000029100000000000000c00080008
        0001180001020304""");
    assertEquals(1, m.ecsFamily);
    assertEquals(24, m.ecsSourcePrefix);
    assertEquals("1.2.3.0", m.ecsAddress);
    // the same with only 2 address bytes: the option is malformed (shown as hex), the rest kept
    parse("""
        0001012000010000000000010000010001000029100000000000000a00080006
        000118000102""");
    assertTrue(m.edns);
    assertEquals(4096, m.ednsUdpSize);
    assertEquals(0, m.ecsFamily);
    assertNull(m.ecsAddress);
    assertEquals("udp=4096 version=0 do=0 ecs=000118000102", m.record(0).data);
  }

  @Test
  void aaaaText() {
    // tshark: ::ffff:192.0.2.1, 2001:db8:1:0:1:1:1:1 (one zero group is not compressed),
    // 2001:db8::1:0:0:1 (the first of two equal runs is)
    parse("""
        aaaa81800001000300000000027636076578616d706c6500001c0001c00c001c
        000100000001001000000000000000000000ffffc0000201c00c001c00010000
        0002001020010db8000100000001000100010001c00c001c0001000000030010
        20010db8000000000001000000000001""");
    assertEquals("::ffff:192.0.2.1", m.record(0).data);
    assertEquals("2001:db8:1:0:1:1:1:1", m.record(1).data);
    assertEquals("2001:db8::1:0:0:1", m.record(2).data);
    // Zeek keeps IPv4 as IPv4-mapped IPv6 and writes it as a dotted quad
    assertEquals(List.of("192.0.2.1", "2001:db8:1:0:1:1:1:1", "2001:db8::1:0:0:1"),
        m.zeekAnswers());
  }
}
