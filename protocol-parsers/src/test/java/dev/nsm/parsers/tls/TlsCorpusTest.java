package dev.nsm.parsers.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real handshakes of the conformance corpus against what independent tools say of them: every
 * ClientHello and ServerHello tshark 4.0 saw over TCP ({@code expected/tshark-tls.tsv}: version,
 * supported_versions, SNI, ALPN, JA3 and JA3S strings and hashes, cipher), and Zeek's own ssl.log
 * where the capture comes from Zeek's test suite ({@code expected/zeek-ssl.tsv}: version, cipher,
 * curve, server_name, resumed, next_protocol, established, cert_chain_fps). Every field is
 * compared; a capture's test lists all its disagreements.
 */
class TlsCorpusTest {

  @TestFactory
  Stream<DynamicTest> tsharkHellos() {
    List<Path> cases = Corpus.casesWith("tshark-tls.tsv");
    assumeTrue(!cases.isEmpty(), "conformance corpus not found: skipped");
    return cases.stream()
        .filter(c -> Corpus.rows(c.resolve("expected/tshark-tls.tsv")).stream().anyMatch(r -> r.get("proto").equals("tcp")))
        .map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> checkTshark(c)));
  }

  @TestFactory
  Stream<DynamicTest> zeekSslLog() {
    List<Path> cases = Corpus.casesWith("zeek-ssl.tsv");
    assumeTrue(!cases.isEmpty(), "conformance corpus not found: skipped");
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> checkZeek(c)));
  }

  /** The corpus has enough TLS to make the two factories above mean something. */
  @Test
  void corpusCoversTls() throws Exception {
    assumeTrue(Corpus.dir() != null, "conformance corpus not found: skipped");
    assertTrue(Corpus.casesWith("tshark-tls.tsv").size() >= 20, "tshark TLS cases");
    assertTrue(Corpus.casesWith("zeek-ssl.tsv").size() >= 12, "zeek ssl.log cases");
  }

  private static void checkTshark(Path dir) throws Exception {
    TlsCounters counters = new TlsCounters();
    List<Corpus.Parsed> parsed = Corpus.parse(Corpus.capture(dir), counters);
    List<Map<String, String>> rows = Corpus.rows(dir.resolve("expected/tshark-tls.tsv"));
    List<String> bad = new ArrayList<>();
    int checked = 0;
    for (Corpus.Parsed p : parsed) {
      List<Map<String, String>> mine = rows.stream()
          .filter(r -> r.get("proto").equals("tcp"))
          .filter(r -> p.conn().matches(r.get("src_h"), Integer.parseInt(r.get("src_p")), r.get("dst_h"),
              Integer.parseInt(r.get("dst_p"))))
          .toList();
      if (mine.isEmpty()) {
        continue;
      }
      TlsSession s = p.session();
      checkClean(bad, dir, p);
      List<Map<String, String>> clients = mine.stream().filter(r -> r.get("kind").equals("client")).toList();
      List<Map<String, String>> servers = mine.stream().filter(r -> r.get("kind").equals("server")).toList();
      String where = p.conn().toString();
      check(bad, where, "client hellos", clients.size(), s.clientHellos().size());
      check(bad, where, "server hellos", servers.size(), s.serverHellos().size());
      for (int i = 0; i < Math.min(clients.size(), s.clientHellos().size()); i++) {
        Map<String, String> r = clients.get(i);
        ClientHello h = s.clientHellos().get(i);
        String w = where + " client#" + i;
        check(bad, w, "version", r.get("version"), hex(h.version));
        check(bad, w, "supported_versions", r.get("supported_versions"), hexList(h.supportedVersions));
        check(bad, w, "server_name", r.get("server_name"), String.join("|", h.serverNames));
        check(bad, w, "alpn", r.get("alpn"), String.join("|", h.alpn));
        check(bad, w, "ja3_full", r.get("ja3_full"), nz(h.ja3String()));
        check(bad, w, "ja3", r.get("ja3"), nz(h.ja3()));
        checked++;
      }
      for (int i = 0; i < Math.min(servers.size(), s.serverHellos().size()); i++) {
        Map<String, String> r = servers.get(i);
        ServerHello h = s.serverHellos().get(i);
        String w = where + " server#" + i;
        check(bad, w, "version", r.get("version"), hex(h.version));
        check(bad, w, "supported_versions", r.get("supported_versions"), h.supportedVersion == 0 ? "" : hex(h.supportedVersion));
        check(bad, w, "alpn", r.get("alpn"), nz(h.alpn));
        check(bad, w, "ja3s_full", r.get("ja3s_full"), nz(h.ja3sString()));
        check(bad, w, "ja3s", r.get("ja3s"), nz(h.ja3s()));
        check(bad, w, "cipher", r.get("cipher"), TlsNames.cipher(h.cipher));
        checked++;
      }
    }
    assertEquals(List.of(), bad, dir.getFileName() + ": disagreements with tshark");
    assertTrue(checked > 0, "no hello of " + dir.getFileName() + " was compared");
  }

  private static void checkZeek(Path dir) throws Exception {
    TlsCounters counters = new TlsCounters();
    List<Corpus.Parsed> parsed = Corpus.parse(Corpus.capture(dir), counters);
    List<String> bad = new ArrayList<>();
    for (Map<String, String> r : Corpus.rows(dir.resolve("expected/zeek-ssl.tsv"))) {
      String where = r.get("orig_h") + ":" + r.get("orig_p") + "->" + r.get("resp_h") + ":" + r.get("resp_p");
      Corpus.Parsed p = parsed.stream()
          .filter(x -> x.conn().matches(r.get("orig_h"), Integer.parseInt(r.get("orig_p")), r.get("resp_h"),
              Integer.parseInt(r.get("resp_p"))))
          .findFirst().orElse(null);
      if (p == null) {
        bad.add(where + ": connection not found");
        continue;
      }
      TlsSession s = p.session();
      checkClean(bad, dir, p);
      check(bad, where, "version", r.get("version"), nz(s.versionName()));
      check(bad, where, "cipher", r.get("cipher"), nz(s.cipherName()));
      check(bad, where, "curve", r.get("curve"), nz(s.curveName()));
      check(bad, where, "server_name", r.get("server_name"), nz(s.serverName()));
      check(bad, where, "resumed", r.get("resumed"), s.resumed() ? "T" : "F");
      check(bad, where, "next_protocol", r.get("next_protocol"), nz(s.nextProtocol()));
      check(bad, where, "established", r.get("established"), s.established() ? "T" : "F");
      check(bad, where, "cert_chain_fps", r.get("cert_chain_fps"), String.join(",", s.certChainFps()));
    }
    assertEquals(List.of(), bad, dir.getFileName() + ": disagreements with Zeek's ssl.log");
  }

  /**
   * Real handshakes raise no issue and confirm the analyzer, except one certificate the JDK is
   * stricter about than OpenSSL (tls--tls: an empty streetAddress attribute).
   */
  private static void checkClean(List<String> bad, Path dir, Corpus.Parsed p) {
    java.util.Set<TlsIssue> allowed = dir.getFileName().toString().equals("tls--tls")
        ? java.util.Set.of(TlsIssue.CERTIFICATE_UNPARSABLE) : java.util.Set.of();
    java.util.Set<TlsIssue> issues = p.session().issues();
    issues.removeAll(allowed);
    check(bad, p.conn().toString(), "issues", java.util.Set.of(), issues);
    check(bad, p.conn().toString(), "confirmed", true, p.session().confirmed());
  }

  private static void check(List<String> bad, String where, String field, Object want, Object got) {
    if (!Objects.equals(String.valueOf(want), String.valueOf(got))) {
      bad.add(where + " " + field + ": want '" + want + "' got '" + got + "'");
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  static String hex(int v) {
    return String.format(Locale.ROOT, "0x%04x", v);
  }

  private static String hexList(int[] v) {
    return IntStream.of(v).mapToObj(TlsCorpusTest::hex).collect(Collectors.joining("|"));
  }
}
