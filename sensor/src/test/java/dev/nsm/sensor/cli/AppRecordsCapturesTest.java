package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.Dns;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Http;
import dev.nsm.proto.v1.Tls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dns, tls and http records of the project's own captures (testdata/, made by
 * make-captures.sh from real clients and servers), field by field: what each capture was made to
 * show (testdata/README.md) is what the records say. The golden files hold every field; this test
 * says which values are right and why. JA3/JA3S and certificate fingerprints are compared with
 * tshark's when tshark is installed.
 */
class AppRecordsCapturesTest {
  @TempDir
  Path tmp;

  /** All records of a capture, parsed back into protobuf messages. */
  private List<Event> replay(String capture, String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of(Replay.repoRoot().resolve("testdata").resolve(capture).toString(),
        "--workers", "2"));
    args.addAll(List.of(options));
    Replay r = Replay.run(tmp, args.toArray(new String[0]));
    assertEquals(0, r.exit, r.err);
    List<Event> out = new ArrayList<>();
    JsonFormat.Parser parser = JsonFormat.parser();
    for (String line : r.lines) {
      Event.Builder b = Event.newBuilder();
      try {
        parser.merge(line, b);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("not an Event: " + line, e);
      }
      out.add(b.build());
    }
    return out;
  }

  private static List<Dns> dns(List<Event> es) {
    return es.stream().filter(Event::hasDns).map(Event::getDns).collect(Collectors.toList());
  }

  private static List<Tls> tls(List<Event> es) {
    return es.stream().filter(Event::hasTls).map(Event::getTls).collect(Collectors.toList());
  }

  private static List<Http> http(List<Event> es) {
    return es.stream().filter(Event::hasHttp).map(Event::getHttp).collect(Collectors.toList());
  }

  private static List<Flow> flows(List<Event> es) {
    return es.stream().filter(Event::hasFlow).map(Event::getFlow).collect(Collectors.toList());
  }

  private static Flow flowOf(List<Event> es, String uid) {
    return flows(es).stream().filter(f -> f.getUid().equals(uid)).findFirst()
        .orElseThrow(() -> new AssertionError("no flow " + uid));
  }

  private static void noNotices(List<Event> es) {
    assertEquals(List.of(), es.stream().filter(Event::hasNotice).map(Event::getNotice).collect(Collectors.toList()),
        "a well-formed capture gives no notice");
  }

  // ------------------------------------------------------------------ DNS

  @Test
  void dnsOverUdpSixQuestionsOneFlowEach() throws IOException {
    List<Event> es = replay("dns-udp.pcap");
    noNotices(es);
    Map<String, Dns> byQuestion = dns(es).stream()
        .collect(Collectors.toMap(d -> d.getQuery() + "/" + d.getQtypeName(), d -> d));
    assertEquals(6, byQuestion.size(), byQuestion.keySet().toString());

    Dns a = byQuestion.get("www.nsm.test/A");
    assertEquals("udp", a.getProto());
    assertEquals(List.of("198.18.0.2"), a.getAnswersList());
    assertEquals(List.of(300), a.getTTLsList());
    assertEquals(0, a.getRcode());
    assertEquals("NOERROR", a.getRcodeName());
    assertTrue(a.getAA(), "dnsmasq is authoritative for nsm.test");
    assertTrue(a.getRD(), "dig asks for recursion");
    assertFalse(a.getRA(), "an authoritative-only dnsmasq offers no recursion");
    assertEquals(1, a.getQclass());
    assertEquals("C_INTERNET", a.getQclassName());
    assertTrue(a.hasRtt() && a.getRtt().getNanos() > 0 && a.getRtt().getSeconds() == 0, "rtt " + a.getRtt());
    assertTrue(a.getSawQuery() && a.getSawReply());
    assertEquals(1232, a.getEdnsUdpSize(), "dig's EDNS buffer size");
    Flow fa = flowOf(es, a.getUid());
    assertEquals(List.of("dns"), fa.getServiceList());
    assertEquals(fa.getOrigH(), a.getOrigH());
    assertEquals(fa.getOrigP(), a.getOrigP());
    assertEquals(53, a.getRespP());

    assertEquals(List.of("fd00:19::2"), byQuestion.get("www.nsm.test/AAAA").getAnswersList());
    // CNAME web -> www, then www's address: both in Zeek's answers, in order
    assertEquals(List.of("www.nsm.test", "198.18.0.2"), byQuestion.get("web.nsm.test/A").getAnswersList());
    assertEquals(List.of("mail.nsm.test"), byQuestion.get("nsm.test/MX").getAnswersList());
    assertEquals(List.of("TXT 14 v=spf1 mx -all"), byQuestion.get("nsm.test/TXT").getAnswersList());

    Dns nx = byQuestion.get("nope.nsm.test/A");
    assertEquals(3, nx.getRcode());
    assertEquals("NXDOMAIN", nx.getRcodeName());
    assertEquals(List.of(), nx.getAnswersList());
    assertFalse(nx.hasRtt(), "Zeek takes rtt only from a response with answers");
    assertTrue(nx.getAA(), "AA as the NXDOMAIN's header says: dnsmasq is authoritative for nsm.test");
    assertFalse(nx.getRA(), "RA as the header says");
    assertFalse(nx.getRejected(), "NXDOMAIN with a question and an SOA is an answer, not a rejection");
    assertTrue(nx.getRecordsList().stream().anyMatch(r -> r.getSection().equals("authority")
        && r.getTypeName().equals("SOA") && r.getData().startsWith("ns.nsm.test hostmaster.nsm.test ")),
        nx.getRecordsList().toString());
  }

  @Test
  void dnsOverTcpTwoMessagesInOneSegment() throws IOException {
    List<Event> es = replay("dns-tcp-2msgs.pcap");
    noNotices(es);
    List<Dns> ds = dns(es);
    assertEquals(2, ds.size());
    Map<Integer, Dns> byId = ds.stream().collect(Collectors.toMap(Dns::getTransId, d -> d));
    Dns a = byId.get(0x1111);
    Dns mx = byId.get(0x2222);
    assertEquals("www.nsm.test", a.getQuery());
    assertEquals("A", a.getQtypeName());
    assertEquals(List.of("198.18.0.2"), a.getAnswersList());
    assertEquals("nsm.test", mx.getQuery());
    assertEquals("MX", mx.getQtypeName());
    assertEquals(List.of("mail.nsm.test"), mx.getAnswersList());
    for (Dns d : ds) {
      assertEquals("tcp", d.getProto());
      assertTrue(d.getSawQuery() && d.getSawReply(), d.toString());
      assertEquals(a.getUid(), d.getUid(), "one connection");
      assertEquals(a.getTs(), d.getTs(), "both queries came in one segment");
    }
    assertEquals(List.of("dns"), flowOf(es, a.getUid()).getServiceList());
  }

  @Test
  void dnsOverTcpOneQueryPerConnection() throws IOException {
    List<Event> es = replay("dns-tcp.pcap");
    List<Dns> ds = dns(es);
    assertEquals(2, ds.size());
    assertTrue(ds.stream().anyMatch(d -> d.getQtypeName().equals("A") && d.getAnswersList().equals(List.of("198.18.0.2"))));
    assertTrue(ds.stream().anyMatch(d -> d.getQtypeName().equals("MX") && d.getAnswersList().equals(List.of("mail.nsm.test"))));
    assertEquals(2, ds.stream().map(Dns::getUid).distinct().count());
    for (Flow f : flows(es)) {
      assertEquals(List.of("dns"), f.getServiceList(), f.toString());
    }
  }

  @Test
  void dnsUnansweredQueryWrittenAtTheEnd() throws IOException {
    List<Event> es = replay("dns-unanswered.pcap");
    List<Dns> ds = dns(es);
    assertEquals(1, ds.size());
    Dns d = ds.get(0);
    assertEquals("www.nsm.test", d.getQuery());
    assertEquals(42, d.getTransId());
    assertTrue(d.getSawQuery());
    assertFalse(d.getSawReply());
    assertFalse(d.hasRcode(), "no response: no rcode");
    assertFalse(d.hasRtt());
    assertEquals(List.of("dns"), flowOf(es, d.getUid()).getServiceList(), "the query parsed: Zeek confirms DNS");
  }

  // ------------------------------------------------------------------ TLS

  @Test
  void tls13() throws IOException {
    List<Event> es = replay("tls13.pcap");
    noNotices(es);
    Tls t = only(tls(es));
    assertEquals("TLSv13", t.getVersion());
    assertEquals("TLS_AES_256_GCM_SHA384", t.getCipher());
    assertEquals("x25519", t.getCurve());
    assertEquals("www.nsm.test", t.getServerName());
    assertTrue(t.getEstablished());
    assertFalse(t.getResumed());
    assertEquals(List.of("h2", "http/1.1"), t.getAlpnOfferedList());
    assertEquals(List.of(), t.getCertChainFpsList(), "TLS 1.3 certificates are encrypted");
    assertTrue(t.getJa4().startsWith("t13d"), t.getJa4());
    assertEquals(443, t.getRespP());
    assertEquals(List.of("ssl"), flowOf(es, t.getUid()).getServiceList());
  }

  @Test
  void tls12WithCertificate() throws IOException {
    List<Event> es = replay("tls12.pcap");
    noNotices(es);
    Tls t = only(tls(es));
    assertEquals("TLSv12", t.getVersion());
    assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", t.getCipher());
    assertEquals("www.nsm.test", t.getServerName());
    assertEquals("http/1.1", t.getNextProtocol());
    assertTrue(t.getEstablished(), "ChangeCipherSpec both ways");
    assertEquals(1, t.getCertChainFpsCount(), "the self-signed certificate, in clear");
    assertEquals(1, t.getCertificatesCount());
    assertTrue(t.getSubject().contains("CN=www.nsm.test"), t.getSubject());
    assertEquals(t.getSubject(), t.getIssuer(), "self-signed");
    assertEquals("ecdsa", t.getCertificates(0).getKeyType());
    assertEquals(256, t.getCertificates(0).getKeyBits(), "a P-256 key");
    assertTrue(t.getCertificates(0).getSanDnsList().contains("www.nsm.test"), t.getCertificates(0).toString());
    assertTrue(t.getJa4().startsWith("t12d"), t.getJa4());
  }

  @Test
  void tlsOnPort8443FoundByContent() throws IOException {
    List<Event> es = replay("tls-8443.pcap");
    Tls t = only(tls(es));
    assertEquals(8443, t.getRespP());
    assertEquals("TLSv13", t.getVersion());
    assertEquals("www.nsm.test", t.getServerName());
    assertEquals(List.of("ssl"), flowOf(es, t.getUid()).getServiceList());
  }

  @Test
  void clientHelloSplitOverThreeSegments() throws IOException {
    List<Event> es = replay("tls-split-clienthello.pcap");
    noNotices(es);
    Tls t = only(tls(es));
    assertEquals("www.nsm.test", t.getServerName(), "the SNI is in the second segment");
    assertTrue(t.hasJa3() && t.hasJa4(), "the whole hello was read");
    assertEquals("TLSv13", t.getVersion());
  }

  /** JA3, JA3S and the certificate's SHA-256 equal tshark's for every TLS capture (when tshark is installed). */
  @Test
  void fingerprintsEqualTsharks() throws Exception {
    assumeTrue(Tshark.available(), "tshark is not on PATH: JA3/JA3S not cross-checked");
    for (String capture : List.of("tls13.pcap", "tls12.pcap", "tls-8443.pcap", "tls-split-clienthello.pcap")) {
      Path pcap = Replay.repoRoot().resolve("testdata").resolve(capture);
      Tls t = only(tls(replay(capture)));
      assertEquals(Tshark.fields(pcap, "tls.handshake.type==1", "tls.handshake.ja3"), List.of(t.getJa3()), capture);
      assertEquals(Tshark.fields(pcap, "tls.handshake.type==2", "tls.handshake.ja3s"), List.of(t.getJa3S()), capture);
      List<String> certs = Tshark.fields(pcap, "tls.handshake.type==11", "tls.handshake.certificate");
      List<String> fps = new ArrayList<>();
      for (String hex : certs) {
        for (String one : hex.split(",")) {
          fps.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(HexFormat.of().parseHex(one))));
        }
      }
      assertEquals(fps, t.getCertChainFpsList(), capture);
    }
  }

  // ------------------------------------------------------------------ HTTP

  @Test
  void httpPipeliningOfThree() throws IOException {
    List<Event> es = replay("http-pipelining.pcap");
    noNotices(es);
    List<Http> hs = http(es);
    assertEquals(3, hs.size());
    hs.sort(java.util.Comparator.comparingInt(Http::getTransDepth));
    String[] uris = {"/a.txt", "/b.txt", "/c.txt"};
    for (int i = 0; i < 3; i++) {
      Http h = hs.get(i);
      assertEquals(i + 1, h.getTransDepth());
      assertEquals("GET", h.getMethod());
      assertEquals(uris[i], h.getUri());
      assertEquals("www.nsm.test", h.getHost());
      assertEquals(200, h.getStatusCode());
      assertEquals("OK", h.getStatusMsg());
      assertEquals("1.1", h.getVersion());
      // "pipelined response a\n"
      assertEquals(21, h.getResponseBodyLen());
      assertEquals(0, h.getRequestBodyLen());
      assertEquals(List.of("text/plain"), h.getRespMimeTypesList());
      assertEquals(hs.get(0).getUid(), h.getUid(), "one connection");
    }
    assertEquals(List.of("http"), flowOf(es, hs.get(0).getUid()).getServiceList());
  }

  @Test
  void chunkedGzipResponseCountedUncompressed() throws IOException {
    List<Event> es = replay("http-chunked.pcap");
    noNotices(es);
    Http h = only(http(es));
    assertEquals("/chunked/text.txt", h.getUri());
    assertEquals(200, h.getStatusCode());
    // make-captures.sh writes 520 lines of seeded random words: 40334 bytes, gzipped and chunked by
    // nginx on the fly; Zeek's response_body_len is the decompressed length
    assertEquals(40334, h.getResponseBodyLen());
    assertEquals("curl/7.88.1", h.getUserAgent());
  }

  @Test
  void httpOnPort8080() throws IOException {
    List<Event> es = replay("http-8080.pcap");
    Http h = only(http(es));
    assertEquals(8080, h.getRespP());
    assertEquals("www.nsm.test:8080", h.getHost());
    assertEquals("/", h.getUri());
    assertEquals(200, h.getStatusCode());
    assertEquals(100, h.getResponseBodyLen(), "nginx's index.html of make-captures.sh");
    assertEquals(List.of("text/html"), h.getRespMimeTypesList());
    assertEquals(List.of("http"), flowOf(es, h.getUid()).getServiceList());
  }

  @Test
  void httpOverIpv6() throws IOException {
    List<Event> es = replay("ipv6-http.pcap");
    Http h = only(http(es));
    assertEquals("fd00:19::1", h.getOrigH());
    assertEquals("fd00:19::2", h.getRespH());
    assertEquals(200, h.getStatusCode());
  }

  /** The stats line's counter {@code name}. */
  private static long counter(List<Event> es, String name) {
    List<Event> stats = es.stream().filter(Event::hasStats).collect(Collectors.toList());
    assertEquals(1, stats.size(), "one stats line");
    Long v = stats.get(0).getStats().getCountersMap().get(name);
    assertTrue(v != null, "no counter " + name + " in " + stats.get(0).getStats().getCountersMap());
    return v;
  }

  /**
   * Captures that start mid-download (no SYN) are analysed by default: on port 80 the HTTP parser
   * gets the server's bytes by Zeek's port rule, finds the middle of a body, not a status line, and
   * gives up (two notices, as Zeek's DPD would log); no http record, no service. {@code
   * --analyse-partial} says the same as the default.
   */
  @Test
  void midStreamConnectionsAreAnalysedByDefault() throws IOException {
    for (String capture : List.of("tcp-midstream.pcap", "tcp-oth.pcap")) {
      List<Event> es = replay(capture);
      Flow f = only(flows(es));
      assertEquals(List.of(), http(es), capture);
      assertEquals(List.of(), f.getServiceList(), capture);
      List<dev.nsm.proto.v1.Notice> ns = es.stream().filter(Event::hasNotice).map(Event::getNotice)
          .collect(Collectors.toList());
      assertEquals(List.of("HTTP_protocol_violation", "bad_HTTP_reply"),
          ns.stream().map(dev.nsm.proto.v1.Notice::getName).sorted().collect(Collectors.toList()), capture);
      assertTrue(ns.stream().allMatch(n -> n.getUid().equals(f.getUid()) && !n.getIsOrig()), capture);
      assertEquals(1, counter(es, "app_tcp_flows_inspected"), capture);
      assertEquals(0, counter(es, "app_tcp_flows_partial_skipped"), capture);
      assertEquals(1, counter(es, "app_flows_http"), capture);
      assertEquals(es.stream().filter(e -> !e.hasStats()).collect(Collectors.toList()),
          replay(capture, "--analyse-partial").stream().filter(e -> !e.hasStats()).collect(Collectors.toList()),
          capture + ": --analyse-partial is the default");
    }
  }

  /** {@code --no-analyse-partial}: Zeek's behaviour, the flow record alone, nothing analysed. */
  @Test
  void midStreamConnectionsAreNotAnalysedWithNoAnalysePartial() throws IOException {
    for (String capture : List.of("tcp-midstream.pcap", "tcp-oth.pcap")) {
      List<Event> es = replay(capture, "--no-analyse-partial");
      Flow f = only(flows(es));
      assertEquals(List.of(), f.getServiceList(), capture);
      assertEquals(List.of(), es.stream().filter(e -> !e.hasFlow() && !e.hasStats()).collect(Collectors.toList()),
          capture + ": no dns/tls/http/notice record");
      assertEquals(0, counter(es, "app_tcp_flows_inspected"), capture);
      assertEquals(1, counter(es, "app_tcp_flows_partial_skipped"), capture);
      assertEquals(0, counter(es, "app_flows_http"), capture);
      // the flow record itself is the same either way
      assertEquals(f, only(flows(replay(capture))), capture);
    }
    // connections with their handshake are analysed either way
    assertEquals(only(http(replay("tcp-sf.pcap"))), only(http(replay("tcp-sf.pcap", "--no-analyse-partial"))));
  }

  private static <T> T only(List<T> l) {
    assertEquals(1, l.size(), l.toString());
    return l.get(0);
  }

  /** tshark, when installed: one field of the packets a display filter selects. */
  static final class Tshark {
    static boolean available() {
      try {
        Process p = new ProcessBuilder("tshark", "-v").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    static List<String> fields(Path pcap, String filter, String field) throws IOException, InterruptedException {
      Process p = new ProcessBuilder("tshark", "-r", pcap.toString(), "-Y", filter, "-T", "fields", "-e", field)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), "tshark failed on " + pcap);
      List<String> l = new ArrayList<>();
      for (String s : out.split("\n")) {
        if (!s.isBlank()) {
          l.add(s.strip());
        }
      }
      return l;
    }
  }
}
