package dev.nsm.sensor.app;

import static dev.nsm.sensor.app.AppPkt.ascii;
import static dev.nsm.sensor.app.AppPkt.clientHello;
import static dev.nsm.sensor.app.AppPkt.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Http;
import dev.nsm.proto.v1.Notice;
import dev.nsm.proto.v1.Tls;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TCP flows through the application layer, from hand-made segments: detection by content,
 * reassembly (out of order, gaps, caps), STARTTLS, partial connections (analysed unless turned off), and the flow
 * record's own fields left as the flow table made them.
 */
class AppTcpTest {
  private static final String C = "10.0.0.1";
  private static final String S = "10.0.0.2";

  /** A connection: handshake, the client's segments, the server's, both FINs; seq numbers follow. */
  private static final class Conn {
    final List<DecodedPacket> ps = new ArrayList<>();
    final int cport;
    final int sport;
    long cseq = 1001;
    long sseq = 5001;
    double t = 1.0;

    Conn(int cport, int sport, boolean syn) {
      this.cport = cport;
      this.sport = sport;
      if (syn) {
        ps.add(tcp(t, C, cport, S, sport, "S", cseq - 1, 0));
        ps.add(tcp(t += 0.001, S, sport, C, cport, "SA", sseq - 1, cseq));
        ps.add(tcp(t += 0.001, C, cport, S, sport, "A", cseq, sseq));
      }
    }

    Conn client(byte[] data) {
      ps.add(tcp(t += 0.001, C, cport, S, sport, "PA", cseq, sseq, data));
      cseq += data.length;
      ps.add(tcp(t += 0.001, S, sport, C, cport, "A", sseq, cseq));
      return this;
    }

    Conn server(byte[] data) {
      ps.add(tcp(t += 0.001, S, sport, C, cport, "PA", sseq, cseq, data));
      sseq += data.length;
      ps.add(tcp(t += 0.001, C, cport, S, sport, "A", cseq, sseq));
      return this;
    }

    Conn close() {
      ps.add(tcp(t += 0.001, C, cport, S, sport, "FA", cseq, sseq));
      ps.add(tcp(t += 0.001, S, sport, C, cport, "FA", sseq, cseq + 1));
      ps.add(tcp(t += 0.001, C, cport, S, sport, "A", cseq + 1, sseq + 1));
      return this;
    }

    DecodedPacket[] packets() {
      return ps.toArray(new DecodedPacket[0]);
    }
  }

  private static final byte[] GET = ascii("GET /index.html?q=a%20b HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t/1\r\n\r\n");
  private static final byte[] OK = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello");

  @Test
  void httpOnAnyPortByContent() {
    AppHarness h = new AppHarness().feed(new Conn(40000, 8080, true).client(GET).server(OK).close().packets()).end();
    Http x = h.http().get(0);
    assertEquals("GET", x.getMethod());
    assertEquals("/index.html?q=a b", x.getUri(), "Zeek's unescaped URI");
    assertEquals("example.test", x.getHost());
    assertEquals(200, x.getStatusCode());
    assertEquals(5, x.getResponseBodyLen());
    assertEquals(List.of("http"), h.onlyFlow().getServiceList());
    assertEquals(1, h.count(AppCounter.FLOWS_HTTP));
  }

  @Test
  void outOfOrderSegmentsAreReassembled() {
    Conn c = new Conn(40000, 80, true);
    byte[] a = Arrays.copyOfRange(GET, 0, 20);
    byte[] b = Arrays.copyOfRange(GET, 20, GET.length);
    // the second half first, then the first half
    c.ps.add(tcp(c.t += 0.001, C, 40000, S, 80, "PA", c.cseq + 20, c.sseq, b));
    c.ps.add(tcp(c.t += 0.001, C, 40000, S, 80, "PA", c.cseq, c.sseq, a));
    c.cseq += GET.length;
    c.ps.add(tcp(c.t += 0.001, S, 80, C, 40000, "A", c.sseq, c.cseq));
    AppHarness h = new AppHarness().feed(c.server(OK).close().packets()).end();
    assertEquals(1, h.http().size());
    assertEquals("/index.html?q=a b", h.http().get(0).getUri());
    assertEquals(1, h.counters.reassembly.get(dev.nsm.parsers.tcp.ReassemblyCounter.HELD_SEGMENTS));
  }

