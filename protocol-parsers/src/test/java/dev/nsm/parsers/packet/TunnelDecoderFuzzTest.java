package dev.nsm.parsers.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One Jazzer target per tunnel decoder, and a property test over the same targets that runs in
 * every build.
 *
 * <p>The input is the tunnel part of a packet: for UDP tunnels the UDP payload (VXLAN 4789, GENEVE
 * 6081, Teredo 3544, AYIYA 5072, GTP-U 2152), for GRE (GRE, gretap, ERSPAN I/II/III, PPTP) the GRE
 * header onward, for IP-in-IP the inner packet (its first byte picks protocol 4 or 41). The test
 * writes a valid outer Ethernet / IPv4 / UDP header around it (lengths and the IPv4 checksum
 * right), so every input reaches the tunnel decoder instead of dying in the outer headers. Seeds
 * (src/test/resources/.../TunnelDecoderFuzzTestInputs/METHOD/, written by bench/fuzz-seeds.py) are
 * the tunnel parts of testdata/tunnel-*.pcap and of Teredo/AYIYA/GTP-U frames around packets of
 * the project's captures.
 *
 * <p>Asserted for every input: the decoder returns a result and throws nothing; every offset and
 * length it leaves lies inside the frame ({@link Wire#assertWithinBuffer}); the frame decodes
 * identically in a larger buffer with junk after {@code capLen} (a read outside the packet would
 * show); the flow hash is symmetric; every packet gets exactly one {@link DecodeResult}, the outcome
 * the ingest counts it by; the decoder's tunnel counters move consistently with the packet: one
 * {@code decapsulated} count per layer entered ({@code tunnelDepth}, never above the maximum
 * depth), a {@code tunnelErrors} count when a tunnel header was seen ({@code carries}) but no
 * layer entered (for the tunnels without signalling messages), never more counts than layers tried; every outer layer's offsets lie inside the frame too.
 */
class TunnelDecoderFuzzTest {
  private static final byte[] OUTER_SRC = {(byte) 198, 51, 100, 1};
  private static final byte[] OUTER_DST = {(byte) 198, 51, 100, 2};

  private static final IpDefragmenter DEFRAG_A = new IpDefragmenter(8, 2 * 65535, 5_000_000_000L);
  private static final PacketDecoder A = new PacketDecoder(DEFRAG_A);
  private static final PacketDecoder B = new PacketDecoder(new IpDefragmenter(8, 2 * 65535, 5_000_000_000L));
  private static final DecodedPacket PA = new DecodedPacket();
  private static final DecodedPacket PB = new DecodedPacket();
  private static long decoded;
  private static long ts = 1_700_000_000_000_000_000L;

  @FuzzTest
  void vxlan(byte[] data) {
    check(udp(4789, data), true);
  }

  @FuzzTest
  void geneve(byte[] data) {
    check(udp(6081, data), true);
  }

  @FuzzTest
  void teredo(byte[] data) {
    check(udp(3544, data), false);
  }

  @FuzzTest
  void ayiya(byte[] data) {
    check(udp(5072, data), false);
  }

  @FuzzTest
  void gtpu(byte[] data) {
    check(udp(2152, data), false);
  }

  @FuzzTest
  void gre(byte[] data) {
    // PPTP (enhanced GRE, version 1) has acknowledgements without payload: signalling
    check(ip(47, data), data.length < 2 || (data[1] & 0x07) != 1);
  }

  /** The first byte picks the outer protocol: even 4 (IPv4 in IPv4), odd 41 (IPv6 in IPv4). */
  @FuzzTest
  void ipInIp(byte[] data) {
    if (data.length == 0) {
      return;
    }
    check(ip((data[0] & 1) == 0 ? 4 : 41, Arrays.copyOfRange(data, 1, data.length)), true);
  }

  /**
   * Random and mutated bytes in every build (without the fuzzing engine): each seed of each target
   * as is, then 300 mutations of it (bytes flipped, set to 0x00/0xff, cut, or grown with random
   * bytes), then 300 inputs of random bytes; a fixed seed, so a failure repeats.
   */
  @Test
  void randomAndMutatedInputsOfEveryTarget() {
    Random rnd = new Random(11);
    long before = decoded;
    int n = 0;
    for (String target : List.of("vxlan", "geneve", "teredo", "ayiya", "gtpu", "gre", "ipInIp")) {
      List<byte[]> seeds = seeds(target);
      assertTrue(seeds.size() >= 2, target + ": seeds missing, run bench/fuzz-seeds.py");
      for (byte[] seed : seeds) {
        run(target, seed);
        n++;
        for (int i = 0; i < 300; i++) {
          run(target, mutate(seed, rnd));
          n++;
        }
      }
      for (int i = 0; i < 300; i++) {
        byte[] r = new byte[rnd.nextInt(200)];
        rnd.nextBytes(r);
        run(target, r);
        n++;
      }
    }
    assertTrue(decoded - before >= n - 2000, "decoded " + (decoded - before) + " of " + n); // ipInIp's empty inputs
  }

  private void run(String target, byte[] data) {
    switch (target) {
      case "vxlan" -> vxlan(data);
      case "geneve" -> geneve(data);
      case "teredo" -> teredo(data);
      case "ayiya" -> ayiya(data);
      case "gtpu" -> gtpu(data);
      case "gre" -> gre(data);
      default -> ipInIp(data);
    }
  }

  static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    int edits = 1 + rnd.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = rnd.nextInt(Math.min(b.length, 64)); // the tunnel headers are at the front
      switch (rnd.nextInt(5)) {
        case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
        case 1 -> b[at] = 0;
        case 2 -> b[at] = (byte) 0xff;
        case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        default -> {
          byte[] more = new byte[rnd.nextInt(64)];
          rnd.nextBytes(more);
          byte[] g = Arrays.copyOf(b, b.length + more.length);
          System.arraycopy(more, 0, g, b.length, more.length);
          b = g;
        }
      }
    }
    return b;
  }

  static List<byte[]> seeds(String method) {
    Path dir = Path.of("src/test/resources/dev/nsm/parsers/packet/TunnelDecoderFuzzTestInputs", method);
    List<byte[]> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        out.add(Files.readAllBytes(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  // ------------------------------------------------------------------------------ outer headers

  /** Ethernet / IPv4 / UDP (source port 40000, the tunnel's port as destination) / data. */
  static byte[] udp(int port, byte[] data) {
    byte[] l4 = new byte[8 + data.length];
    l4[0] = (byte) (40000 >> 8);
    l4[1] = (byte) 40000;
    l4[2] = (byte) (port >> 8);
    l4[3] = (byte) port;
    int len = Math.min(l4.length, 0xffff);
    l4[4] = (byte) (len >> 8);
    l4[5] = (byte) len;
    System.arraycopy(data, 0, l4, 8, data.length);
    return ip(17, l4);
  }

  /** Ethernet / IPv4 (protocol proto, DF, checksum right) / payload. */
  static byte[] ip(int proto, byte[] payload) {
    int total = Math.min(20 + payload.length, 0xffff);
    byte[] f = new byte[14 + 20 + payload.length];
    byte[] macs = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    System.arraycopy(macs, 0, f, 0, 12);
    f[12] = 0x08;
    int h = 14;
    f[h] = 0x45;
    f[h + 2] = (byte) (total >> 8);
    f[h + 3] = (byte) total;
    f[h + 6] = 0x40;
    f[h + 8] = 64;
    f[h + 9] = (byte) proto;
    System.arraycopy(OUTER_SRC, 0, f, h + 12, 4);
    System.arraycopy(OUTER_DST, 0, f, h + 16, 4);
    int s = 0;
    for (int i = 0; i < 20; i += 2) {
      s += ((f[h + i] & 0xff) << 8) | (f[h + i + 1] & 0xff);
    }
    while ((s >> 16) != 0) {
      s = (s & 0xffff) + (s >> 16);
    }
    s = ~s & 0xffff;
    f[h + 10] = (byte) (s >> 8);
    f[h + 11] = (byte) s;
    System.arraycopy(payload, 0, f, 14 + 20, payload.length);
    return f;
  }

  // ------------------------------------------------------------------------------------ checks

  private static long sum(long[] counters) {
    long n = 0;
    for (long c : counters) {
      n += c;
    }
    return n;
  }

  /**
   * @param strict the tunnel has no messages but data (VXLAN, GENEVE, GRE but PPTP, IP-in-IP): a
   *     packet that named the tunnel and entered no layer must have counted an error. Teredo, AYIYA,
   *     GTP-U and PPTP also have signalling (GTP-U echo and end marker, AYIYA heartbeats, PPTP
   *     acknowledgements): those stay on the outer flow uncounted, as any UDP or GRE packet.
   */
  private static void check(byte[] frame, boolean strict) {
    int capLen = frame.length;
    ts += 1_000_000L;
    byte[] padded = Arrays.copyOf(frame, capLen + 64);
    Arrays.fill(padded, capLen, padded.length, (byte) 0xa5);
    long decapBefore = sum(A.decapsulated);
    long errorsBefore = sum(A.tunnelErrors);
    long fragmentsBefore = DEFRAG_A.fragmentsSeen;
    DecodeResult ra = A.decode(frame, capLen, capLen, LinkType.ETHERNET, ts, PA);
    long decap = sum(A.decapsulated) - decapBefore;
    long errors = sum(A.tunnelErrors) - errorsBefore;
    DecodeResult rb = B.decode(padded, capLen, capLen, LinkType.ETHERNET, ts, PB);
    assertNotNull(ra, "no result: the packet would not be counted");
    decoded++;
    Wire.assertWithinBuffer(PA, ra, "tunnel frame");
    Wire.assertWithinBuffer(PB, rb, "tunnel frame, padded");
    assertEquals(ra, rb, "read past capLen?");
    assertArrayEquals(DecoderRobustnessTest.fields(PA), DecoderRobustnessTest.fields(PB), "read past capLen?");
    if (ra == DecodeResult.OK) {
      PacketDecoderFuzzTest.assertSymmetricHash(PA);
    }
    // counted: one decapsulation per tunnel layer entered, and a packet that reached a tunnel header
    // but came out with no layer has a tunnel error counted (a refusal, or the inner packet refused)
    assertTrue(PA.tunnelDepth >= 0 && PA.tunnelDepth <= A.tunnelSettings().maxDepth, "depth " + PA.tunnelDepth);
    // (an inner fragment held for reassembly counts as decapsulated while the packet stays outer)
    boolean innerFragment = DEFRAG_A.fragmentsSeen > fragmentsBefore;
    assertTrue(decap == PA.tunnelDepth || (innerFragment && decap == PA.tunnelDepth + 1),
        "decapsulations counted " + decap + ", depth " + PA.tunnelDepth);
    if (strict && ra == DecodeResult.OK && PA.tunnelDepth == 0 && PA.carries != null && !innerFragment) {
      assertTrue(errors >= 1, "a tunnel not entered but no error counted");
    }
    assertTrue(decap + errors <= A.tunnelSettings().maxDepth + 1L, "counted twice: " + decap + " + " + errors);
    for (int i = 0; i < PA.tunnelDepth; i++) {
      Wire.assertWithinBuffer(PA.outer[i], DecodeResult.OK, "outer layer " + i);
      assertTrue(PA.outer[i].carries != null, "outer layer " + i + " names its tunnel");
    }
  }
}
