package dev.nsm.sensor.app;

import static dev.nsm.sensor.app.AppPkt.ascii;
import static dev.nsm.sensor.app.AppPkt.dns;
import static dev.nsm.sensor.app.AppPkt.dnsQuery;
import static dev.nsm.sensor.app.AppPkt.dnsResponse;
import static dev.nsm.sensor.app.AppPkt.tcp;
import static dev.nsm.sensor.app.AppPkt.tcpFramed;
import static dev.nsm.sensor.app.AppPkt.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.Dns;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Notice;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DNS records from hand-made packets: Zeek's pairing, when rows are written, flips, notices, TCP framing. */
class AppDnsTest {
  private static final String C = "10.0.0.1";
  private static final String S = "10.0.0.53";

  @Test
  void queryAndResponsePairWithRtt() {
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, dnsQuery(7, "Example.COM", 1)),
        udp(1.05, S, 53, C, 40000, dnsResponse(7, 0x8580, "example.com", 1, "192.0.2.1", "192.0.2.2")));
    assertEquals(1, h.dns().size(), "written when the response completes the pair");
    h.end();
    Dns d = h.dns().get(0);
    assertEquals("example.com", d.getQuery(), "Zeek lower-cases the question");
    assertEquals(7, d.getTransId());
    assertEquals(1, d.getQtype());
    assertEquals("A", d.getQtypeName());
    assertEquals(List.of("192.0.2.1", "192.0.2.2"), d.getAnswersList());
    assertEquals(List.of(60, 60), d.getTTLsList());
    assertEquals(50_000_000, d.getRtt().getNanos());
    assertTrue(d.getAA() && d.getRD() && d.getRA());
    assertEquals(1_000_000_000L, d.getTs().getSeconds() * 1_000_000_000L + d.getTs().getNanos(), "the query's time");
    Flow f = h.onlyFlow();
    assertEquals(f.getUid(), d.getUid());
    assertEquals(List.of("dns"), f.getServiceList());
    assertEquals(C, d.getOrigH());
    assertEquals(S, d.getRespH());
  }

  @Test
  void sameIdPairsFirstInFirstOutAndTheRestIsWrittenAtTheEnd() {
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, dnsQuery(9, "first.test", 1)),
        udp(1.1, C, 40000, S, 53, dnsQuery(9, "second.test", 28)),
        udp(1.2, S, 53, C, 40000, dnsResponse(9, 0x8180, "first.test", 1, "192.0.2.9")));
    assertEquals(1, h.dns().size());
    assertEquals("first.test", h.dns().get(0).getQuery());
    h.end();
    List<Dns> ds = h.dns();
    assertEquals(2, ds.size());
    Dns second = ds.get(1);
    assertEquals("second.test", second.getQuery());
    assertTrue(second.getSawQuery());
    assertFalse(second.getSawReply());
    assertFalse(second.hasRcode());
    assertEquals(1, h.count(AppCounter.DNS_UNANSWERED));
  }

  @Test
  void responseWithoutQueryIsWrittenAlone() {
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, dnsQuery(1, "asked.test", 1)),
        udp(1.1, S, 53, C, 40000, dnsResponse(1, 0x8180, "asked.test", 1, "192.0.2.1")),
        udp(1.2, S, 53, C, 40000, dnsResponse(2, 0x8180, "other.test", 28)));
    h.end();
    List<Dns> ds = h.dns();
    assertEquals(2, ds.size());
    Dns lone = ds.get(1);
    assertEquals(2, lone.getTransId());
    assertFalse(lone.getSawQuery());
    assertTrue(lone.getSawReply());
    assertEquals("other.test", lone.getQuery(), "no answer to name it: the question does");
    assertEquals(28, lone.getQtype(), "the response's question (Zeek leaves it empty)");
    assertTrue(lone.getRD(), "no query seen: RD as the response copies it (Zeek logs F)");
    assertTrue(lone.getRA(), "RA as the response's header says, also without answers");
    assertFalse(lone.getAA());
    assertFalse(lone.hasRtt());
    assertEquals(1, h.count(AppCounter.DNS_UNMATCHED_REPLIES));
  }

  @Test
  void answerlessResponseGivesItsHeaderBitsButNoRtt() {
    // NXDOMAIN (rcode 3) from an authoritative server offering no recursion, one SOA in authority
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, dnsQuery(5, "nope.test", 1)),
        udp(1.2, S, 53, C, 40000, dns(5, 0x8503, "nope.test", 1, new String[0], 0, 0)),
        udp(2.0, C, 40001, S, 53, dnsQuery(6, "gone.test", 1)),
        udp(2.1, S, 53, C, 40001, dns(6, 0x8183, "gone.test", 1, new String[0], 0, 0)));
    h.end();
    List<Dns> ds = h.dns();
    assertEquals(2, ds.size());
    Dns auth = ds.get(0);
    assertEquals("NXDOMAIN", auth.getRcodeName());
    assertTrue(auth.getAA(), "the header's AA (Zeek's log: F, set only with answers)");
    assertFalse(auth.getRA());
    assertTrue(auth.getRD(), "the query's RD");
    assertFalse(auth.hasRtt(), "rtt only from a response with answers, as Zeek");
    Dns recursive = ds.get(1);
    assertFalse(recursive.getAA());
    assertTrue(recursive.getRA(), "the header's RA");
  }

  @Test
  void multicastMessagesAreNeverPaired() {
    AppHarness h = new AppHarness().feed(
        udp(1.0, "192.168.0.2", 5353, "224.0.0.251", 5353, dns(0, 0, "printer.local", 1, new String[0], 0, 0)),
        udp(1.1, "192.168.0.2", 5353, "224.0.0.251", 5353, dns(0, 0x8400, "printer.local", 1,
            new String[] {"192.168.0.9"}, 0, 0)));
    assertEquals(2, h.dns().size(), "each message written at once");
    Dns q = h.dns().get(0);
    Dns r = h.dns().get(1);
    assertEquals(1, q.getQtype());
    assertFalse(q.hasRcode());
    assertEquals(List.of("192.168.0.9"), r.getAnswersList());
    assertFalse(r.hasRtt());
  }

  @Test
  void firstMessageAResponseFromTheOriginatorFlipsTheFlow() {
    // both ports are 53 (as in Zeek's dns53.pcap): the table keeps the sender as originator, the
    // DNS analyzer then sees a response from it and makes the other side the originator
    AppHarness h = new AppHarness().feed(
        udp(1.0, S, 53, C, 53, dnsResponse(5, 0x8180, "flip.test", 1, "192.0.2.5"))).end();
    Dns d = h.dns().get(0);
    assertEquals(C, d.getOrigH());
    assertEquals(S, d.getRespH());
    Flow f = h.onlyFlow();
    assertEquals(C, f.getOrigH());
    assertEquals("D^", f.getHistory(), "Zeek's UDP analyzer writes D before the DNS analyzer flips");
    assertEquals(1, f.getRespPkts(), "the response's packet is now the responder's");
  }

  @Test
  void malformedMessagesGiveOneNoticePerFlowAndAreCounted() {
    byte[] good = dnsResponse(3, 0x8180, "cut.test", 1, "192.0.2.3");
    byte[] cut = Arrays.copyOf(good, good.length - 2); // the A record's rdata runs past the end
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, dnsQuery(3, "cut.test", 1)),
        udp(1.1, S, 53, C, 40000, cut),
        udp(1.2, S, 53, C, 40000, cut)).end();
    List<Notice> ns = h.notices();
    assertEquals(1, ns.size(), ns.toString());
    assertEquals("DNS_truncated_RR_rdlength_lt_len", ns.get(0).getName());
    assertEquals("dns", ns.get(0).getSource());
    assertFalse(ns.get(0).getIsOrig());
    assertEquals(h.onlyFlow().getUid(), ns.get(0).getUid());
    assertEquals(2, h.count(AppCounter.DNS_MESSAGES_MALFORMED));
    assertEquals(1, h.count(AppCounter.NOTICES_REPEATED));
    assertEquals(2, h.dns().size(), "the query's row and the second response's");
  }

  @Test
  void notDnsOnPort53IsNotDns() {
    AppHarness h = new AppHarness().feed(
        udp(1.0, C, 40000, S, 53, ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
        udp(1.1, S, 53, C, 40000, ascii("this is not a DNS answer at all\n")),
        udp(1.2, C, 40000, S, 53, dnsQuery(1, "late.test", 1))).end();
    assertEquals(List.of(), h.dns());
    assertEquals(List.of(), h.onlyFlow().getServiceList());
    assertEquals(1, h.count(AppCounter.UDP_FLOWS_PROBED));
    assertEquals(0, h.count(AppCounter.FLOWS_DNS));
  }

  @Test
  void dnsOverTcpOnPort5353TwoMessagesPerSegment() {
    byte[] queries = tcpFramed(dnsQuery(0x1111, "a.test", 1), dnsQuery(0x2222, "b.test", 15));
    byte[] answers = tcpFramed(dnsResponse(0x1111, 0x8180, "a.test", 1, "192.0.2.1"),
        dnsResponse(0x2222, 0x8180, "b.test", 15));
    AppHarness h = new AppHarness().feed(
        tcp(1.0, C, 40001, S, 5353, "S", 100, 0),
        tcp(1.001, S, 5353, C, 40001, "SA", 500, 101),
        tcp(1.002, C, 40001, S, 5353, "A", 101, 501),
        tcp(1.003, C, 40001, S, 5353, "PA", 101, 501, queries),
        tcp(1.004, S, 5353, C, 40001, "PA", 501, 101 + queries.length, answers),
        tcp(1.005, C, 40001, S, 5353, "FA", 101 + queries.length, 501 + answers.length),
        tcp(1.006, S, 5353, C, 40001, "FA", 501 + answers.length, 102 + queries.length),
        tcp(1.007, C, 40001, S, 5353, "A", 102 + queries.length, 502 + answers.length)).end();
    List<Dns> ds = h.dns();
    assertEquals(2, ds.size());
    assertEquals("a.test", ds.get(0).getQuery());
    assertEquals(List.of("192.0.2.1"), ds.get(0).getAnswersList());
    assertEquals("b.test", ds.get(1).getQuery());
    assertEquals(15, ds.get(1).getQtype());
    assertTrue(ds.stream().allMatch(d -> d.getProto().equals("tcp") && d.getSawReply()));
    assertEquals(List.of("dns"), h.onlyFlow().getServiceList());
  }

  @Test
  void dnsOverTcpMessageCutByAGapIsNoticedAndTheNextOneStillRead() {
    byte[] first = tcpFramed(dnsQuery(1, "one.test", 1));
    byte[] second = tcpFramed(dnsQuery(2, "two.test", 1));
    byte[] third = tcpFramed(dnsQuery(3, "three.test", 1));
    long s0 = 101;
    long s1 = s0 + first.length;
    long s2 = s1 + 10; // the first 10 bytes of the second message were not captured
    long s3 = s1 + second.length;
    AppHarness h = new AppHarness().feed(
        tcp(1.0, C, 40002, S, 53, "S", 100, 0),
        tcp(1.001, S, 53, C, 40002, "SA", 500, 101),
        tcp(1.002, C, 40002, S, 53, "A", 101, 501),
        tcp(1.003, C, 40002, S, 53, "PA", s0, 501, first),
        tcp(1.004, C, 40002, S, 53, "PA", s2, 501, Arrays.copyOfRange(second, 10, second.length)),
        tcp(1.005, S, 53, C, 40002, "A", 501, s3), // acks the missing bytes: a gap
        tcp(1.006, C, 40002, S, 53, "PA", s3, 501, third)).end();
    List<String> queries = h.dns().stream().map(Dns::getQuery).toList();
    assertEquals(List.of("one.test", "three.test"), queries);
    assertEquals(1, h.count(AppCounter.DNS_TCP_MESSAGES_LOST));
    assertEquals("DNS_content_gap", h.notices().get(0).getName());
    assertEquals(10, h.onlyFlow().getMissedBytes(), "the flow table's missed_bytes (Zeek's) is untouched");
  }

  // ------------------------------------------------------------------ the worker's pending caps

  /** Three flows (source ports 40001..40003) each with one unanswered query, then a fourth. */
  private static AppHarness pendingFlood(AppConfig config) {
    AppHarness h = new AppHarness(config);
    for (int i = 1; i <= 4; i++) {
      h.feed(udp(i, C, 40000 + i, S, 53, dnsQuery(i, "q" + i + ".test", 1)));
    }
    return h;
  }

  @Test
  void pendingCapInMessagesWritesTheOldestUnpaired() {
    AppHarness h = pendingFlood(AppConfig.defaults().withDnsPending(3, 1L << 20));
    assertEquals(3, h.app.dnsPendingCount());
    List<Dns> early = h.dns();
    assertEquals(1, early.size(), "the 4th query pushed the oldest out");
    assertEquals("q1.test", early.get(0).getQuery());
    assertTrue(early.get(0).getSawQuery());
    assertFalse(early.get(0).getSawReply());
    assertEquals(40001, early.get(0).getOrigP());
    assertEquals(1, h.count(AppCounter.DNS_PENDING_EVICTED));
    assertEquals(1, h.count(AppCounter.DNS_UNANSWERED));
    List<Notice> n = h.notices();
    assertEquals(1, n.size());
    assertEquals("DNS_pending_evicted", n.get(0).getName());
    assertEquals(early.get(0).getUid(), n.get(0).getUid(), "noticed on the evicted message's flow");
    // a response to an evicted query is a response alone; to a waiting one, a pair
    h.feed(udp(5.0, S, 53, C, 40002, dnsResponse(2, 0x8180, "q2.test", 1, "192.0.2.2")));
    assertEquals(2, h.app.dnsPendingCount());
    assertEquals("q2.test", h.dns().get(1).getQuery());
    assertTrue(h.dns().get(1).getSawReply() && h.dns().get(1).getSawQuery());
    h.end();
    assertEquals(0, h.app.dnsPendingCount());
    assertEquals(0, h.app.dnsPendingBytes());
    assertEquals(4, h.dns().size());
    assertEquals(3, h.count(AppCounter.DNS_UNANSWERED), "q1 early, q3 and q4 at the end");
    assertEquals(1, h.count(AppCounter.DNS_PENDING_EVICTED));
  }

  @Test
  void pendingCapInBytesWritesTheOldestUnpaired() {
    // 64 KiB holds ~120 messages of ~530 bytes: 200 queries from 200 flows leave the newest that fit
    AppHarness h = new AppHarness(AppConfig.defaults().withDnsPending(1_000_000, AppConfig.MIN_DNS_PENDING_BYTES));
    for (int i = 0; i < 200; i++) {
      h.feed(udp(1 + i * 0.001, C, 20000 + i, S, 53, dnsQuery(i, "name" + i + ".test", 1)));
      assertTrue(h.app.dnsPendingBytes() <= AppConfig.MIN_DNS_PENDING_BYTES, "bytes " + h.app.dnsPendingBytes());
    }
    long evicted = h.count(AppCounter.DNS_PENDING_EVICTED);
    assertEquals(200, evicted + h.app.dnsPendingCount());
    assertTrue(evicted >= 70 && evicted <= 90, "evicted " + evicted);
    List<Dns> early = h.dns();
    assertEquals(evicted, early.size());
    for (int i = 0; i < early.size(); i++) {
      assertEquals("name" + i + ".test", early.get(i).getQuery(), "oldest first");
    }
    assertEquals(evicted, h.notices().size(), "one notice per flow");
  }
}
