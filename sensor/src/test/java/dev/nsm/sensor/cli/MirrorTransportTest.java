package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mirror transport: testdata/make-tunnel-captures.sh records the same session twice at once, on
 * the underlay (tunnel-NAME.pcap: in VXLAN, or mirrored as ERSPAN type I/II/III) and without the
 * tunnel (tunnel-NAME-plain.pcap). Replayed with the mirror-transport option, the tunnelled copy
 * must give exactly the records of the plain copy: same flows, same DNS, TLS and HTTP records, with
 * only what {@link MaskedRecords} masks (times, and uids through the flows they name) allowed to
 * differ; the outer mirror flows are counted, not emitted.
 */
class MirrorTransportTest {
  /** The replay option that makes a tunnel the transport of the sensor's own mirror session. */
  static final String OPTION = "--mirror-transport";

  @TempDir
  Path tmp;

  static Stream<Arguments> sessions() {
    return Stream.of(
        Arguments.of("tunnel-vxlan", "vxlan"),
        Arguments.of("tunnel-erspan1", "erspan"),
        Arguments.of("tunnel-erspan2", "erspan"),
        Arguments.of("tunnel-erspan3", "erspan"));
  }

  private List<String> replay(Path capture, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of(capture.toString(), "--workers", "2"));
    args.addAll(List.of(extra));
    Replay r = Replay.run(tmp, args.toArray(new String[0]));
    assertEquals(0, r.exit, r.err);
    return r.lines;
  }

  private static Path testdata(String name) {
    return Replay.repoRoot().resolve("testdata").resolve(name + ".pcap");
  }

  @ParameterizedTest(name = "{0} as {1} transport")
  @MethodSource("sessions")
  void mirrorTransportGivesThePlainRecords(String name, String transport) throws IOException {
    List<String> plain = MaskedRecords.of(replay(testdata(name + "-plain")));
    assertTrue(plain.stream().anyMatch(l -> l.startsWith("dns ")) && plain.stream().anyMatch(l -> l.startsWith("http "))
        && plain.stream().anyMatch(l -> l.startsWith("tls ")), "the plain session has dns, http and tls: " + plain);
    List<String> lines = replay(testdata(name), OPTION, transport);
    List<String> got = MaskedRecords.of(lines);
    assertEquals(String.join("\n", plain), String.join("\n", got), name + " with " + OPTION + " " + transport);
    // every packet came through the mirror session: each counted as such, none as a tunnel of its own
    String stats = lines.stream().filter(l -> l.startsWith("{\"stats\"")).findFirst().orElseThrow();
    String read = field(stats, "packets_read");
    assertEquals(read, field(stats, "mirror_transport_packets"), stats);
    assertTrue(Integer.parseInt(read) >= 20, stats);
    // without the option the outer flows are records too (and inner flows name them): not equal
    assertNotEquals(plain, MaskedRecords.without(MaskedRecords.of(replay(testdata(name))), "tunnel_parents"));
  }

  private static String field(String json, String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":\"?([0-9]+)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    return m.group(1);
  }

  /**
   * The premise of the test above: both captures hold the same frames. Every frame of the plain
   * capture is, byte for byte, the payload of one frame of the tunnelled capture after its outer
   * headers (Ethernet, IPv4, UDP + VXLAN or GRE + ERSPAN header), and nothing else is in either.
   * Compared as multisets: at two capture points, frames close in time can swap places.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void theTwoCapturesHoldTheSameFrames(String name, String transport) throws IOException {
    List<String> inner = new ArrayList<>();
    for (byte[] f : frames(testdata(name))) {
      inner.add(HexFormat.of().formatHex(Arrays.copyOfRange(f, outerLength(f), f.length)));
    }
    List<String> plain = new ArrayList<>();
    for (byte[] f : frames(testdata(name + "-plain"))) {
      plain.add(HexFormat.of().formatHex(f));
    }
    assertTrue(plain.size() >= 20, name + ": " + plain.size() + " frames");
    inner.sort(null);
    plain.sort(null);
    assertEquals(plain, inner, name);
  }

  /** Bytes before the inner Ethernet frame: 14 + 20 (IPv4, no options) + the tunnel's headers. */
  private static int outerLength(byte[] f) {
    int ip = 14;
    assertEquals(0x45, f[ip] & 0xff, "outer IPv4 without options");
    int l4 = ip + 20;
    int proto = f[ip + 9] & 0xff;
    if (proto == 17) {
      assertEquals(4789, ((f[l4 + 2] & 0xff) << 8) | (f[l4 + 3] & 0xff), "VXLAN port");
      return l4 + 8 + 8;
    }
    assertEquals(47, proto, "GRE");
    int flags = ((f[l4] & 0xff) << 8) | (f[l4 + 1] & 0xff);
    int type = ((f[l4 + 2] & 0xff) << 8) | (f[l4 + 3] & 0xff);
    int gre = 4 + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0) + ((flags & 0x8000) != 0 ? 4 : 0);
    int erspan = l4 + gre;
    if (type == 0x88be) {
      return (flags & 0x1000) == 0 ? erspan : erspan + 8; // type I has no sequence number and no header
    }
    assertEquals(0x22eb, type, "ERSPAN type III");
    boolean subHeader = (f[erspan + 11] & 0x01) != 0;
    return erspan + 12 + (subHeader ? 8 : 0);
  }

  private static List<byte[]> frames(Path pcap) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0xa1b2c3d4, b.getInt(0));
    List<byte[]> out = new ArrayList<>();
    for (int p = 24; p + 16 <= b.limit(); ) {
      int caplen = b.getInt(p + 8);
      out.add(Arrays.copyOfRange(b.array(), p + 16, p + 16 + caplen));
      p += 16 + caplen;
    }
    return out;
  }
}
