package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.Hellos.concat;
import static dev.nsm.parsers.tls.Hellos.handshake;
import static dev.nsm.parsers.tls.Hellos.record;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized mutation with a fixed seed: real and hand-built handshakes with bytes flipped, length
 * fields set to 0x00/0xff, ranges inserted, deleted and cut, fed in random chunks with random gaps.
 * No exception may escape, every list stays within its bound, and every issue is counted. A failure
 * prints the seed and the input as hex, to become a test case.
 */
class TlsMutationTest {
  private static final long SEED = 0x7e57_0f_71_5L;
  private static final int ROUNDS = Integer.getInteger("tls.mutation.rounds", 4000);

  /** Two byte streams of one connection: [0] from the client, [1] from the server. */
  private static List<byte[][]> seeds() throws Exception {
    List<byte[][]> out = new ArrayList<>();
    byte[] ch = TlsStreamParserTest.clientHelloRecord();
    byte[] sh12 = record(22, 0x0303, concat(TlsStreamParserTest.serverHello12(Hellos.fill(32, 1), 0xc02f),
        handshake(11, Hellos.certificateBody(TlsStreamParserTest.EC_CERT, TlsStreamParserTest.RSA_CERT)),
        TlsStreamParserTest.ske(29), handshake(14, new byte[0])));
    byte[] ccs = record(20, 0x0303, new byte[] {1});
    byte[] fin = record(22, 0x0303, Hellos.fill(40, 7));
    out.add(new byte[][] {concat(ch, record(22, 0x0303, handshake(16, Hellos.fill(33, 2))), ccs, fin),
        concat(sh12, ccs, fin, record(23, 0x0303, Hellos.fill(30, 3)))});
    byte[] sh13 = record(22, 0x0303, handshake(2, new Hellos.Builder().cipher(0x1301).selectedVersion(0x0304)
        .keyShare(29).pskSelected(0).serverHelloBody()));
    out.add(new byte[][] {concat(ch, ccs, record(23, 0x0303, Hellos.fill(60, 4))),
        concat(sh13, ccs, record(23, 0x0303, Hellos.fill(200, 5)), record(21, 0x0303, new byte[] {2, 40}))});
    // real handshakes from the corpus, when it is there
    Path dir = Corpus.dir();
    if (dir != null) {
      for (String c : new String[] {"tls", "zeek-scripts.base.protocols.ssl.basic", "bug-5758",
          "sslv2-tls-upgrade-01--ssl-v2-s1", "tls-alpn-log-detect-02"}) {
        for (TcpStreams.Conn conn : TcpStreams.read(Corpus.capture(dir.resolve(c)))) {
          byte[] a = conn.stream(true);
          byte[] b = conn.stream(false);
          if (a.length > 0 && b.length > 0) {
            out.add(new byte[][] {Arrays.copyOf(a, Math.min(a.length, 8000)), Arrays.copyOf(b, Math.min(b.length, 8000))});
          }
        }
      }
    }
    return out;
  }

  @Test
  void mutatedHandshakesNeverThrow() throws Exception {
    List<byte[][]> seeds = seeds();
    Random rnd = new Random(SEED);
    TlsCounters counters = new TlsCounters();
    long issues = 0;
    for (int round = 0; round < ROUNDS; round++) {
      byte[][] base = seeds.get(rnd.nextInt(seeds.size()));
      byte[][] conn = {mutate(base[0], rnd), mutate(base[1], rnd)};
      long chunkSeed = rnd.nextLong();
      try {
        TlsStreamParser p = new TlsStreamParser(counters);
        feedRandomly(p, conn, new Random(chunkSeed));
        TlsSession s = p.session();
        // every accessor on whatever came out
        for (ClientHello h : s.clientHellos()) {
          h.ja3();
          h.ja4();
          h.ja4('t', true, true);
          h.maxVersion();
        }
        for (ServerHello h : s.serverHellos()) {
          h.ja3s();
        }
        s.versionName();
        s.cipherName();
        s.curveName();
        s.certChainFps();
        s.lastAlert();
        s.subject();
        assertTrue(s.clientHellos().size() <= TlsSession.MAX_HELLOS);
        assertTrue(s.serverHellos().size() <= TlsSession.MAX_HELLOS);
        assertTrue(s.serverCertificates().size() <= TlsSession.MAX_CERTIFICATES);
        assertTrue(s.alerts().size() <= TlsSession.MAX_ALERTS);
        issues += s.issues().size();
      } catch (RuntimeException | AssertionError e) {
        fail("round " + round + " (seed " + SEED + ", chunk seed " + chunkSeed + ")\nclient "
            + HexFormat.of().formatHex(conn[0]) + "\nserver " + HexFormat.of().formatHex(conn[1]), e);
      }
    }
    assertTrue(counters.total() >= issues, "each issue of a session is counted");
    assertTrue(issues > ROUNDS / 4, "the mutations reach the malformation paths: " + issues);
  }

  static byte[] mutate(byte[] in, Random rnd) {
    byte[] b = in.clone();
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n && b.length > 0; i++) {
      int at = rnd.nextInt(b.length);
      switch (rnd.nextInt(7)) {
        case 0: // flip bits
          b[at] ^= (byte) (1 << rnd.nextInt(8));
          break;
        case 1: // a length field lies high
          for (int k = at; k < Math.min(b.length, at + 1 + rnd.nextInt(3)); k++) {
            b[k] = (byte) 0xff;
          }
          break;
        case 2: // or low
          for (int k = at; k < Math.min(b.length, at + 1 + rnd.nextInt(3)); k++) {
            b[k] = 0;
          }
          break;
        case 3: { // insert random bytes
          byte[] ins = new byte[1 + rnd.nextInt(20)];
          rnd.nextBytes(ins);
          b = concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
          break;
        }
        case 4: { // delete a range
          int end = Math.min(b.length, at + 1 + rnd.nextInt(40));
          b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, end, b.length));
          break;
        }
        case 5: // cut
          b = Arrays.copyOf(b, at);
          break;
        default: // random byte
          b[at] = (byte) rnd.nextInt(256);
      }
    }
    return b;
  }

  /** Both sides in random chunks, interleaved, now and then a gap, then close. */
  static void feedRandomly(TlsStreamParser p, byte[][] conn, Random rnd) {
    int[] at = {0, 0};
    while (at[0] < conn[0].length || at[1] < conn[1].length) {
      int side = at[0] >= conn[0].length ? 1 : at[1] >= conn[1].length ? 0 : rnd.nextInt(2);
      byte[] b = conn[side];
      int len = Math.min(b.length - at[side], 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 600));
      if (rnd.nextInt(40) == 0) {
        p.onGap(side == 0, len);
      } else {
        p.feed(side == 0, b, at[side], len);
      }
      at[side] += len;
    }
    if (rnd.nextBoolean()) {
      p.onClose();
    }
    // argument abuse is ignored, not thrown
    p.feed(true, null, 0, 5);
    p.feed(true, conn[0], -1, 3);
    p.feed(false, conn[1], 0, conn[1].length + 1);
    p.onGap(true, -5);
  }
}
