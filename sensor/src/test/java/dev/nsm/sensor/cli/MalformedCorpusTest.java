package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.nsm.parsers.dns.DnsMessage;
import dev.nsm.parsers.dns.DnsParser;
import dev.nsm.parsers.dns.DnsResult;
import dev.nsm.parsers.http.HttpConnectionParser;
import dev.nsm.parsers.http.HttpParserContext;
import dev.nsm.parsers.http.HttpTransaction;
import dev.nsm.parsers.http.HttpWeird;
import dev.nsm.parsers.tls.ClientHello;
import dev.nsm.parsers.tls.TlsIssue;
import dev.nsm.parsers.tls.TlsSession;
import dev.nsm.parsers.tls.TlsStreamParser;
import dev.nsm.proto.v1.Dns;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Http;
import dev.nsm.proto.v1.Notice;
import dev.nsm.proto.v1.Stats;
import dev.nsm.proto.v1.Tls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input corpus, testdata/malformed/ (made by testdata/make-malformed.py): one capture per
 * kind of damage, each also holding the valid connection of testdata/tcp-sf.pcap. For each: the
 * replay ends normally (exit 0, no worker error), the damage is counted under its reason, the hostile
 * flows that can be tracked are (fields checked), and the valid connection's record is exactly the one
 * of testdata/tcp-sf.expected.jsonl.
 *
 * <p>Damage inside DNS, TLS and HTTP is checked twice: in the replay's records (the notice of each
 * kind of damage, once per flow, with the flow's uid; the dns, tls and http records that still come
 * out) and at the parser itself, fed the capture's payloads.
 */
class MalformedCorpusTest {
  private static final Path DIR = Replay.repoRoot().resolve("testdata/malformed");

  @TempDir
  Path tmp;

  /** What one replay gave: the records by type, the stats. */
  static final class Run {
    final List<Flow> flows = new ArrayList<>();
    final List<Event> others = new ArrayList<>();
    final List<String> flowLines = new ArrayList<>();
    Stats stats;

    /** The flow whose originator port is {@code origPort} (hostile flows have distinct ports). */
    Flow flow(int origPort) {
      Flow found = null;
      for (Flow f : flows) {
        if (f.getOrigP() == origPort) {
          assertNull(found, "two flows from port " + origPort);
          found = f;
        }
      }
      assertNotNull(found, "no flow from port " + origPort + " in " + flows);
      return found;
    }

    /** The notices of the flow from port {@code origPort}, by name. */
    Map<String, Notice> notices(int origPort) {
      Map<String, Notice> m = new TreeMap<>();
      String uid = flow(origPort).getUid();
      for (Event e : others) {
        if (e.hasNotice() && e.getNotice().getOrigP() == origPort) {
          assertEquals(uid, e.getNotice().getUid());
          assertNull(m.put(e.getNotice().getName(), e.getNotice()), "one notice per flow and name");
        }
      }
      return m;
    }

    List<Dns> dns(int origPort) {
      return others.stream().filter(Event::hasDns).map(Event::getDns).filter(d -> d.getOrigP() == origPort).toList();
    }

    List<Tls> tls(int origPort) {
      return others.stream().filter(Event::hasTls).map(Event::getTls).filter(t -> t.getOrigP() == origPort).toList();
    }

    List<Http> http(int origPort) {
      return others.stream().filter(Event::hasHttp).map(Event::getHttp).filter(h -> h.getOrigP() == origPort).toList();
    }

    Map<String, Long> malformed() {
      return new TreeMap<>(stats.getMalformedMap());
    }

    long counter(String name) {
      Long v = stats.getCountersMap().get(name);
      assertNotNull(v, "no counter " + name + " in " + stats.getCountersMap());
      return v;
    }
  }

