package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DnsParser#probe}: accepts real DNS, rejects other protocols and noise, allocates nothing. */
class DnsProbeTest {
  /** dns--dns-udp-google.com-a-aaaa-mx frame 1: query google.com A with OPT. */
  private static final String QUERY = """
      1a2d0120000100000000000106676f6f676c6503636f6d000001000100002910
      00000000000000""";

  /** TLS 1.2 ClientHello (SNI go.microsoft.com) from the corpus' tls capture, as TCP payload. */
  private static final String CLIENT_HELLO = """
      16030300b4010000b003036232f3dbc84971e3f1dfd74456d4c0ffde61904161
      bf29f8c77439a081b57ac8000034c028c027c014c013009f009e00390033009d
      009c003d003c0035002fc02cc02bc024c023c00ac009006a004000380032000a
      001301000053000000150013000010676f2e6d6963726f736f66742e636f6d00
      0500050100000000000a0006000400170018000b00020100000d001400120401
      0501060102010403050306030203020200170000ff01000100""";

  /** The start of a TLS application-data record from the same capture. */
  private static final String APP_DATA = """
      170303025027240e42395c1520949538604a3566f40459dad73f4bc0fa325449
      8b288e9e078d7262979f60cb4201ce5adec6ff668e69ac4cab545ca0837f80ad""";

  private static boolean udp(byte[] b) {
    return DnsParser.probe(b, 0, b.length, false);
  }

  private static boolean tcp(byte[] b) {
    return DnsParser.probe(b, 0, b.length, true);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void acceptsRealDns() {
    byte[] q = Hex.bytes(QUERY);
    assertTrue(udp(q));
    byte[] framed = new byte[q.length + 2];
    framed[1] = (byte) q.length;
    System.arraycopy(q, 0, framed, 2, q.length);
    assertTrue(tcp(framed));
    // over TCP only the header and first question need be in the segment: the rest may follow
    assertTrue(DnsParser.probe(framed, 0, 2 + 12 + 16, true));
    assertFalse(DnsParser.probe(framed, 0, 2 + 12 + 10, true), "question cut: cannot tell");
    // an mDNS response with no question (zeek mdns-no-assoc frame 3)
    assertTrue(udp(Hex.bytes("""
        00008400000000010000000011756e72656c617465642d7265706c792d61056c
        6f63616c0000010001000000780004c0a80002""")));
    // an mDNS question with the unicast-response bit in QCLASS (0x8001)
    assertTrue(udp(Hex.bytes("0000 0000 0001 0000 0000 0000  0161 056c6f63616c 00 0001 8001")));
    // priming query for the root
    assertTrue(udp(Hex.bytes("0001 0000 0001 0000 0000 0000  00 0002 0001")));
  }

  @Test
  void rejectsOtherProtocols() {
    String[] texts = {
      "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n",
      "POST /dns-query HTTP/1.1\r\nHost: dns.example\r\nContent-Length: 33\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
      "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n",
      "220 mail.example.com ESMTP Postfix\r\n",
      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
    };
    for (String t : texts) {
      assertFalse(udp(ascii(t)), t);
      assertFalse(tcp(ascii(t)), t);
    }
    for (String hex : new String[] {CLIENT_HELLO, APP_DATA}) {
      assertFalse(udp(Hex.bytes(hex)));
      assertFalse(tcp(Hex.bytes(hex)));
    }
    byte[] q = Hex.bytes(QUERY);
    assertFalse(udp(java.util.Arrays.copyOf(q, 16)), "too short for a header and a question");
  }

  @Test
  void rejectsEachBrokenHeaderRule() {
    byte[] q = Hex.bytes(QUERY);
    assertTrue(udp(q));
    assertFalse(udp(with(q, 2, 0x19)), "opcode 3");
    assertFalse(udp(with(q, 2, 0x31)), "opcode 6");
    assertTrue(udp(with(q, 2, 0x21)), "opcode 4 (notify) is fine");
    assertFalse(udp(with(q, 3, 0x60)), "reserved Z bit");
    assertFalse(udp(with(q, 3, 0x23)), "a query with an rcode");
    assertTrue(udp(with(with(q, 2, 0x81), 3, 0x83)), "a response with an rcode is fine");
    assertFalse(udp(with(q, 5, 0)), "no question in a query");
    assertFalse(udp(with(q, 5, 5)), "5 questions");
    assertFalse(udp(with(q, 11, 3)), "3 additional records cannot fit in 39 bytes");
    assertFalse(udp(with(q, 12, 0x40)), "a label length of 64");
    assertFalse(udp(with(with(q, 19, 0xc0), 20, 28)), "a pointer forward (at 19, to 28)");
    assertFalse(udp(with(with(q, 19, 0xc0), 20, 99)), "a pointer past the end");
    assertFalse(udp(with(q, 25, 0)), "qtype 0");
    assertFalse(udp(with(q, 25, 200)), "unassigned qtype 200");
    assertFalse(udp(with(q, 27, 2)), "qclass 2");
    assertTrue(udp(with(q, 27, 3)), "CHAOS");
  }

  private static byte[] with(byte[] b, int i, int v) {
    byte[] c = b.clone();
    c[i] = (byte) v;
    return c;
  }

  @Test
  void rejectsRandomPayloads() {
    Random rnd = new Random(20240531L);
    int accepted = 0;
    byte[] buf = new byte[600];
    for (int i = 0; i < 500_000; i++) {
      int len = rnd.nextInt(buf.length);
      for (int k = 0; k < len; k += 8) {
        long r = rnd.nextLong();
        for (int j = 0; j < 8 && k + j < len; j++) {
          buf[k + j] = (byte) (r >>> (8 * j));
        }
      }
      if (DnsParser.probe(buf, 0, len, false) || DnsParser.probe(buf, 0, len, true)) {
        accepted++;
      }
    }
    assertEquals(0, accepted, "random payloads taken for DNS");
  }

  @Test
  void probeAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] q = Hex.bytes(QUERY);
    byte[] http = ascii("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    byte[] tls = Hex.bytes(CLIENT_HELLO);
    int hits = 0;
    for (int i = 0; i < 20_000; i++) { // warm up (JIT)
      hits += (udp(q) ? 1 : 0) + (tcp(http) ? 1 : 0) + (udp(tls) ? 1 : 0);
    }
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 1_000_000; i++) {
      hits += (udp(q) ? 1 : 0) + (tcp(http) ? 1 : 0) + (udp(tls) ? 1 : 0);
    }
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertEquals(1_020_000, hits);
    // 3 million probes; one object per probe would be >= 48 MB. A few KB of slack for the JIT's
    // on-stack replacement and the measuring itself
    assertTrue(allocated < 16 * 1024, "probe allocated " + allocated + " bytes");
  }
}