  @Test
  void tlsOnPort25ByContent() {
    AppHarness h = new AppHarness().feed(new Conn(40000, 25, true).client(clientHello("mail.example.test")).close()
        .packets()).end();
    Tls t = h.tls().get(0);
    assertEquals("mail.example.test", t.getServerName());
    assertEquals(25, t.getRespP());
    assertEquals(List.of("ssl"), h.onlyFlow().getServiceList());
    assertEquals(1, h.count(AppCounter.FLOWS_TLS));
  }

  @Test
  void starttlsAfterPlainText() {
    AppHarness h = new AppHarness().feed(new Conn(40000, 587, true)
        .server(ascii("220 mail.example.test ESMTP\r\n"))
        .client(ascii("EHLO client\r\n"))
        .server(ascii("250-mail.example.test\r\n250 STARTTLS\r\n"))
        .client(ascii("STARTTLS\r\n"))
        .server(ascii("220 go ahead\r\n"))
        .client(clientHello("smtp.example.test"))
        .close().packets()).end();
    assertEquals(1, h.tls().size(), h.out.toString());
    assertEquals("smtp.example.test", h.tls().get(0).getServerName());
    assertEquals(1, h.count(AppCounter.FLOWS_STARTTLS));
    assertEquals(List.of("ssl"), h.onlyFlow().getServiceList());
  }

  @Test
  void gridFtpTlsInsideAdatCommands() {
    String hello = java.util.Base64.getEncoder().encodeToString(clientHello("gsi.example.test"));
    AppHarness h = new AppHarness().feed(new Conn(40000, 2811, true)
        .server(ascii("220 GridFTP Server ready.\r\n"))
        .client(ascii("AUTH GSSAPI\r\n"))
        .server(ascii("334 Using authentication type; ADAT must follow.\r\n"))
        .client(ascii("ADAT " + hello.substring(0, 20)))
        .client(ascii(hello.substring(20) + "\r\n"))
        .close().packets()).end();
    assertEquals(1, h.tls().size(), h.out.toString());
    assertEquals("gsi.example.test", h.tls().get(0).getServerName());
    assertEquals(List.of("ssl"), h.onlyFlow().getServiceList());
    // the same lines on a port where Zeek runs no FTP analyzer are not decoded
    AppHarness other = new AppHarness().feed(new Conn(40001, 4000, true)
        .server(ascii("220 ready\r\n"))
        .client(ascii("AUTH GSSAPI\r\n"))
        .server(ascii("334 go\r\n"))
        .client(ascii("ADAT " + hello + "\r\n"))
        .close().packets()).end();
    assertEquals(List.of(), other.tls());
  }

  /** A connection whose first packet is neither SYN nor SYN-ACK is analysed by default (not Zeek's rule). */
  @Test
  void partialConnectionsAreAnalysedByDefault() {
    assertTrue(AppConfig.defaults().analysePartial);
    for (int port : new int[] {80, 5000}) { // Zeek's HTTP port, and one where only the content says HTTP
      AppHarness h = new AppHarness().feed(new Conn(40000, port, false).client(GET).server(OK).packets()).end();
      assertEquals(1, h.http().size(), "port " + port);
      Http r = h.http().get(0);
      assertEquals("GET", r.getMethod());
      assertEquals("/index.html?q=a b", r.getUri());
      assertEquals("example.test", r.getHost());
      assertEquals(200, r.getStatusCode());
      assertEquals(5, r.getResponseBodyLen());
      assertEquals(h.onlyFlow().getUid(), r.getUid());
      assertEquals(List.of("http"), h.onlyFlow().getServiceList(), "port " + port);
      assertEquals(0, h.count(AppCounter.TCP_FLOWS_PARTIAL_SKIPPED));
      assertEquals(1, h.count(AppCounter.TCP_FLOWS_INSPECTED));
      assertEquals(1, h.count(AppCounter.FLOWS_HTTP));
      assertEquals(List.of(), h.notices(), "port " + port);
    }
    AppHarness tls = new AppHarness().feed(new Conn(40002, 443, false).client(clientHello("www.example.test"))
        .packets()).end();
    assertEquals(1, tls.tls().size());
    assertEquals("www.example.test", tls.tls().get(0).getServerName());
    assertEquals(List.of("ssl"), tls.onlyFlow().getServiceList());
  }

