package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --protocols}: "none" gives the golden flow records (without the analysers' services) and no
 * application records; a list keeps the records of its analysers, byte for byte, and none of the
 * others; a bad value is one line and exit 2.
 */
class ProtocolsOptionTest {
  @TempDir
  Path tmp;

  private static List<String> golden(String name) throws IOException {
    return Files.readAllLines(Replay.repoRoot().resolve("testdata/" + name + ".expected.jsonl"), StandardCharsets.UTF_8);
  }

  private static String capture(String name) {
    return Replay.repoRoot().resolve("testdata/" + name + ".pcap").toString();
  }

  private static List<String> of(List<String> lines, String type) {
    return lines.stream().filter(l -> l.startsWith("{\"" + type + "\":")).sorted().collect(Collectors.toList());
  }

  /** The flow line without the analysers' services (dns, quic, http, ssl); a tunnel's stays (the decoder's). */
  private static String noService(String flowLine) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"service\":\\[([^\\]]*)\\]").matcher(flowLine);
    if (!m.find()) {
      return flowLine;
    }
    String kept = java.util.Arrays.stream(m.group(1).split(","))
        .filter(x -> !x.isEmpty() && !List.of("\"dns\"", "\"quic\"", "\"http\"", "\"ssl\"").contains(x))
        .collect(Collectors.joining(","));
    return flowLine.substring(0, m.start()) + "\"service\":[" + kept + "]" + flowLine.substring(m.end());
  }

  @Test
  void noneGivesTheGoldenFlowsWithoutServiceAndNoAppRecords() throws IOException {
    List<String> names;
    try (Stream<Path> s = Files.list(Replay.repoRoot().resolve("testdata"))) {
      names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".expected.jsonl"))
          .map(n -> n.substring(0, n.length() - ".expected.jsonl".length())).sorted().collect(Collectors.toList());
    }
    assertTrue(names.size() > 20, "goldens: " + names);
    int flows = 0;
    for (String name : names) {
      Replay r = Replay.run(tmp, capture(name), "--protocols", "none");
      assertEquals(0, r.exit, name + ": " + r.err);
      List<String> want = of(golden(name), "flow").stream().map(ProtocolsOptionTest::noService).sorted()
          .collect(Collectors.toList());
      assertEquals(want, of(r.lines, "flow"), name);
      long other = r.lines.stream().filter(l -> !l.startsWith("{\"flow\":") && !l.startsWith("{\"stats\":")).count();
      assertEquals(0, other, name + ": application records with --protocols none");
      flows += want.size();
    }
    assertTrue(flows > 30);
  }

  @Test
  void aListKeepsItsAnalysersOnly() throws IOException {
    // DNS only: the DNS capture's records as the golden ones, the TLS and HTTP captures without theirs
    Replay dns = Replay.run(tmp, capture("dns-udp"), "--protocols", "dns");
    assertEquals(of(golden("dns-udp"), "dns"), of(dns.lines, "dns"));
    assertEquals(of(golden("dns-udp"), "flow"), of(dns.lines, "flow"));
    Replay tls = Replay.run(tmp, capture("tls12"), "--protocols", "DNS,http");
    assertEquals(0, tls.exit, tls.err);
    assertEquals(List.of(), of(tls.lines, "tls"));
    assertTrue(!of(golden("tls12"), "tls").isEmpty());
    Replay http = Replay.run(tmp, capture("http-8080"), "--protocols", "tls,http");
    assertEquals(of(golden("http-8080"), "http"), of(http.lines, "http"));
    assertEquals(of(golden("http-8080"), "flow"), of(http.lines, "flow"));
    Replay all = Replay.run(tmp, capture("tls12"), "--protocols", "all");
    assertEquals(of(golden("tls12"), "tls"), of(all.lines, "tls"));
  }

  @Test
  void badValueIsOneLineAndExit2() throws IOException {
    Replay r = Replay.run(tmp, capture("tcp-sf"), "--protocols", "dns,smtp");
    assertEquals(2, r.exit);
    String err = r.err.strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("smtp"), err);
  }
}
