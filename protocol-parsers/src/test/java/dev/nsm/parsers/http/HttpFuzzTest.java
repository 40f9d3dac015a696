package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Randomized mutation with a fixed seed: real and written-out conversations are damaged (bytes
 * flipped, HTTP tokens inserted, ranges cut or repeated, gaps added, directions swapped) and fed
 * whole, byte by byte and in random pieces. Whatever the damage: no exception, the same records for
 * every chunking, memory within the limits, and the whole run within a time bound.
 */
class HttpFuzzTest {
  private static final long SEED = 0x5eed_4177_7090L;
  private static final int MUTANTS = 1500;

  private static final String[] TOKENS = {"\r\n", "\n", "\r", "\r\n\r\n", " ", "\t", ":", "/", "%", "%u", "%%",
      "HTTP/1.1 ", "HTTP/1.0 200 OK\r\n", "HTTP/0.9", "GET / HTTP/1.1\r\n", "HEAD ", "CONNECT x:443 HTTP/1.1\r\n",
      "Content-Length: ", "Content-Length: 5\r\n", "Content-Length: -1\r\n", "Content-Length: 99999999999999999999\r\n",
      "Transfer-Encoding: chunked\r\n", "0\r\n\r\n", "ffffffffffffffffff\r\n", "7fffffffffffffff\r\n", "1a;x=y\r\n",
      "Content-Encoding: gzip\r\n", "Content-Encoding: deflate\r\n", "\u001f\u008b\u0008\u0000", "x\u009c",
      "Connection: close\r\n", "Connection: Upgrade\r\nUpgrade: websocket\r\n", "HTTP/1.1 101 Switching\r\n",
      "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 206 P\r\nContent-Range: bytes 0-9/10\r\n", "Authorization: Basic ",
      "dXNlcjpwYXNz", "X-Forwarded-For: 1.2.3.4\r\n", " folded\r\n", "\u0000", "\u00ff"};