  private Run replay(String file) throws IOException {
    Replay r = Replay.run(tmp, DIR.resolve(file).toString(), "--workers", "2");
    assertEquals(0, r.exit, file + ": " + r.err);
    assertEquals("", r.err.strip(), "nothing on stderr");
    Run run = new Run();
    for (String line : r.lines) {
      Event.Builder b = Event.newBuilder();
      try {
        JsonFormat.parser().merge(line, b);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("not an event: " + line, e);
      }
      Event e = b.build();
      switch (e.getRecordCase()) {
        case FLOW:
          run.flows.add(e.getFlow());
          run.flowLines.add(line);
          break;
        case STATS:
          assertNull(run.stats, "two stats lines");
          run.stats = e.getStats();
          break;
        default:
          run.others.add(e);
      }
    }
    assertNotNull(run.stats, "no stats line");
    assertEquals(0, run.counter("worker_errors"));
    assertEquals(run.flows.size(), run.stats.getFlowRecords());
    assertEquals(run.stats.getFlowsMade(), run.stats.getFlowRecords(), "every flow written once");
    assertValidConnectionIntact(run);
    return run;
  }

  /** The valid connection gives exactly its record of tcp-sf.expected.jsonl. */
  private static void assertValidConnectionIntact(Run run) throws IOException {
    String want = null;
    for (String l : Files.readAllLines(Replay.repoRoot().resolve("testdata/tcp-sf.expected.jsonl"), StandardCharsets.UTF_8)) {
      if (l.startsWith("{\"flow\"")) {
        want = l;
      }
    }
    assertNotNull(want);
    assertTrue(run.flowLines.contains(want), "the valid connection's record changed or is missing:\n" + want
        + "\nflows:\n" + String.join("\n", run.flowLines));
  }