  /** {@code --no-analyse-partial} / {@code analyse_partial: false}: Zeek's behaviour, nothing read. */
  @Test
  void partialConnectionsAreNotAnalysedWhenTurnedOff() {
    AppHarness zeek = new AppHarness(AppConfig.defaults().withAnalysePartial(false))
        .feed(new Conn(40000, 80, false).client(GET).server(OK).packets()).end();
    assertEquals(List.of(), zeek.http());
    assertEquals(List.of(), zeek.notices());
    assertEquals(List.of(), zeek.onlyFlow().getServiceList());
    assertEquals(1, zeek.count(AppCounter.TCP_FLOWS_PARTIAL_SKIPPED));
    assertEquals(0, zeek.count(AppCounter.TCP_FLOWS_INSPECTED));
    assertEquals(0, zeek.count(AppCounter.FLOWS_HTTP));
    AppHarness tls = new AppHarness(AppConfig.defaults().withAnalysePartial(false))
        .feed(new Conn(40002, 443, false).client(clientHello("www.example.test")).packets()).end();
    assertEquals(List.of(), tls.tls());
    assertEquals(List.of(), tls.onlyFlow().getServiceList());
    // a connection with its handshake is analysed either way
    AppHarness syn = new AppHarness(AppConfig.defaults().withAnalysePartial(false))
        .feed(new Conn(40001, 80, true).client(GET).server(OK).close().packets()).end();
    assertEquals("/index.html?q=a b", syn.http().get(0).getUri());
    assertEquals(0, syn.count(AppCounter.TCP_FLOWS_PARTIAL_SKIPPED));
  }

  @Test
  void unknownProtocolIsDroppedAndCostsNothingAfter() {
    AppHarness h = new AppHarness(new AppConfig(4096, 16, 1 << 20, 4096, 256, 64, false));
    Conn c = new Conn(40000, 22, true)
        .server(ascii("SSH-2.0-OpenSSH_9.2\r\n"))
        .client(ascii("SSH-2.0-OpenSSH_9.3\r\n"));
    for (int i = 0; i < 10; i++) {
      c.client(new byte[100]).server(new byte[100]);
    }
    h.feed(c.close().packets()).end();
    assertEquals(1, h.count(AppCounter.TCP_FLOWS_UNDETECTED));
    assertEquals(List.of(), h.onlyFlow().getServiceList());
    assertEquals(List.of(), h.out.stream().filter(e -> !e.hasFlow()).toList());
    // after the STARTTLS window (64 bytes here) the flow's segments no longer reach a reassembler
    long segments = h.counters.reassembly.get(dev.nsm.parsers.tcp.ReassemblyCounter.SEGMENTS);
    assertTrue(segments < c.ps.size() - 20, segments + " of " + c.ps.size() + " segments reassembled");
  }

  @Test
  void perFlowCapForcesAGapOnceNoticed() {
    // one 4 KiB page per direction: out-of-order data in two pages cannot be held
    AppHarness h = new AppHarness(new AppConfig(4096, 16, 1 << 20, 4096, 4096, 0, false));
    Conn c = new Conn(40000, 80, true).client(GET);
    long base = c.sseq;
    byte[] chunk = new byte[1000];
    // server segments past a 100-byte hole, reaching into a second page: the cap skips the hole
    for (int i = 0; i < 6; i++) {
      c.ps.add(tcp(c.t += 0.001, S, 80, C, 40000, "A", base + 100 + i * 1000L, c.cseq, chunk));
    }
    AppHarness done = h.feed(c.packets()).end();
    List<Notice> ns = done.notices().stream().filter(n -> n.getSource().equals("tcp")).toList();
    assertEquals(1, ns.size(), done.notices().toString());
    assertEquals("TCP_reassembly_cap_hit", ns.get(0).getName());
    assertEquals(1, done.count(AppCounter.REASSEMBLY_CAP_HIT));
    assertTrue(done.counters.reassembly.get(dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_FLOW_CAP) >= 1);
  }

