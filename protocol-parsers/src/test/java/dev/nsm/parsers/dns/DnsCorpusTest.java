package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Real DNS messages from the conformance corpus (../shared/testdata; each test names its capture
 * and frame), parsed and checked against what the corpus' oracles say of them:
 * expected/tshark-dns.tsv (tshark 4.0) or, for the zeek-* captures, expected/zeek-dns.tsv (Zeek's
 * own dns.log baseline: answers and TTLs in Zeek's wording and order).
 */
class DnsCorpusTest {
  private final DnsParser parser = new DnsParser();
  private final DnsMessage m = new DnsMessage();

  private DnsMessage parse(byte[] b) {
    assertEquals(DnsResult.OK, parser.parse(b, 0, b.length, m), () -> m.toString());
    assertEquals(0, m.trailingBytes);
    assertTrue(DnsParser.probe(b, 0, b.length, false), "probe accepts a real message");
    return m;
  }

  private DnsMessage parse(String hex) {
    return parse(Hex.bytes(hex));
  }

  private static List<Long> ttls(DnsMessage m) {
    List<Long> l = new ArrayList<>();
    for (long t : m.zeekTtls()) {
      l.add(t);
    }
    return l;
  }

  private static List<String> repeat(String s, int n) {
    return Collections.nCopies(n, s);
  }

  // ------------------------------------------------------------ tshark-dns.tsv oracles

  @Test
  void googleQueryWithEdns() {
    // dns--dns-udp-google.com-a-aaaa-mx frame 1: id 0x1a2d query google.com A, RD, AD; OPT udp 4096
    parse("""
        1a2d0120000100000000000106676f6f676c6503636f6d000001000100002910
        00000000000000""");
    assertEquals(0x1a2d, m.id);
    assertFalse(m.qr);
    assertEquals("google.com", m.qname);
    assertEquals(1, m.qtype);
    assertEquals("A", m.qtypeName());
    assertEquals(1, m.qclass);
    assertEquals("C_INTERNET", m.qclassName());
    assertTrue(m.rd);
    assertFalse(m.aa || m.tc || m.ra);
    assertTrue(m.ad);
    assertEquals(2, m.z, "Zeek's Z holds Z|AD|CD: AD alone is 2");
    assertEquals("query", m.opcodeName());
    assertTrue(m.edns);
    assertEquals(4096, m.ednsUdpSize);
    assertFalse(m.ednsDo);
    assertEquals(1, m.recordCount());
    assertEquals(DnsRecord.SECTION_ADDITIONAL, m.record(0).section);
    assertEquals(41, m.record(0).type);
    assertEquals("", m.record(0).name);
    assertEquals(0, m.zeekAnswerCount(), "a query logs no answers");
    assertFalse(m.zeekRejected());
  }

  @Test
  void googleAResponse() {
    // dns--dns-udp-google.com-a-aaaa-mx frame 2: 12 A records, names compressed to the question
    parse("""
        1a2d81800001000c0000000106676f6f676c6503636f6d0000010001c00c0001
        00010000012b0004d8c5f2f4c00c000100010000012b0004d8c5f2d9c00c0001
        00010000012b0004d8c5f2d8c00c000100010000012b0004d8c5f2d2c00c0001
        00010000012b0004d8c5f2edc00c000100010000012b0004d8c5f2e7c00c0001
        00010000012b0004d8c5f2eec00c000100010000012b0004d8c5f2e6c00c0001
        00010000012b0004d8c5f2e0c00c000100010000012b0004d8c5f2fbc00c0001
        00010000012b0004d8c5f2dfc00c000100010000012b0004d8c5f2f500002902
        00000000000000""");
    // tshark: 0x1a2d 1 google.com 1 0x0001 rcode 0 aa 0 tc 0 rd 1 ra 1 ancount 12
    assertEquals(0x1a2d, m.id);
    assertTrue(m.qr);
    assertEquals("google.com", m.zeekQuery());
    assertEquals(0, m.rcode);
    assertEquals("NOERROR", m.rcodeName());
    assertFalse(m.aa);
    assertFalse(m.tc);
    assertTrue(m.rd);
    assertTrue(m.ra);
    assertEquals(0, m.z);
    assertEquals(12, m.anCount);
    assertEquals(12, m.answersParsed);
    assertEquals(List.of("216.197.242.244", "216.197.242.217", "216.197.242.216",
        "216.197.242.210", "216.197.242.237", "216.197.242.231", "216.197.242.238",
        "216.197.242.230", "216.197.242.224", "216.197.242.251", "216.197.242.223",
        "216.197.242.245"), m.zeekAnswers());
    assertEquals(repeat(299L + "", 12).toString(), ttls(m).toString());
    DnsRecord a0 = m.record(0);
    assertEquals("google.com", a0.name);
    assertEquals(1, a0.type);
    assertEquals("A", a0.typeName());
    assertEquals(1, a0.rrClass);
    assertEquals(299, a0.ttl);
    assertEquals("216.197.242.244", a0.data);
    assertEquals(4, a0.rdataLength);
    assertEquals(40, a0.rdataOffset, "question ends at 28, then a 2-byte pointer and 10 bytes");
    assertEquals(512, m.ednsUdpSize);
  }

  @Test
  void googleAaaaResponse() {
    // dns--dns-udp-google.com-a-aaaa-mx frame 4
    parse("""
        8d708180000100010000000106676f6f676c6503636f6d00001c0001c00c001c
        00010000012b00102607f8b0400f0801000000000000200e0000290200000000
        000000""");
    assertEquals(0x8d70, m.id);
    assertEquals(28, m.qtype);
    assertEquals("AAAA", m.qtypeName());
    assertEquals(List.of("2607:f8b0:400f:801::200e"), m.zeekAnswers());
    assertArrayEquals(new long[] {299}, m.zeekTtls());
    assertEquals("2607:f8b0:400f:801::200e", m.record(0).data);
  }

  @Test
  void googleMxResponse() {
    // dns--dns-udp-google.com-a-aaaa-mx frame 6: MX names compressed into earlier MX names
    parse("""
        56168180000100050000000106676f6f676c6503636f6d00000f0001c00c000f
        000100000257000c000a056173706d78016cc00cc00c000f0001000002570009
        001404616c7431c02ac00c000f0001000002570009001e04616c7432c02ac00c
        000f0001000002570009002804616c7433c02ac00c000f000100000257000900
        3204616c7434c02a0000290200000000000000""");
    assertEquals(0x5616, m.id);
    assertEquals("MX", m.qtypeName());
    assertEquals(List.of("aspmx.l.google.com", "alt1.aspmx.l.google.com",
        "alt2.aspmx.l.google.com", "alt3.aspmx.l.google.com", "alt4.aspmx.l.google.com"),
        m.zeekAnswers());
    assertEquals("[599, 599, 599, 599, 599]", ttls(m).toString());
    for (int i = 0; i < 5; i++) {
      assertEquals(10 * (i + 1), m.record(i).priority);
      assertEquals(15, m.record(i).type);
    }
    assertEquals("alt4.aspmx.l.google.com", m.record(4).target);
    assertEquals("50 alt4.aspmx.l.google.com", m.record(4).data);
  }

  @Test
  void nxdomainWithSoaInAuthority() {
    // dns-eve-v2-udp-nxdomain-soa frame 2: tshark rcode 3, ancount 0, ttls 899 (the SOA's)
    parse("""
        82958183000100000001000103646e65046f697366036e65740000010001c010
        00060001000003830045066e732d31313009617773646e732d313303636f6d00
        11617773646e732d686f73746d617374657206616d617a6f6ec03b0000000100
        001c200000038400127500000151800000290200000000000000""");
    assertEquals(0x8295, m.id);
    assertEquals("dne.oisf.net", m.qname);
    assertEquals(3, m.rcode);
    assertEquals("NXDOMAIN", m.rcodeName());
    assertEquals(3, m.extendedRcode, "OPT with extended rcode 0");
    assertTrue(m.rd && m.ra);
    assertEquals(0, m.answersParsed);
    assertEquals(1, m.authorityParsed);
    assertEquals(1, m.additionalParsed);
    DnsRecord soa = m.record(0);
    assertEquals(DnsRecord.SECTION_AUTHORITY, soa.section);
    assertEquals("oisf.net", soa.name, "owner compressed to the question's second label");
    assertEquals(6, soa.type);
    assertEquals(899, soa.ttl);
    assertEquals("ns-110.awsdns-13.com", soa.target);
    assertEquals("awsdns-hostmaster.amazon.com", soa.rname);
    assertEquals(1, soa.serial);
    assertEquals(7200, soa.refresh);
    assertEquals(900, soa.retry);
    assertEquals(1209600, soa.expire);
    assertEquals(86400, soa.minimum);
    assertEquals("ns-110.awsdns-13.com awsdns-hostmaster.amazon.com 1 7200 900 1209600 86400",
        soa.data);
    assertEquals(0, m.zeekAnswerCount(), "Zeek logs answer-section records only");
    assertNull(m.zeekQueryFromAnswers());
    assertFalse(m.zeekRejected(), "a question and a record: not rejected");
  }

  @Test
  void cnameThenAddresses() {
    // dns-reversed-udp-1 frame 1: tshark answers 192.0.78.24|192.0.78.25|suricata-ids.org,
    // ttls 3544|244|244 (tshark groups by field; Zeek keeps the message order)
    parse("""
        8d3281a00001000300000000037777770c73757269636174612d696473036f72
        670000010001c00c0005000100000dd800120c73757269636174612d69647303
        6f726700c03200010001000000f40004c0004e18c03200010001000000f40004
        c0004e19""");
    assertEquals(0x8d32, m.id);
    assertTrue(m.ad);
    assertEquals(List.of("suricata-ids.org", "192.0.78.24", "192.0.78.25"), m.zeekAnswers());
    assertEquals("[3544, 244, 244]", ttls(m).toString());
    assertEquals(Set.of("192.0.78.24", "192.0.78.25", "suricata-ids.org"),
        new TreeSet<>(m.zeekAnswers()));
    assertEquals("suricata-ids.org", m.record(0).target);
    assertEquals("suricata-ids.org", m.record(1).name, "owner is a pointer into CNAME rdata");
  }

  @Test
  void queryCarryingAnAnswer() {
    // dns--dns-udp-request-with-answer frame 1: a query with ancount 1 (10.10.10.10, ttl 60)
    parse("""
        000001000001000100000000046f697366036e65740000010001046f69736603
        6e657400000100010000003c00040a0a0a0a""");
    assertEquals(0, m.id);
    assertFalse(m.qr);
    assertEquals(1, m.answersParsed);
    assertEquals("10.10.10.10", m.record(0).data);
    assertEquals(60, m.record(0).ttl);
    assertEquals(0, m.zeekAnswerCount(), "Zeek ignores answers carried by a query");
  }

  @Test
  void httpsQuery() {
    // dns (suricata-verify tests/dns/test.pcap) frame 1: qtype 65
    parse("""
        107c010000010000000000000e34362d3130352d3230322d31323603616e7903
        63646e07616e7963617374026d650000410001""");
    assertEquals(0x107c, m.id);
    assertEquals("46-105-202-126.any.cdn.anycast.me", m.qname);
    assertEquals(65, m.qtype);
    assertEquals("HTTPS", m.qtypeName());
    assertFalse(m.edns);
  }

  @Test
  void txtWithTrailingSpace() {
    // bug-5197 frame 2: TXT "1234567890ABCDEFGHIJKLMNO " (tshark: ancount 1, ttl 1)
    parse("""
        4449818000010001000000000d31323334353637383930616263036465660768
        696a6b6c6d6e076f7071727374750000100001c00c0010000100000001001b1a
        313233343536373839304142434445464748494a4b4c4d4e4f20""");
    assertEquals("1234567890abc.def.hijklmn.opqrstu", m.qname);
    DnsRecord txt = m.record(0);
    assertArrayEquals(new String[] {"1234567890ABCDEFGHIJKLMNO "}, txt.strings);
    assertEquals("\"1234567890ABCDEFGHIJKLMNO \"", txt.data);
    assertEquals(List.of("TXT 26 1234567890ABCDEFGHIJKLMNO "), m.zeekAnswers());
    assertArrayEquals(new long[] {1}, m.zeekTtls());
  }

  @Test
  void tcpMessagesThroughTheFramer() {
    // dns--dns frames 4 and 6: DNS over TCP, each segment one length-prefixed message
    byte[] query = Hex.bytes("""
        00375f78012000010000000000010377777706676f6f676c6503636f6d000001
        0001000029100000000000000c000a00085a760730fb2b37d5""");
    byte[] response = Hex.bytes("""
        00eb5f7881800001000c000000010377777706676f6f676c6503636f6d000001
        0001c00c00010001000000080004d8c5f2f4c00c00010001000000080004d8c5
        f2e0c00c00010001000000080004d8c5f2eec00c00010001000000080004d8c5
        f2d2c00c00010001000000080004d8c5f2e6c00c00010001000000080004d8c5
        f2dfc00c00010001000000080004d8c5f2f5c00c00010001000000080004d8c5
        f2e7c00c00010001000000080004d8c5f2fbc00c00010001000000080004d8c5
        f2edc00c00010001000000080004d8c5f2d9c00c00010001000000080004d8c5
        f2d80000290200000000000000""");
    assertTrue(DnsParser.probe(query, 0, query.length, true));
    assertTrue(DnsParser.probe(response, 0, response.length, true));
    assertFalse(DnsParser.probe(query, 0, query.length, false), "the length prefix is no header");
    List<String> got = new ArrayList<>();
    DnsTcpFramer orig = new DnsTcpFramer();
    DnsTcpFramer resp = new DnsTcpFramer();
    DnsTcpFramer.Sink sink = (b, off, len) -> {
      assertEquals(DnsResult.OK, parser.parse(b, off, len, m));
      got.add(m.id + " " + m.qr + " " + m.zeekQuery() + " " + m.zeekAnswers() + " "
          + ttls(m));
    };
    orig.feed(query, 0, query.length, sink);
    resp.feed(response, 0, response.length, sink);
    assertEquals(List.of(
        "24440 false www.google.com [] []",
        "24440 true www.google.com [216.197.242.244, 216.197.242.224, 216.197.242.238,"
            + " 216.197.242.210, 216.197.242.230, 216.197.242.223, 216.197.242.245,"
            + " 216.197.242.231, 216.197.242.251, 216.197.242.237, 216.197.242.217,"
            + " 216.197.242.216] " + repeat("8", 12)), got);
    // the query's OPT carries a DNS cookie
    parser.parse(query, 2, query.length - 2, m);
    assertEquals("udp=4096 version=0 do=0 cookie=5a760730fb2b37d5", m.record(0).data);
  }

  // ------------------------------------------------------------ zeek-dns.tsv oracles

  @Test
  void zeekDuplicateResponsesCnameChainWithRrsig() {
    // zeek-scripts.base.protocols.dns.duplicate-reponses frame 2: www.cmu.edu, AA, answers
    // "www-cmu.andrew.cmu.edu,RRSIG 5 cmu.edu,www-cmu-2.andrew.cmu.edu,128.2.10.163",
    // TTLs 86400,86400,5,21600; Zeek lower-cases names (the wire has WWW-CMU.ANDREW)
    parse("""
        5294841000010004000200040377777703636d75036564750000010001c00c00
        050001000151800011075757572d434d5506414e44524557c010c00c002e0001
        00015180009b0005070300015180515cb25b5135187a1b2303636d7503656475
        006b741ab2616a3f33b02d97c41edb5fc04bde32780687bdcf24b8208dae7550
        e35b164428fba91d0c72e757a70dcb38924d702d04a5919b673d05065e2406b9
        3b99cb4ad945c46d550a28edbcc1cbe6db31c7b8650a6428acfab46fc5987db5
        61a714893a1003e464f1550d3e3c344c093a3475efddd7d5d2176c6203350a2e
        aac0290005000100000005000c095757572d434d552d32c031c0ed0001000100
        005460000480020aa3c0310002000100015180000e074e534155544831034e45
        54c058c0310002000100015180000a074e534155544832c11dc1150001000100
        015180000480020108c115001c00010001518000102607fb2800000000000000
        0000000004c12f0001000100015180000480ed94a80000291000000080000000""");
    assertEquals(21140, m.id);
    assertEquals("www.cmu.edu", m.zeekQuery());
    assertEquals(1, m.qclass);
    assertEquals(1, m.qtype);
    assertEquals(0, m.rcode);
    assertTrue(m.aa);
    assertFalse(m.tc || m.rd || m.ra);
    assertEquals(List.of("www-cmu.andrew.cmu.edu", "RRSIG 5 cmu.edu", "www-cmu-2.andrew.cmu.edu",
        "128.2.10.163"), m.zeekAnswers());
    assertEquals("[86400, 86400, 5, 21600]", ttls(m).toString());
    assertEquals("WWW-CMU.ANDREW.cmu.edu", m.record(0).target, "structured data keeps case");
    assertEquals(4 + 2 + 4, m.recordCount());
    assertEquals("2607:fb28::4", m.record(7).data);
    assertTrue(m.ednsDo);
  }

  @Test
  void zeekBindSigningSignal() {
    // zeek-scripts.base.protocols.dns.binds frame 2: 16 TYPE65534 records, TTL 0, AA RD RA
    parse("""
        6bb385800001001000000001076578616d706c65036e657400fffe0001c00cff
        fe0001000000000005077d120001c00cfffe00010000000000050508940001c0
        0cfffe00010000000000050f32c20001c00cfffe0001000000000005105d3c00
        01c00cfffe00010000000000050792eb0001c00cfffe00010000000000050825
        4f0001c00cfffe000100000000000505bc7e0001c00cfffe0001000000000005
        08816a0001c00cfffe00010000000000050e3b250001c00cfffe000100000000
        00050aa2cb0001c00cfffe00010000000000050af8df0001c00cfffe00010000
        000000050dff730001c00cfffe00010000000000050d7aa80001c00cfffe0001
        0000000000050eeb810001c00cfffe00010000000000050f79180001c00cfffe
        0001000000000005109cfb000100002904d0000000000000""");
    assertEquals(27571, m.id);
    assertEquals("example.net", m.zeekQuery());
    assertEquals(65534, m.qtype);
    assertTrue(m.aa && m.rd && m.ra);
    assertFalse(m.tc);
    assertEquals(repeat("BIND9 signing signal", 16), m.zeekAnswers());
    assertEquals(repeat("0", 16).toString(), ttls(m).toString());
    assertEquals("077d120001", m.record(0).data, "unparsed types as hex");
    assertEquals(1232, m.ednsUdpSize);
  }

  @Test
  void zeekDnskeyAndRrsig() {
    // zeek-scripts.base.protocols.dns.dnskey frame 2: answers
    // "DNSKEY 5,DNSKEY 5,DNSKEY 5,RRSIG 48 upenn.edu,RRSIG 48 upenn.edu", TTLs 5,5,5,3444,3444
    parse(Hex.corpus("dnskey"));
    assertEquals(22666, m.id);
    assertEquals("upenn.edu", m.zeekQuery());
    assertEquals(48, m.qtype);
    assertEquals("DNSKEY", m.qtypeName());
    assertFalse(m.aa || m.tc);
    assertTrue(m.rd && m.ra);
    assertEquals(List.of("DNSKEY 5", "DNSKEY 5", "DNSKEY 5", "RRSIG 48 upenn.edu",
        "RRSIG 48 upenn.edu"), m.zeekAnswers());
    assertEquals("[5, 5, 5, 3444, 3444]", ttls(m).toString());
  }

  @Test
  void zeekNsecResponse() {
    // zeek-scripts.base.protocols.dns.nsec frame 4 (www.upenn.edu, id 51063): AA, answers
    // "www.upenn.edgekey.net,RRSIG 5 upenn.edu", TTLs 300,300
    parse("""
        c7778410000100020000000103777777057570656e6e036564750000010001c0
        0c000500010000012c001703777777057570656e6e07656467656b6579036e65
        7400c00c002e00010000012c009d000505030000012c5b7afd005b53698ec52b
        057570656e6e0365647500a4ac1814ca639d81bc6b5b351cf5334610f077ec2f
        b35a7be511fffcfd75a1a76fdd198247325dcb5bcdc75c3fa72cc8fa3bdb233d
        c408e0574a4a198750703cc9a845dc4db22ec150a4b7e147de3cb0a63e64f732
        02fd3b75de19e8dae90a41567a21a7a5c28dada9e1871336d7fa6c8237d1b1cd
        1163154628d03d9637c31b0000291000000080000000""");
    assertEquals(51063, m.id);
    assertEquals("www.upenn.edu", m.zeekQuery());
    assertTrue(m.aa);
    assertFalse(m.rd || m.ra || m.tc);
    assertEquals(List.of("www.upenn.edgekey.net", "RRSIG 5 upenn.edu"), m.zeekAnswers());
    assertEquals("[300, 300]", ttls(m).toString());
  }

  @Test
  void zeekNsec3param() {
    // zeek-scripts.base.protocols.dns.nsec3param frame 2: answers "NSEC3PARAM", TTLs 0
    parse("""
        3d0a81800001000100000001057373686670036e65740000330001c00c003300
        0100000000001501000014107b1a90a916197e45d0772abcb644115600002904
        d0000000000000""");
    assertEquals(15626, m.id);
    assertEquals("sshfp.net", m.zeekQuery());
    assertEquals(51, m.qtype);
    assertEquals(List.of("NSEC3PARAM"), m.zeekAnswers());
    assertArrayEquals(new long[] {0}, m.zeekTtls());
  }

  @Test
  void zeekSshfpAndNxdomain() {
    // zeek-scripts.base.protocols.dns.sshfp frame 2: 8 SSHFP + RRSIG 44 lbl.gov, TTLs 43200
    parse(Hex.corpus("sshfp"));
    assertEquals(40916, m.id);
    assertEquals("mon.lbl.gov", m.zeekQuery());
    assertEquals(44, m.qtype);
    assertTrue(m.aa);
    assertFalse(m.rd || m.ra);
    assertEquals(List.of(
        "SSHFP: a6b95f9eba1104a7272a362e8bfbcbebd5726dcf",
        "SSHFP: 520711b47c300b819cfb696a845007c420de4df30ae3953004b6cfb2bd2c6a46",
        "SSHFP: 5b72c59cceaea2c210f14156e20e6aff829b3e3b",
        "SSHFP: c052721a978470b36fe5b9222f234400f369172b",
        "SSHFP: 0b24d970aa05b708804d35eea3a8c1a6c355e545",
        "SSHFP: 2870056915073c1e189fc7bf04bbce4512be09a0104f64ae3cfa072b8e06dd2b",
        "SSHFP: 562cb91a82129b62ee4fd92ca202a72b844b7e84ac29dec75654453550201e82",
        "SSHFP: c692deb7667ceee670d3e6863b5de7b140fe0ba0183a52f6ccbb4247f7b0ab29",
        "RRSIG 44 lbl.gov"), m.zeekAnswers());
    assertEquals(repeat("43200", 9).toString(), ttls(m).toString());

    // frame 4 (n0019.savio1.lbl.gov, id 22044): rcode 3, no answers, not rejected
    parse(Hex.corpus("sshfp-nxdomain"));
    assertEquals(22044, m.id);
    assertEquals("n0019.savio1.lbl.gov", m.zeekQuery());
    assertEquals(3, m.rcode);
    assertEquals(0, m.zeekAnswerCount());
    assertEquals(6, m.authorityParsed);
    assertFalse(m.zeekRejected());
    assertEquals("nsx.lbl.gov", m.record(0).target);
    assertEquals("hostmaster.nsx.lbl.gov", m.record(0).rname);
  }

  @Test
  void zeekFlippedResponseWithAuthorityAndAdditional() {
    // zeek-scripts.base.protocols.dns.flip frame 1 (a lone response, id 25701): AA RA, 8 A
    // answers with TTL 900; the 7 NS and 7 A records after them are not in Zeek's answers
    parse("""
        646584800001000800070007027573037632370b646973747269627574656403
        6e65740000010001c00c00010001000003840004ce6d40bac00c000100010000
        03840004d801cd51c00c00010001000003840004cd95a3d3c00c000100010000
        0384000486358387c00c00010001000003840004863583c0c00c000100010000
        0384000480681294c00c00010001000003840004cc98ba8bc00c000100010000
        038400043f4d21e2037632370b6469737472696275746564036e657400000200
        01000003840006036e7331c0acc0a800020001000003840006036e7332c0acc0
        a800020001000003840006036e7333c0acc0a800020001000003840006036e73
        36c0acc0a80002000100000384000e036e7331046265737403636f6d00c0a800
        020001000003840006036e7332c113c0a800020001000003840006036e7333c1
        13c0c700010001000038400004d162200ec0d9000100010000384000044009a7
        a6c0eb00010001000038400004d801cd51c0fd00010001000038400004cd95a3
        d3c10f000100010002ecac0004d1189529c129000100010001bcf40004d19d66
        0bc13b000100010001bcf40004d118952a""");
    assertEquals(25701, m.id);
    assertEquals("us.v27.distributed.net", m.zeekQuery());
    assertEquals("us.v27.distributed.net", m.zeekQueryFromAnswers());
    assertTrue(m.aa && m.ra);
    assertFalse(m.tc || m.rd);
    assertEquals(List.of("206.109.64.186", "216.1.205.81", "205.149.163.211", "134.53.131.135",
        "134.53.131.192", "128.104.18.148", "204.152.186.139", "63.77.33.226"), m.zeekAnswers());
    assertEquals(repeat("900", 8).toString(), ttls(m).toString());
    assertEquals(8, m.answersParsed);
    assertEquals(7, m.authorityParsed);
    assertEquals(7, m.additionalParsed);
    assertEquals("ns1.best.com", m.record(12).target);
    assertEquals(191660, m.record(19).ttl);
  }

  @Test
  void zeekMdnsQueryAndLoneResponses() {
    // zeek-scripts.base.protocols.dns.mdns-no-assoc frames 1, 3, 4 (id 0, port 5353)
    parse("""
        0000000000010000000000000f696e697469616c2d71756572792d61056c6f63
        616c0000010001""");
    assertEquals("initial-query-a.local", m.zeekQuery());
    assertEquals(1, m.qclass);
    assertEquals(1, m.qtype);
    assertFalse(m.aa || m.tc || m.rd || m.ra);

    // a response with no question: Zeek's query comes from the answer's owner name
    parse("""
        00008400000000010000000011756e72656c617465642d7265706c792d61056c
        6f63616c0000010001000000780004c0a80002""");
    assertEquals(0, m.qdCount);
    assertNull(m.qname);
    assertEquals(-1, m.qtype);
    assertNull(m.qtypeName());
    assertEquals(0, m.rcode);
    assertTrue(m.aa);
    assertEquals("unrelated-reply-a.local", m.record(0).name);
    assertEquals("unrelated-reply-a.local", m.zeekQueryFromAnswers(), "Zeek's query for this row");
    assertEquals(List.of("192.168.0.2"), m.zeekAnswers());
    assertArrayEquals(new long[] {120}, m.zeekTtls());
    assertFalse(m.zeekRejected());

    parse("""
        00008400000000010000000014756e72656c617465642d7265706c792d616161
        61056c6f63616c00001c0001000000780010fe800000000000000200defffead
        beef""");
    assertEquals("unrelated-reply-aaaa.local", m.record(0).name);
    assertEquals(List.of("fe80::200:deff:fead:beef"), m.zeekAnswers());
  }

  @Test
  void zeekSoaOnlyResponse() {
    // zeek-scripts.base.protocols.dns.zero-responses frame 2: psu.edu AAAA, SOA in authority:
    // Zeek logs no answers and rejected F
    parse("""
        43ab85000001000000010000037073750365647500001c0001c00c0006000100
        00a8c00028046f746332c00c0a686f73746d6173746572c00c77ee36d60000a8
        c000001c20001baf8000015180""");
    assertEquals(17323, m.id);
    assertEquals(0, m.zeekAnswerCount());
    assertFalse(m.zeekRejected());
    assertEquals("otc2.psu.edu hostmaster.psu.edu 2012100310 43200 7200 1814400 86400",
        m.record(0).data);
  }

  @Test
  void zeekTxtStrings() {
    // zeek-core.ipv6-frag frame 2 (id 3903): one TXT record of three strings is ONE answer
    // "TXT 33 This TXT record should be ignored TXT 21 As it is just padding TXT 136 XXX...",
    // TTL 1; then NS in authority, OPT and A in additional
    parse("""
        0f3f850000010001000100020e74787470616464696e675f333233026e31086e
        6574616c797a720469637369086265726b656c6579036564750000100001c00c
        001000010000000100c1215468697320545854207265636f72642073686f756c
        642062652069676e6f726564154173206974206973206a757374207061646469
        6e67885858585858585858585858585858585858585858585858585858585858
        5858585858585858585858585858585858585858585858585858585858585858
        5858585858585858585858585858585858585858585858585858585858585858
        5858585858585858585858585858585858585858585858585858585858585858
        5858585858585858585858c01b0002000100000064001106726f6c616e640469
        636972036f7267000000291000000080000000c11700010001000000640004c0
        96bb1f""");
    assertEquals(3903, m.id);
    assertEquals("txtpadding_323.n1.netalyzr.icsi.berkeley.edu", m.zeekQuery());
    assertEquals(16, m.qtype);
    assertTrue(m.aa && m.rd);
    assertFalse(m.ra);
    assertEquals(List.of("TXT 33 This TXT record should be ignored TXT 21 As it is just padding"
        + " TXT 136 " + "X".repeat(136)), m.zeekAnswers());
    assertArrayEquals(new long[] {1}, m.zeekTtls());
    assertEquals(3, m.record(0).strings.length);
    assertEquals("roland.icir.org", m.record(1).target);
    assertEquals("192.150.187.31", m.record(3).data);

    // frame 8 (id 40849): 3230 bytes, reassembled from IPv6 fragments: 18 strings in one TXT
    parse(Hex.corpus("txt-3230"));
    assertEquals(40849, m.id);
    StringBuilder want = new StringBuilder(
        "TXT 33 This TXT record should be ignored TXT 21 As it is just padding");
    for (int i = 0; i < 15; i++) {
      want.append(" TXT 189 ").append("X".repeat(189));
    }
    want.append(" TXT 192 ").append("X".repeat(192));
    assertEquals(1, m.zeekAnswerCount());
    assertEquals(want.length(), m.zeekAnswer(0).length());
    assertTrue(want.toString().equals(m.zeekAnswer(0)), "the 18 strings as Zeek writes them");
    assertEquals(18, m.record(0).strings.length);
    assertArrayEquals(new long[] {1}, m.zeekTtls());
    assertEquals(3230, m.length);
  }
}
