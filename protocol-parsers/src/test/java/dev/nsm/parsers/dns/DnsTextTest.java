package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Text forms: IPv6 per RFC 5952 and as Zeek writes it, and the escaping of label bytes. */
class DnsTextTest {
  /**
   * {hex, RFC 5952, Zeek}. Generated once with Python 3.11: RFC 5952 column from
   * {@code ipaddress.IPv6Address(b).compressed} (IPv4-mapped written {@code ::ffff:a.b.c.d} as RFC
   * 5952 section 5 recommends, where Python writes hex), Zeek column from glibc's
   * {@code socket.inet_ntop} (what Zeek's IPAddr::AsString calls) with IPv4-mapped addresses as
   * the dotted quad Zeek prints for them. The last 15 rows are random with many zero groups.
   */
  private static final String[][] V6 = {
      {"00000000000000000000000000000000", "::", "::"},
      {"00000000000000000000000000000001", "::1", "::1"},
      {"00000000000000000000000000000002", "::2", "::2"},
      {"20010db8000000000000000000000001", "2001:db8::1", "2001:db8::1"},
      {"20010db8000100000001000100010001", "2001:db8:1:0:1:1:1:1", "2001:db8:1:0:1:1:1:1"},
      {"20010db8000000000001000000000001", "2001:db8::1:0:0:1", "2001:db8::1:0:0:1"},
      {"fe800000000000000200deffffeadbee", "fe80::200:deff:ffea:dbee", "fe80::200:deff:ffea:dbee"},
      {"00010000000000000000000000000000", "1::", "1::"},
      {"20010db8000000010000000000000000", "2001:db8:0:1::", "2001:db8:0:1::"},
      {"000000000000000000000000c0000201", "::c000:201", "::192.0.2.1"},
      {"00000000000000000000ffffc0000201", "::ffff:192.0.2.1", "192.0.2.1"},
      {"ffffffffffffffffffffffffffffffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"20010db8000000000000000000000000", "2001:db8::", "2001:db8::"},
      {"0000000100000000000000000000ffff", "0:1::ffff", "0:1::ffff"},
      {"20010db800000000000100000000000a", "2001:db8::1:0:0:a", "2001:db8::1:0:0:a"},
      {"00000000000000000000000000010000", "::1:0", "::0.1.0.0"},
      {"a5cd0002000b00002c01000000010007", "a5cd:2:b:0:2c01:0:1:7", "a5cd:2:b:0:2c01:0:1:7"},
      {"00000001442f0003000000000001000f", "0:1:442f:3::1:f", "0:1:442f:3::1:f"},
      {"daed000000000009fd7f000000004dd0", "daed::9:fd7f:0:0:4dd0", "daed::9:fd7f:0:0:4dd0"},
      {"0002000000002feb0000e42bb1aa0005", "2::2feb:0:e42b:b1aa:5", "2::2feb:0:e42b:b1aa:5"},
      {"000000007ec70000000c8e4000000000", "::7ec7:0:c:8e40:0:0", "::7ec7:0:c:8e40:0:0"},
      {"0000000000000000000b0004000ec8e5", "::b:4:e:c8e5", "::b:4:e:c8e5"},
      {"c9ca0000227b00000000000000000000", "c9ca:0:227b::", "c9ca:0:227b::"},
      {"b1dd3ee5ee9600000000000500060004", "b1dd:3ee5:ee96::5:6:4", "b1dd:3ee5:ee96::5:6:4"},
      {"000000000007000763ea000600000e4d", "::7:7:63ea:6:0:e4d", "::7:7:63ea:6:0:e4d"},
      {"000600000000344d0000f71e0000c6ee", "6::344d:0:f71e:0:c6ee", "6::344d:0:f71e:0:c6ee"},
      {"00002c6a00000000000000000000349e", "0:2c6a::349e", "0:2c6a::349e"},
      {"0000000000000000000e00044dbd0000", "::e:4:4dbd:0", "::e:4:4dbd:0"},
      {"583d00000003000000000000000a6618", "583d:0:3::a:6618", "583d:0:3::a:6618"},
      {"000784e9000000002524000000000000", "7:84e9:0:0:2524::", "7:84e9:0:0:2524::"},
      {"00000000728acec000000000ad0b0000", "::728a:cec0:0:0:ad0b:0", "::728a:cec0:0:0:ad0b:0"},
  };

  @Test
  void ipv6() {
    for (String[] v : V6) {
      byte[] b = Hex.bytes(v[0]);
      StringBuilder rfc = new StringBuilder();
      DnsText.appendIpv6(b, 0, rfc);
      assertEquals(v[1], rfc.toString(), v[0]);
      StringBuilder zeek = new StringBuilder();
      DnsText.appendIpv6Zeek(b, 0, zeek);
      assertEquals(v[2], zeek.toString(), v[0]);
    }
  }

  private static String escaped(String hex) {
    byte[] b = Hex.bytes(hex);
    StringBuilder sb = new StringBuilder();
    DnsText.appendEscaped(b, 0, b.length, sb);
    return sb.toString();
  }

  @Test
  void escaping() {
    assertEquals("www.Example-1_x y", escaped("7777772e4578616d706c652d315f782079"));
    assertEquals("\\x00\\x1f\\x7f\\x5c", escaped("001f7f5c"), "controls, DEL, backslash");
    assertEquals("caf\u00e9 \u20ac \ud83d\ude00", escaped("636166c3a920e282ac20f09f9880"),
        "UTF-8 of 2, 3 and 4 bytes decoded");
    assertEquals("\\xc0\\x80", escaped("c080"), "overlong encoding");
    assertEquals("\\xed\\xa0\\x80", escaped("eda080"), "a surrogate");
    assertEquals("\\xe2\\x82", escaped("e282"), "a sequence cut short");
    assertEquals("\\xf5\\x80\\x80\\x80", escaped("f5808080"), "beyond U+10FFFF");
    assertEquals("\\xff\\xfe", escaped("fffe"));
  }

  @Test
  void zeekNames() {
    assertEquals("A", DnsNames.qtype(1));
    assertEquals("*", DnsNames.qtype(255));
    assertEquals("HTTPS", DnsNames.qtype(65));
    assertEquals("CAA", DnsNames.qtype(257));
    assertEquals("query-65534", DnsNames.qtype(65534), "BIND's private type has no name in Zeek");
    assertEquals("query-54", DnsNames.qtype(54));
    assertEquals("NXRRSet", DnsNames.rcode(8));
    assertEquals("BADSIG", DnsNames.rcode(3842));
    assertEquals("rcode-24", DnsNames.rcode(24));
    assertEquals("C_INTERNET", DnsNames.qclass(1));
    assertEquals("C_ANY", DnsNames.qclass(255));
    assertEquals("qclass-32769", DnsNames.qclass(32769));
    assertEquals("dynamic-update", DnsNames.opcode(5));
    assertEquals("opcode-3", DnsNames.opcode(3));
  }
}
