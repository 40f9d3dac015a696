package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The parser over real conversations of the conformance corpus, fed as the sensor's reassembly will
 * feed it, whole segments and cut into 1-byte and random pieces (the records must not change).
 *
 * <ul>
 *   <li>{@code zeek-*} captures with {@code expected/zeek-http.tsv}: every field of Zeek's http.log
 *       the parser gives (trans_depth, method, host, uri, referrer, version, user_agent, origin, both
 *       body lengths, status_code, status_msg, info_code, username) equals Zeek's, row for row.
 *   <li>captures with {@code expected/tshark-http.tsv}: each request's method, host, URI, User-Agent
 *       and Referer, and its response's status code and phrase, equal tshark's, in order.
 * </ul>
 */
class HttpCorpusTest {
  private static final List<HttpFeeder.Chunking> CHUNKINGS = List.of(HttpFeeder.Chunking.oneByte(),
      HttpFeeder.Chunking.random(1), HttpFeeder.Chunking.random(2));

  static List<Path> withExpected(String file) throws IOException {
    Path dir = Corpus.dir();
    assumeTrue(Files.isDirectory(dir), "conformance corpus not found at " + dir + ": skipped");
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(d -> {
        try {
          return !Corpus.tsv(d.resolve("expected").resolve(file)).isEmpty();
        } catch (IOException e) {
          return false;
        }
      }).sorted().collect(Collectors.toList());
    }
  }

  // ---------------------------------------------------------------- Zeek's http.log

  @TestFactory
  List<DynamicTest> zeekHttpLog() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path d : withExpected("zeek-http.tsv")) {
      tests.add(DynamicTest.dynamicTest(d.getFileName().toString(), () -> checkZeek(d)));
    }
    assertTrue(tests.size() >= 15, "expected the corpus' 15 captures with Zeek http.log, found " + tests.size());
    return tests;
  }

  private static void checkZeek(Path d) throws IOException {
    List<Map<String, String>> rows = Corpus.tsv(d.resolve("expected/zeek-http.tsv"));
    List<TcpStreams.Conn> conns = TcpStreams.read(Corpus.capture(d));
    List<String> problems = new ArrayList<>();
    // rows of one connection, by its orig endpoint (Zeek's originator is the client)
    Map<String, List<Map<String, String>>> byConn = rows.stream().collect(Collectors.groupingBy(
        r -> r.get("orig_h") + ":" + r.get("orig_p") + ">" + r.get("resp_h") + ":" + r.get("resp_p"),
        java.util.LinkedHashMap::new, Collectors.toList()));
    for (Map.Entry<String, List<Map<String, String>>> e : byConn.entrySet()) {
      Map<String, String> first = e.getValue().get(0);
      TcpStreams.Conn c = find(conns, first.get("orig_h"), first.get("orig_p"), first.get("resp_h"), first.get("resp_p"));
      if (c == null) {
        problems.add(e.getKey() + ": connection not in the capture");
        continue;
      }
      boolean aIsClient = c.addrA.equals(first.get("orig_h")) && String.valueOf(c.portA).equals(first.get("orig_p"));
      HttpFeeder.Result whole = HttpFeeder.run(c, aIsClient, HttpFeeder.Chunking.whole(), new HttpParserContext());
      for (HttpFeeder.Chunking ch : CHUNKINGS) {
        HttpFeeder.Result other = HttpFeeder.run(c, aIsClient, ch, new HttpParserContext());
        assertEquals(whole.text(), other.text(), e.getKey() + ": records depend on the chunking");
      }
      List<HttpTransaction> got = new ArrayList<>(whole.transactions);
      got.sort(Comparator.comparingInt(HttpTransaction::transDepth));
      List<Map<String, String>> want = e.getValue();
      want.sort(Comparator.comparingInt(r -> Integer.parseInt(r.get("trans_depth"))));
      if (got.size() != want.size()) {
        problems.add(e.getKey() + ": " + want.size() + " rows in Zeek's http.log, " + got.size() + " records: "
            + whole.text());
      }
      for (int i = 0; i < Math.min(got.size(), want.size()); i++) {
        compareZeek(e.getKey(), want.get(i), got.get(i), problems);
      }
    }
    if (!problems.isEmpty()) {
      fail(d.getFileName() + ":\n  " + String.join("\n  ", problems));
    }
  }

  private static void compareZeek(String conn, Map<String, String> row, HttpTransaction t, List<String> problems) {
    String where = conn + " #" + row.get("trans_depth");
    check(problems, where, "trans_depth", row.get("trans_depth"), String.valueOf(t.transDepth()));
    check(problems, where, "method", row.get("method"), t.method());
    check(problems, where, "host", row.get("host"), t.host());
    check(problems, where, "uri", row.get("uri"), t.uri());
    check(problems, where, "referrer", row.get("referrer"), t.referrer());
    check(problems, where, "version", row.get("version"), t.version());
    check(problems, where, "user_agent", row.get("user_agent"), t.userAgent());
    check(problems, where, "origin", row.get("origin"), t.origin());
    check(problems, where, "request_body_len", row.get("request_body_len"), String.valueOf(t.requestBodyLen()));
    check(problems, where, "response_body_len", row.get("response_body_len"), String.valueOf(t.responseBodyLen()));
    check(problems, where, "status_code", row.get("status_code"), code(t.statusCode()));
    check(problems, where, "status_msg", row.get("status_msg"), t.statusMsg());
    check(problems, where, "info_code", row.get("info_code"), code(t.infoCode()));
    check(problems, where, "username", row.get("username"), t.username());
  }

  private static String code(int c) {
    return c < 0 ? null : String.valueOf(c);
  }

  /** Zeek's "-" (unset) and "(empty)" are both blank in the corpus TSV. */
  private static void check(List<String> problems, String where, String field, String want, String got) {
    String w = want == null ? "" : want;
    String g = got == null ? "" : got;
    if (!w.equals(g)) {
      problems.add(where + " " + field + ": Zeek '" + w + "', parser '" + g + "'");
    }
  }

  static TcpStreams.Conn find(List<TcpStreams.Conn> conns, String h1, String p1, String h2, String p2) {
    for (TcpStreams.Conn c : conns) {
      String a = c.addrA + ":" + c.portA;
      String b = c.addrB + ":" + c.portB;
      String x = h1 + ":" + p1;
      String y = h2 + ":" + p2;
      if ((a.equals(x) && b.equals(y)) || (a.equals(y) && b.equals(x))) {
        return c;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- Zeek's conn.log service

  /**
   * Every TCP connection of Zeek's conn.log in the corpus, run through the parser from its start when
   * Zeek would run its HTTP analyzer (see {@link #zeekAttaches}): {@link HttpConnectionParser#confirmed()}
   * equals whether Zeek's {@code service} names http.
   */
  @Test
  void confirmedMatchesZeekService() throws IOException {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    int http = 0;
    for (Path d : withExpected("zeek-conn.tsv")) {
      List<TcpStreams.Conn> conns = null;
      for (Map<String, String> row : Corpus.tsv(d.resolve("expected/zeek-conn.tsv"))) {
        if (!row.get("proto").equals("tcp")) {
          continue;
        }
        if (conns == null) {
          conns = TcpStreams.read(Corpus.capture(d));
        }
        TcpStreams.Conn c = find(conns, row.get("orig_h"), row.get("orig_p"), row.get("resp_h"), row.get("resp_p"));
        if (c == null || c.segments.isEmpty()) {
          continue;
        }
        boolean aIsClient = c.addrA.equals(row.get("orig_h")) && String.valueOf(c.portA).equals(row.get("orig_p"));
        boolean zeek = List.of(row.get("service").split(",")).contains("http");
        boolean got = zeekAttaches(c, aIsClient)
            && HttpFeeder.run(c, aIsClient, HttpFeeder.Chunking.whole(), new HttpParserContext()).parser.confirmed();
        checked++;
        http += zeek ? 1 : 0;
        if (got != zeek) {
          problems.add(d.getFileName() + " " + c + ": Zeek service '" + row.get("service") + "', confirmed " + got);
        }
      }
    }
    assertTrue(checked >= 20 && http >= 5, checked + " connections, " + http + " http");
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems));
    }
  }

  /** Zeek's ports for HTTP (HTTP::ports), where its analyzer starts whatever the bytes. */
  private static final java.util.Set<Integer> ZEEK_HTTP_PORTS = java.util.Set.of(80, 81, 631, 1080, 3128, 8000, 8080, 8888);

  /**
   * When Zeek runs its HTTP analyzer on a connection, which is what the flow layer must do to get
   * Zeek's records: the connection began with a SYN or SYN-ACK (Zeek skips HTTP on partial ones), and
   * the server's port is one of HTTP::ports or a side's first bytes match Zeek's HTTP signatures
   * (here the probes). The parser must then get both streams from their first byte.
   */
  static boolean zeekAttaches(TcpStreams.Conn c, boolean aIsClient) {
    if (!c.startedWithSyn) {
      return false;
    }
    int serverPort = aIsClient ? c.portB : c.portA;
    if (ZEEK_HTTP_PORTS.contains(serverPort)) {
      return true;
    }
    byte[] client = null;
    byte[] server = null;
    for (TcpStreams.Segment s : c.segments) {
      if (s.data() == null) {
        continue;
      }
      if (s.fromA() == aIsClient && client == null) {
        client = s.data();
      } else if (s.fromA() != aIsClient && server == null) {
        server = s.data();
      }
    }
    return (client != null && HttpConnectionParser.probeRequest(client, 0, client.length))
        || (server != null && HttpConnectionParser.probeResponse(server, 0, server.length));
  }

  // ---------------------------------------------------------------- tshark's HTTP view

  @TestFactory
  List<DynamicTest> tsharkHttp() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path d : withExpected("tshark-http.tsv")) {
      tests.add(DynamicTest.dynamicTest(d.getFileName().toString(), () -> checkTshark(d)));
    }
    assertTrue(tests.size() >= 30, "expected the corpus' captures with tshark HTTP rows, found " + tests.size());
    return tests;
  }

  private static void checkTshark(Path d) throws IOException {
    List<Map<String, String>> rows = Corpus.tsv(d.resolve("expected/tshark-http.tsv"));
    List<TcpStreams.Conn> conns = TcpStreams.read(Corpus.capture(d));
    List<String> problems = new ArrayList<>();
    for (TcpStreams.Conn c : conns) {
      // tshark's rows of this connection: requests from the client, responses from the server
      List<Map<String, String>> requests = new ArrayList<>();
      List<Map<String, String>> responses = new ArrayList<>();
      String clientH = null;
      String clientP = null;
      for (Map<String, String> r : rows) {
        boolean ab = r.get("src_h").equals(c.addrA) && r.get("src_p").equals(String.valueOf(c.portA))
            && r.get("dst_h").equals(c.addrB) && r.get("dst_p").equals(String.valueOf(c.portB));
        boolean ba = r.get("src_h").equals(c.addrB) && r.get("src_p").equals(String.valueOf(c.portB))
            && r.get("dst_h").equals(c.addrA) && r.get("dst_p").equals(String.valueOf(c.portA));
        if (!ab && !ba) {
          continue;
        }
        if (r.get("kind").equals("request")) {
          requests.add(r);
          clientH = r.get("src_h");
          clientP = r.get("src_p");
        } else {
          responses.add(r);
        }
      }
      if (requests.isEmpty() && responses.isEmpty()) {
        continue;
      }
      boolean aIsClient = clientH != null ? c.addrA.equals(clientH) && String.valueOf(c.portA).equals(clientP)
          : !(responses.get(0).get("src_h").equals(c.addrA)
              && responses.get(0).get("src_p").equals(String.valueOf(c.portA)));
      HttpFeeder.Result whole = HttpFeeder.run(c, aIsClient, HttpFeeder.Chunking.whole(), new HttpParserContext());
      for (HttpFeeder.Chunking ch : CHUNKINGS) {
        assertEquals(whole.text(), HttpFeeder.run(c, aIsClient, ch, new HttpParserContext()).text(),
            c + ": records depend on the chunking");
      }
      List<HttpTransaction> got = new ArrayList<>(whole.transactions);
      got.sort(Comparator.comparingInt(HttpTransaction::transDepth));
      // requests against the records that have one, in order; a response without request (a capture
      // that starts after the request) is a record of its own
      List<HttpTransaction> withRequest = got.stream().filter(t -> t.method() != null).collect(Collectors.toList());
      String where = c.toString();
      for (int i = 0; i < requests.size(); i++) {
        Map<String, String> q = requests.get(i);
        if (i >= withRequest.size()) {
          problems.add(where + " request #" + (i + 1) + " " + q.get("method") + " " + q.get("uri") + ": no record: "
              + whole.text());
          continue;
        }
        HttpTransaction t = withRequest.get(i);
        String w = where + " #" + (i + 1);
        checkIfSet(problems, w, "method", q.get("method"), t.method());
        checkIfSet(problems, w, "host", q.get("host"), t.host());
        checkIfSet(problems, w, "uri", unescaped(q.get("uri")), t.uri());
        checkIfSet(problems, w, "user_agent", q.get("user_agent"), t.userAgent());
        checkIfSet(problems, w, "referrer", q.get("referrer"), t.referrer());
      }
      // responses against the records in order (tshark pairs nothing; Zeek pairs by order too)
      List<HttpTransaction> answered = got.stream().filter(t -> t.statusCode() >= 0).collect(Collectors.toList());
      for (int i = 0; i < responses.size(); i++) {
        Map<String, String> a = responses.get(i);
        String w = where + " response #" + (i + 1);
        if (i >= answered.size()) {
          problems.add(w + " " + a.get("status_code") + ": no record with a status: " + whole.text());
          continue;
        }
        HttpTransaction t = answered.get(i);
        checkIfSet(problems, w, "status_code", a.get("status_code"), code(t.statusCode()));
        checkIfSet(problems, w, "status_msg", a.get("status_msg"), t.statusMsg());
        checkIfSet(problems, w, "version", a.get("version").replace("HTTP/", ""), t.version());
      }
    }
    if (!problems.isEmpty()) {
      fail(d.getFileName() + ":\n  " + String.join("\n  ", problems));
    }
  }

  /** tshark gives the URI as sent; Zeek (and the parser) log it %-decoded. */
  private static String unescaped(String uri) {
    byte[] b = uri.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] out = new byte[b.length];
    HttpConnectionParser sink = new HttpConnectionParser(new HttpParserContext(), tx -> {});
    int n = HttpText.unescapeUri(b, 0, b.length, out, sink);
    return new String(out, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void checkIfSet(List<String> problems, String where, String field, String want, String got) {
    if (want == null || want.isEmpty()) {
      return;
    }
    if (!Objects.equals(want, got)) {
      problems.add(where + " " + field + ": tshark '" + want + "', parser '" + got + "'");
    }
  }
}
