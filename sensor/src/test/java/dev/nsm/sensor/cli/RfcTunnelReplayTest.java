package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Teredo, AYIYA and GTP-U, which no Linux device makes here: {@link RfcTunnelFrames} wraps every
 * packet of one of the project's captures in the tunnel's RFC layout, and the replay of that must
 * give the records of the capture itself (masked as {@link MaskedRecords} says) plus exactly one
 * outer flow, between the outer addresses, whose {@code service} names the tunnel and whose uid is
 * every inner flow's {@code tunnel_parents}.
 */
class RfcTunnelReplayTest {
  interface Builder {
    byte[] build(Path capture) throws IOException;
  }

  @TempDir
  Path tmp;

  static Stream<Arguments> tunnels() {
    return Stream.of(
        Arguments.of("teredo", (Builder) RfcTunnelFrames::teredo, "ipv6-http.pcap"),
        Arguments.of("ayiya", (Builder) RfcTunnelFrames::ayiya, "tls13.pcap"),
        Arguments.of("ayiya", (Builder) RfcTunnelFrames::ayiya, "ipv6-http.pcap"),
        Arguments.of("gtpv1", (Builder) RfcTunnelFrames::gtpu, "dns-udp.pcap"),
        Arguments.of("gtpv1", (Builder) RfcTunnelFrames::gtpu, "http-chunked.pcap"));
  }

  private List<String> replay(Path capture) throws IOException {
    Replay r = Replay.run(tmp, capture.toString(), "--workers", "2");
    assertEquals(0, r.exit, r.err);
    return r.lines;
  }

  /**
   * The builder itself, checked by another implementation: tshark (when installed) must dissect
   * every frame as the tunnel with the inner IP packet inside, and find nothing malformed.
   */
  @ParameterizedTest(name = "{0} around {2}")
  @MethodSource("tunnels")
  void tsharkReadsTheFramesAsTheTunnel(String service, Builder builder, String source) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark not installed");
    Path plainCapture = Replay.repoRoot().resolve("testdata").resolve(source);
    Path wrapped = tmp.resolve(service + "-" + source);
    Files.write(wrapped, builder.build(plainCapture));
    String layer = Map.of("teredo", "teredo", "ayiya", "ayiya", "gtpv1", "gtp").get(service);
    Process p = new ProcessBuilder("/usr/bin/tshark", "-r", wrapped.toString(), "-o", "ip.check_checksum:TRUE",
        "-d", "udp.port==5072,ayiya", "-T", "fields", "-e", "frame.protocols", "-e", "_ws.malformed",
        "-e", "ip.checksum.status")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String> rows = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertEquals(0, p.waitFor());
    assertEquals(RfcTunnelFrames.innerPackets(plainCapture).size(), rows.size(), "one frame per inner packet");
    for (String row : rows) {
      String[] f = row.split("\t", -1);
      assertTrue(f[0].matches("eth:ethertype:ip:udp:" + layer + ":(ip|ipv6):.*"), "dissected as " + f[0]);
      assertEquals("", f[1], "malformed: " + row);
      assertTrue(f[2].startsWith("1"), "outer IPv4 checksum: " + row);
    }
  }

  static Stream<Arguments> decapsulated() {
    return tunnels().filter(a -> !a.get()[0].equals("gtpv1"));
  }

  static Stream<Arguments> gtpu() {
    return tunnels().filter(a -> a.get()[0].equals("gtpv1"));
  }

  @ParameterizedTest(name = "{0} around {2}")
  @MethodSource("decapsulated")
  void innerRecordsAreThoseOfThePlainCapture(String service, Builder builder, String source) throws IOException {
    assertInnerRecords(service, builder, source);
  }

  /**
   * GTP-U: the TEIDs of the two directions differ, as TS 29.281 has it (each end chooses the TEID
   * it receives on: uplink 0x1001, downlink 0x2002 here); they are not part of the inner flow's
   * tunnel key (nor PPTP's call id, the peer's, different each way), so both directions meet in one
   * inner flow, as Zeek keys GTP-U inner connections by the outer connection only.
   */
  @ParameterizedTest(name = "{0} around {2}")
  @MethodSource("gtpu")
  void gtpuInnerRecordsAreThoseOfThePlainCapture(String service, Builder builder, String source) throws IOException {
    assertInnerRecords(service, builder, source);
  }

  private void assertInnerRecords(String service, Builder builder, String source) throws IOException {
    Path plainCapture = Replay.repoRoot().resolve("testdata").resolve(source);
    Path wrapped = tmp.resolve(service + "-" + source);
    Files.write(wrapped, builder.build(plainCapture));

    List<String> plain = MaskedRecords.of(replay(plainCapture));
    List<String> got = MaskedRecords.of(replay(wrapped));

    List<String> outer = new ArrayList<>();
    List<String> inner = new ArrayList<>();
    for (String line : got) {
      JsonNode b = MaskedRecords.body(line);
      boolean isOuter = line.startsWith("flow ") && b.path("orig_h").asText().startsWith("192.0.2.");
      (isOuter ? outer : inner).add(line);
    }
    assertEquals(1, outer.size(), "one outer flow: " + outer);
    JsonNode o = MaskedRecords.body(outer.get(0));
    assertEquals("udp", o.path("proto").asText());
    List<String> services = new ArrayList<>();
    o.path("service").forEach(s -> services.add(s.asText()));
    assertTrue(services.contains(service), "outer service " + services + " names " + service);
    assertFalse(o.has("tunnel_parents") && o.get("tunnel_parents").size() > 0, "the outer flow has no parent");

    String outerTuple = MaskedRecords.tuple(o);
    for (String line : inner) {
      if (line.startsWith("flow ")) {
        JsonNode parents = MaskedRecords.body(line).path("tunnel_parents");
        assertEquals(1, parents.size(), "tunnel_parents of " + line);
        assertEquals(outerTuple, parents.get(0).asText(), "tunnel_parents of " + line);
      }
    }
    assertEquals(String.join("\n", MaskedRecords.without(plain, "tunnel_parents")),
        String.join("\n", MaskedRecords.without(inner, "tunnel_parents")),
        "inner records of " + service + " around " + source);
  }
}