  @Test
  void mutatedConversationsNeverBreakTheParser() throws IOException {
    List<List<Seg>> seeds = seeds();
    Random rnd = new Random(SEED);
    int[] fed = new int[1];
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      for (int m = 0; m < MUTANTS; m++) {
        List<Seg> base = seeds.get(rnd.nextInt(seeds.size()));
        List<Seg> mutant = mutate(base, rnd, 1 + rnd.nextInt(6));
        check(mutant, m);
        fed[0]++;
      }
    });
    assertEquals(MUTANTS, fed[0]);
  }

  @Test
  void randomBytesBothWays() {
    Random rnd = new Random(SEED + 1);
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int m = 0; m < 300; m++) {
        List<Seg> conv = new ArrayList<>();
        int n = 1 + rnd.nextInt(8);
        for (int k = 0; k < n; k++) {
          byte[] b = new byte[1 + rnd.nextInt(3000)];
          rnd.nextBytes(b);
          if (rnd.nextInt(3) == 0) { // sometimes make it start like HTTP
            byte[] head = (k % 2 == 0 ? "GET / HTTP/1.1\r\n" : "HTTP/1.1 200 OK\r\n").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(head, 0, b, 0, Math.min(head.length, b.length));
          }
          conv.add(new Seg(k % 2 == 0, b, 0));
        }
        check(conv, m);
      }
    });
  }

  // ---------------------------------------------------------------- one mutant

  private record Seg(boolean fromClient, byte[] data, long gap) {}

  private static void check(List<Seg> conv, int id) {
    String whole = null;
    HttpFeeder.Chunking[] chunkings = {HttpFeeder.Chunking.whole(), HttpFeeder.Chunking.oneByte(),
        HttpFeeder.Chunking.random(id)};
    for (HttpFeeder.Chunking ch : chunkings) {
      HttpParserContext ctx = new HttpParserContext();
      List<HttpTransaction> tx = new ArrayList<>();
      HttpConnectionParser p = new HttpConnectionParser(ctx, tx::add);
      long maxRetained = 0;
      int maxPending = 0;
      try {
        for (Seg s : conv) {
          if (s.data == null) {
            p.onGap(s.fromClient, s.gap);
          } else {
            HttpFeeder.feed(p, s.fromClient, s.data, 1, ch);
          }
          maxRetained = Math.max(maxRetained, p.retainedBytes());
          maxPending = Math.max(maxPending, p.pendingTransactions());
        }
        p.onClose();
      } catch (RuntimeException e) {
        fail("mutant " + id + " threw: " + describe(conv), e);
      }
      assertTrue(maxRetained <= 4L * ctx.maxLineLength + 1024, "mutant " + id + " retained " + maxRetained);
      assertTrue(maxPending <= ctx.maxPendingRequests + 2, "mutant " + id + " pending " + maxPending);
      StringBuilder b = new StringBuilder();
      for (HttpTransaction t : tx) {
        b.append(t).append('\n');
      }
      if (whole == null) {
        whole = b.toString();
      } else {
        assertEquals(whole, b.toString(), "mutant " + id + ": records depend on the chunking: " + describe(conv));
      }
    }
  }

  private static String describe(List<Seg> conv) {
    StringBuilder b = new StringBuilder();
    for (Seg s : conv) {
      b.append(s.fromClient ? "C " : "S ");
      if (s.data == null) {
        b.append("gap ").append(s.gap);
      } else {
        String t = new String(s.data, StandardCharsets.ISO_8859_1);
        b.append('"').append(t.length() > 300 ? t.substring(0, 300) + "..." : t).append('"');
      }
      b.append('\n');
    }
    return b.toString().replace("\r", "\\r").replace("\n\"", "\\n\"");
  }

  private static List<Seg> mutate(List<Seg> base, Random rnd, int edits) {
    List<Seg> out = new ArrayList<>(base);
    for (int e = 0; e < edits; e++) {
      int i = rnd.nextInt(out.size());
      Seg s = out.get(i);
      if (s.data == null || s.data.length == 0) {
        continue;
      }
      byte[] d = s.data;
      int at = rnd.nextInt(d.length);
      switch (rnd.nextInt(9)) {
        case 0: { // flip bytes
          d = d.clone();
          for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
            d[rnd.nextInt(d.length)] ^= (byte) (1 << rnd.nextInt(8));
          }
          break;
        }
        case 1:
        case 2: { // insert an HTTP token
          byte[] t = TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1);
          d = concat(Arrays.copyOf(d, at), t, Arrays.copyOfRange(d, at, d.length));
          break;
        }
        case 3: { // delete a range
          int len = Math.min(d.length - at, 1 + rnd.nextInt(40));
          d = concat(Arrays.copyOf(d, at), Arrays.copyOfRange(d, at + len, d.length));
          break;
        }
        case 4: { // repeat a range
          int len = Math.min(d.length - at, 1 + rnd.nextInt(200));
          byte[] r = Arrays.copyOfRange(d, at, at + len);
          d = concat(Arrays.copyOf(d, at + len), r, Arrays.copyOfRange(d, at, d.length));
          break;
        }
        case 5: // cut the segment short
          d = Arrays.copyOf(d, at);
          break;
        case 6: // a gap instead of part of the segment
          out.set(i, new Seg(s.fromClient, Arrays.copyOf(d, at), 0));
          out.add(i + 1, new Seg(s.fromClient, null, 1 + rnd.nextInt(2000)));
          out.add(i + 2, new Seg(s.fromClient, Arrays.copyOfRange(d, Math.min(d.length, at + 1 + rnd.nextInt(20)), d.length), 0));
          continue;
        case 7: // the other direction
          out.set(i, new Seg(!s.fromClient, d, 0));
          continue;
        default: { // a very long line
          byte[] t = new byte[9000 + rnd.nextInt(70_000)];
          Arrays.fill(t, (byte) ('a' + rnd.nextInt(26)));
          d = concat(Arrays.copyOf(d, at), t, Arrays.copyOfRange(d, at, d.length));
        }
      }
      out.set(i, new Seg(s.fromClient, d, 0));
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  // ---------------------------------------------------------------- seeds

  private static List<List<Seg>> seeds() throws IOException {
    List<List<Seg>> seeds = new ArrayList<>();
    seeds.add(conv(true, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 C\r\n\r\n"));
    seeds.add(conv(true, "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n0\r\nT: 1\r\n\r\n",
        false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    seeds.add(conv(true, "CONNECT h:443 HTTP/1.1\r\n\r\n", false, "HTTP/1.1 200 OK\r\n\r\n\u0016\u0003\u0001",
        true, "\u0016\u0003\u0001\u0000\u0001x"));
    seeds.add(conv(true, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0001x"));
    seeds.add(conv(true, "GET /old\r\n", false, "<html>raw</html>"));
    seeds.add(conv(true, "GET / HTTP/1.0\r\n\r\n", false, "HTTP/1.0 200 OK\r\n\r\nline one\nline two\r\n"));
    seeds.add(conv(true, "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
        false, "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"));
    byte[] gz = HttpConnectionParserTest.gzip("hello hello hello hello".repeat(50).getBytes(StandardCharsets.US_ASCII));
    List<Seg> gzConv = new ArrayList<>(conv(true, "GET /z HTTP/1.1\r\n\r\n",
        false, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gz.length + "\r\n\r\n"));
    gzConv.add(new Seg(false, gz, 0));
    seeds.add(gzConv);
    // the project's captures and, when present, the corpus' Zeek HTTP captures
    for (String f : List.of("http-pipelining.pcap", "http-chunked.pcap", "http-8080.pcap")) {
      seeds.addAll(fromCapture(Corpus.repoRoot().resolve("testdata").resolve(f)));
    }
    Path corpus = Corpus.dir();
    if (Files.isDirectory(corpus)) {
      try (Stream<Path> s = Files.list(corpus)) {
        for (Path d : s.filter(p -> p.getFileName().toString().startsWith("zeek-scripts.base.protocols.http."))
            .sorted().toList()) {
          seeds.addAll(fromCapture(Corpus.capture(d)));
        }
      }
    }
    return seeds;
  }

  private static List<Seg> conv(Object... steps) {
    List<Seg> out = new ArrayList<>();
    for (int k = 0; k < steps.length; k += 2) {
      out.add(new Seg((Boolean) steps[k], ((String) steps[k + 1]).getBytes(StandardCharsets.ISO_8859_1), 0));
    }
    return out;
  }

  private static List<List<Seg>> fromCapture(Path pcap) throws IOException {
    List<List<Seg>> out = new ArrayList<>();
    for (TcpStreams.Conn c : TcpStreams.read(pcap)) {
      boolean aIsClient = c.aIsClient();
      List<Seg> conv = new ArrayList<>();
      for (TcpStreams.Segment s : c.segments) {
        conv.add(new Seg(s.fromA() == aIsClient, s.data(), s.gap()));
      }
      if (!conv.isEmpty() && conv.size() <= 400) {
        out.add(conv);
      }
    }
    return out;
  }
}