  private static Map<String, Long> counts(Object... kv) {
    Map<String, Long> m = new TreeMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
    }
    return m;
  }

  private static void assertUdp(Flow f, String origH, long origBytes, long origIpBytes) {
    assertEquals("udp", f.getProto());
    assertEquals(origH, f.getOrigH());
    assertEquals(origBytes, f.getOrigBytes(), "orig_bytes of " + f);
    assertEquals(origIpBytes, f.getOrigIpBytes(), "orig_ip_bytes of " + f);
    assertEquals(1, f.getOrigPkts());
    assertEquals("S0", f.getConnState());
  }

  private static void assertTcpSf(Flow f, String history, long origBytes, long respBytes) {
    assertEquals("tcp", f.getProto());
    assertEquals("SF", f.getConnState(), f.toString());
    assertEquals(history, f.getHistory(), f.toString());
    assertEquals(origBytes, f.getOrigBytes(), f.toString());
    assertEquals(respBytes, f.getRespBytes(), f.toString());
    assertEquals(0, f.getMissedBytes());
  }

  // ------------------------------------------------------------------ layers 2 to 4

  @Test
  void truncatedHeadersAtEveryLayer() throws IOException {
    Run r = replay("truncated-headers.pcap");
    assertEquals(counts("l2_truncated", 1, "vlan_truncated", 1, "mpls_truncated", 1, "pppoe_truncated", 1,
        "shim_truncated", 1, "ipv4_truncated", 1, "ipv6_truncated", 1, "ipv6_ext_truncated", 1, "tcp_truncated", 1,
        "udp_truncated", 1, "icmp_truncated", 1), r.malformed());
    assertEquals(21, r.stats.getPacketsRead());
    assertEquals(10, r.stats.getPacketsDecoded());
    assertEquals(1, r.flows.size(), "a cut header makes no flow");
  }

  @Test
  void lengthsLyingInEveryField() throws IOException {
    Run r = replay("lying-lengths.pcap");
    // IHL 3; total length 10 < IHL; data offsets 3 and 15 (in a 20-byte segment); an IHL of 15 words that
    // swallows the UDP header behind it
    assertEquals(counts("ipv4_bad_header_length", 1, "ipv4_bad_total_length", 1, "tcp_bad_data_offset", 2,
        "udp_truncated", 1), r.malformed());
    assertEquals(6, r.flows.size());
    // a UDP length below 8 or past the datagram: the IP length counts, as in Zeek
    assertUdp(r.flow(40012), "198.18.66.1", 32, 60);
    assertUdp(r.flow(40013), "198.18.66.1", 32, 60);
    // lengths by header past the capture (cut by a snaplen, or lying): sizes by header, as Zeek counts them
    assertUdp(r.flow(40014), "198.18.66.1", 32, 1500);
    assertUdp(r.flow(40015), "fd00:66::1", 16, 2040);
    // a pcap record whose wire length is below its captured length: read as captured
    assertUdp(r.flow(40016), "198.18.66.1", 32, 60);
  }

  @Test
  void teardropOverlappingFragments() throws IOException {
    Run r = replay("ipv4-teardrop.pcap");
    // the last fragment of datagram 0x1001 ends inside data already held: refused; the datagram never
    // completes and is dropped at the end of input. Datagram 0x1002 overlaps itself by 8 bytes (the first
    // copy wins) and completes.
    assertEquals(counts("fragment_invalid", 1), r.malformed());
    assertEquals(counts("invalid", 1, "overlapping", 1, "timed_out", 1), new TreeMap<>(r.stats.getFragmentsDroppedMap()));
    assertEquals(1, r.stats.getFragmentsReassembled());
    assertEquals(5, r.counter("fragments_seen"));
    assertEquals(2, r.flows.size());
    assertUdp(r.flow(40021), "198.18.66.1", 40, 68);
  }

  @Test
  void ipv6WithAHundredExtensionHeaders() throws IOException {
    Run r = replay("ipv6-100-ext-headers.pcap");
    assertEquals(counts("ipv6_too_many_ext", 1), r.malformed());
    assertEquals(2, r.flows.size());
    // 16 extension headers, the most the decoder follows: decoded (40 + 16 x 8 + 8 + 3 bytes)
    assertUdp(r.flow(40031), "fd00:66::1", 3, 179);
  }

  @Test
  void tcpWithBogusOptions() throws IOException {
    Run r = replay("tcp-bogus-options.pcap");
    assertEquals(Map.of(), r.malformed(), "broken options are skipped, the segments stand");
    assertEquals(4, r.flows.size());
    for (int port : new int[] {40040, 40041, 40042}) {
      Flow f = r.flow(port);
      assertTcpSf(f, "ShAFf", 0, 0);
      assertEquals(4, f.getOrigPkts());
      assertEquals(2, f.getRespPkts());
    }
  }

  // ------------------------------------------------------------------ DNS

  @Test
  void dnsPointerLoopsAndLongNames() throws IOException {
    Run r = replay("dns-pointers-and-long-names.pcap");
    assertEquals(Map.of(), r.malformed());
    assertEquals(8, r.flows.size());
    assertUdp(r.flow(41003), "198.18.66.1", 417, 445); // 200 one-byte labels
    // one notice each, source "dns", Zeek's weird names (a pointer loop has none in Zeek: a name of
    // the same style), and a dns record per query (unanswered) and for the lone response
    String[] names = {"DNS_label_pointer_loop", "DNS_label_pointer_loop", "DNS_NAME_too_long", "DNS_NAME_too_long",
        "DNS_label_too_long", "DNS_label_forward_compress_offset"};
    int[] ids = {1, 2, 3, 4, 5, 7}; // make-malformed.py's transaction ids
    for (int i = 0; i < names.length; i++) {
      Map<String, Notice> n = r.notices(41000 + i);
      assertEquals(Set.of(names[i]), n.keySet(), "port " + (41000 + i));
      assertEquals("dns", n.get(names[i]).getSource());
      assertTrue(n.get(names[i]).getIsOrig(), "in the query");
      Dns d = r.dns(41000 + i).get(0);
      assertTrue(d.getSawQuery());
      assertEquals(ids[i], d.getTransId());
      assertTrue(!d.hasQuery() && !d.hasQtype(), "the question did not parse: " + d);
    }
    Map<String, Notice> response = r.notices(41010);
    assertEquals(Set.of("DNS_max_compression_chain_depth_exceeded"), response.keySet());
    assertTrue(!response.get("DNS_max_compression_chain_depth_exceeded").getIsOrig());
    Dns lone = r.dns(41010).get(0);
    assertTrue(lone.getSawReply() && !lone.getSawQuery());
    assertEquals("a", lone.getQuery());
    assertEquals(r.counter("dns_messages_malformed"), 7);

    // what the parser says of each message
    CaptureStreams s = CaptureStreams.udp(DIR.resolve("dns-pointers-and-long-names.pcap"), 53);
    DnsParser parser = new DnsParser();
    DnsMessage m = new DnsMessage();
    List<DnsResult> got = new ArrayList<>();
    for (byte[] d : s.datagrams) {
      got.add(parser.parse(d, 0, d.length, m));
      assertTrue(m.stopOffset <= d.length);
    }
    assertEquals(List.of(DnsResult.NAME_POINTER_LOOP, DnsResult.NAME_POINTER_LOOP, DnsResult.NAME_TOO_LONG,
        DnsResult.NAME_TOO_LONG, DnsResult.LABEL_TOO_LONG, DnsResult.NAME_POINTER_FORWARD,
        DnsResult.NAME_TOO_MANY_POINTERS), got);
    // the response kept what came before the fault: its question and the first answer
    assertEquals("a", m.qname);
    assertEquals(1, m.answersParsed);
  }

  // ------------------------------------------------------------------ TLS

  @Test
  void tlsLengthsOf2To24AndOversizedRecords() throws IOException {
    Run r = replay("tls-length-2p24.pcap.gz");
    assertEquals(2, r.flows.size());
    assertTcpSf(r.flow(44301), "ShADadFf", 223, 65540);
    // the session's issues, source "tls" (the parser keeps them per connection, not per direction);
    // no tls record (no hello was parsed), no service
    Map<String, Notice> n = r.notices(44301);
    assertTrue(n.keySet().containsAll(Set.of("SSL_handshake_too_long", "SSL_record_oversized")), n.keySet().toString());
    assertTrue(n.values().stream().allMatch(x -> x.getSource().equals("tls")));
    assertEquals(List.of(), r.tls(44301));
    assertEquals(List.of(), r.flow(44301).getServiceList());
    CaptureStreams s = CaptureStreams.tcp(DIR.resolve("tls-length-2p24.pcap.gz"), 44301);
    TlsStreamParser p = new TlsStreamParser();
    p.feed(true, s.client.toByteArray(), 0, s.client.size());
    p.feed(false, s.server.toByteArray(), 0, s.server.size());
    p.onClose();
    TlsSession t = p.session();
    assertTrue(t.hasIssue(TlsIssue.HANDSHAKE_TOO_LONG), t.issues().toString());
    assertTrue(t.hasIssue(TlsIssue.RECORD_OVERSIZED), t.issues().toString());
    assertEquals(List.of(), t.clientHellos(), "a hello of 2^24 - 1 bytes is skipped, not buffered");
  }

  @Test
  void tlsHandshakeInOneByteRecords() throws IOException {
    Run r = replay("tls-1-byte-records.pcap");
    assertEquals(2, r.flows.size());
    assertTcpSf(r.flow(44302), "ShADadFf", 1308, 1097);
    Tls rec = r.tls(44302).get(0);
    assertEquals("www.nsm.test", rec.getServerName());
    assertEquals(List.of("ssl"), r.flow(44302).getServiceList());
    assertEquals(Map.of(), r.notices(44302));
    CaptureStreams s = CaptureStreams.tcp(DIR.resolve("tls-1-byte-records.pcap"), 44302);
    byte[] client = s.client.toByteArray();
    TlsStreamParser p = new TlsStreamParser();
    p.feed(true, client, 0, client.length);
    p.feed(false, s.server.toByteArray(), 0, s.server.size());
    TlsSession t = p.session();
    assertEquals(0, client.length % 6, "records of 6 bytes: a 5-byte header and one byte of the hello");
    ClientHello h = t.clientHello();
    assertNotNull(h, "the hello is put together from 1-byte records");
    assertEquals("www.nsm.test", t.serverName());
    // the same hello in one record gives the same fingerprint
    byte[] body = new byte[client.length / 6];
    for (int i = 0; i < body.length; i++) {
      body[i] = client[6 * i + 5];
    }
    byte[] one = new byte[5 + body.length];
    one[0] = 22;
    one[1] = 3;
    one[2] = 1;
    one[3] = (byte) (body.length >>> 8);
    one[4] = (byte) body.length;
    System.arraycopy(body, 0, one, 5, body.length);
    TlsStreamParser q = new TlsStreamParser();
    q.feed(true, one, 0, one.length);
    assertEquals(q.session().clientHello().ja3(), h.ja3());
    assertEquals(q.session().clientHello().ja4(), h.ja4());
    assertEquals(h.ja3(), rec.getJa3());
    assertEquals(h.ja4(), rec.getJa4());
    assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", t.cipherName());
    assertEquals(Set.of(), t.issues());
  }

  // ------------------------------------------------------------------ HTTP

  private static List<HttpTransaction> http(String file, int clientPort, HttpParserContext ctx) throws IOException {
    CaptureStreams s = CaptureStreams.tcp(DIR.resolve(file), clientPort);
    List<HttpTransaction> tx = new ArrayList<>();
    HttpConnectionParser p = new HttpConnectionParser(ctx, tx::add);
    byte[] c = s.client.toByteArray();
    byte[] sv = s.server.toByteArray();
    // as TCP delivers them: the request in segments of 1448 bytes, then the response
    for (int at = 0; at < c.length; at += 1448) {
      p.feed(true, c, at, Math.min(1448, c.length - at), 1L);
    }
    p.feed(false, sv, 0, sv.length, 2L);
    p.onClose();
    return tx;
  }

  @Test
  void httpHeaderOfOneMegabyte() throws IOException {
    Run r = replay("http-header-1mb.pcap.gz");
    assertEquals(2, r.flows.size());
    assertTcpSf(r.flow(48001), "ShADadFf", 1048626, 67);
    Map<String, Notice> n = r.notices(48001);
    assertTrue(n.containsKey("contentline_size_exceeded"), n.keySet().toString());
    assertTrue(n.get("contentline_size_exceeded").getIsOrig());
    assertEquals("http", n.get("contentline_size_exceeded").getSource());
    Http rec = r.http(48001).get(0);
    assertEquals("GET", rec.getMethod());
    assertEquals("/big", rec.getUri());
    assertEquals(431, rec.getStatusCode());
    HttpParserContext ctx = new HttpParserContext();
    List<HttpTransaction> tx = http("http-header-1mb.pcap.gz", 48001, ctx);
    assertEquals(1, ctx.count(HttpWeird.CONTENTLINE_SIZE_EXCEEDED));
    assertEquals(1, tx.size());
    assertEquals("GET", tx.get(0).method());
    assertEquals("/big", tx.get(0).uri());
    assertEquals(431, tx.get(0).statusCode());
  }

  @Test
  void httpTenThousandHeaders() throws IOException {
    Run r = replay("http-10000-headers.pcap.gz");
    assertEquals(2, r.flows.size());
    assertTcpSf(r.flow(48002), "ShADadFf", 118932, 47);
    Map<String, Notice> n = r.notices(48002);
    assertEquals(Set.of("HTTP_too_many_headers"), n.keySet());
    assertTrue(n.get("HTTP_too_many_headers").getIsOrig());
    assertEquals(400, r.http(48002).get(0).getStatusCode());
    HttpParserContext ctx = new HttpParserContext();
    List<HttpTransaction> tx = http("http-10000-headers.pcap.gz", 48002, ctx);
    assertEquals(1, ctx.count(HttpWeird.HTTP_TOO_MANY_HEADERS));
    // the request stands with what came before the limit (its Host is the first header), and is answered
    assertEquals(1, tx.size());
    assertEquals("/many", tx.get(0).uri());
    assertEquals("www.nsm.test", tx.get(0).host());
    assertEquals(400, tx.get(0).statusCode());
  }

  @Test
  void httpChunkSizeOverflow() throws IOException {
    Run r = replay("http-chunk-size-overflow.pcap");
    assertEquals(2, r.flows.size());
    assertTcpSf(r.flow(48003), "ShADadFf", 45, 119);
    Map<String, Notice> n = r.notices(48003);
    assertTrue(n.containsKey("HTTP_bad_chunk_size"), n.keySet().toString());
    assertTrue(!n.get("HTTP_bad_chunk_size").getIsOrig());
    Http rec = r.http(48003).get(0);
    assertEquals("/chunked", rec.getUri());
    assertEquals(200, rec.getStatusCode());
    assertEquals(4, rec.getResponseBodyLen());
    HttpParserContext ctx = new HttpParserContext();
    List<HttpTransaction> tx = http("http-chunk-size-overflow.pcap", 48003, ctx);
    assertEquals(1, ctx.count(HttpWeird.HTTP_BAD_CHUNK_SIZE));
    assertEquals(1, tx.size());
    assertEquals(200, tx.get(0).statusCode());
    assertEquals(4, tx.get(0).responseBodyLen(), "the chunk before the overflow counts, the overflow ends the body");
  }
}