  @Test
  void flowRecordsAreTheFlowTablesExceptService() {
    // a gap the server acknowledges (missed_bytes), retransmissions, a RST: the flow record with the
    // application layer equals the one without it, service aside
    byte[] big = ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100));
    Conn c = new Conn(40000, 80, true).client(GET).server(Arrays.copyOfRange(big, 0, 60));
    c.sseq += 10; // 10 bytes of the body never captured
    c.server(Arrays.copyOfRange(big, 70, big.length)).client(GET).server(OK);
    c.ps.add(tcp(c.t += 0.001, C, 40000, S, 80, "PA", c.cseq - 5, c.sseq, Arrays.copyOfRange(GET, GET.length - 5,
        GET.length))); // a retransmission
    c.ps.add(tcp(c.t += 0.001, C, 40000, S, 80, "R", c.cseq, 0));
    DecodedPacket[] ps = c.packets();

    AppHarness with = new AppHarness().feed(ps).end();
    List<Event> without = new ArrayList<>();
    FlowTable t = new FlowTable(FlowConfig.defaults().withMaxFlows(4096), without::add, new FlowCounters());
    for (DecodedPacket p : ps) {
      t.advanceTime(p.tsNanos);
      t.onPacket(p);
    }
    t.flushAll();
    Flow a = with.onlyFlow();
    Flow b = without.get(0).getFlow();
    assertEquals(10, b.getMissedBytes());
    assertEquals(b, a.toBuilder().clearService().build());
    assertEquals(List.of("http"), a.getServiceList());
    List<Http> txs = with.http();
    assertEquals(2, txs.size());
    assertEquals(100, txs.get(0).getResponseBodyLen(), "the gap inside a body of known length counts (Zeek)");
    assertEquals(5, txs.get(1).getResponseBodyLen());
  }

  // ------------------------------------------------------------------ the worker's HTTP pending caps

  /** Three connections (client ports 40001..40003), one request each and no response yet. */
  private static AppHarness pendingRequests(AppConfig config) {
    AppHarness h = new AppHarness(config);
    for (int i = 1; i <= 3; i++) {
      Conn c = new Conn(40000 + i, 80, false);
      c.t = i;
      c.ps.add(tcp(c.t, C, c.cport, S, 80, "S", c.cseq - 1, 0));
      c.ps.add(tcp(c.t += 0.001, S, 80, C, c.cport, "SA", c.sseq - 1, c.cseq));
      c.ps.add(tcp(c.t += 0.001, C, c.cport, S, 80, "A", c.cseq, c.sseq));
      h.feed(c.client(GET).packets());
    }
    return h;
  }

  @Test
  void httpPendingCapInTransactionsWritesTheOldestUnanswered() {
    AppHarness h = pendingRequests(AppConfig.defaults().withHttpPending(2, 1L << 20));
    assertEquals(2, h.counters.http.pendingTotal());
    assertEquals(1, h.counters.http.pendingEvicted());
    assertEquals(1, h.counters.http.count(dev.nsm.parsers.http.HttpWeird.HTTP_PENDING_EVICTED));
    List<Http> early = h.http();
    assertEquals(1, early.size(), "the 3rd request pushed the oldest out");
    Http first = early.get(0);
    assertEquals(40001, first.getOrigP());
    assertEquals("/index.html?q=a b", first.getUri());
    assertFalse(first.hasStatusCode() && first.getStatusCode() > 0, "no response: " + first);
    List<dev.nsm.proto.v1.Notice> n = h.notices();
    assertEquals(1, n.size(), n.toString());
    assertEquals("HTTP_pending_evicted", n.get(0).getName());
    assertEquals(first.getUid(), n.get(0).getUid(), "noticed on the evicted transaction's connection");
    h.end();
    assertEquals(0, h.counters.http.pendingTotal());
    assertEquals(0, h.counters.http.pendingBytesTotal());
    assertEquals(3, h.http().size(), "the other two at their connections' end");
  }

  @Test
  void httpPendingCapInBytesWritesTheOldestUnanswered() {
    // each request: ~384 bytes + 2 per character of method, URI, host, user agent, version (~480):
    // 64 KiB hold ~136; 200 connections leave the newest that fit
    AppHarness h = new AppHarness(AppConfig.defaults().withHttpPending(1_000_000, AppConfig.MIN_HTTP_PENDING_BYTES));
    for (int i = 0; i < 200; i++) {
      Conn c = new Conn(20000 + i, 80, false);
      c.t = 1 + i * 0.01;
      c.ps.add(tcp(c.t, C, c.cport, S, 80, "S", c.cseq - 1, 0));
      c.ps.add(tcp(c.t += 0.001, S, 80, C, c.cport, "SA", c.sseq - 1, c.cseq));
      c.ps.add(tcp(c.t += 0.001, C, c.cport, S, 80, "A", c.cseq, c.sseq));
      h.feed(c.client(GET).packets());
      assertTrue(h.counters.http.pendingBytesTotal() <= AppConfig.MIN_HTTP_PENDING_BYTES,
          "bytes " + h.counters.http.pendingBytesTotal());
    }
    long evicted = h.counters.http.pendingEvicted();
    assertEquals(200, evicted + h.counters.http.pendingTotal());
    assertTrue(evicted >= 40 && evicted <= 100, "evicted " + evicted);
    List<Http> early = h.http();
    assertEquals(evicted, early.size());
    for (int i = 0; i < early.size(); i++) {
      assertEquals(20000 + i, early.get(i).getOrigP(), "oldest first");
    }
  }
}
