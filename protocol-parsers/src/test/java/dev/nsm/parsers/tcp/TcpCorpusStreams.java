package dev.nsm.parsers.tcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the TCP segments of a corpus capture, and tshark's "follow TCP stream" of them, with tshark
 * (an independent decoder: the reassembler is fed what tshark saw, and compared with what tshark's
 * own stream follower makes of it).
 */
final class TcpCorpusStreams {
  static final Path CORPUS = Path.of(System.getProperty("corpus.dir", "/work/shared/testdata"));

  /** One TCP packet as tshark decoded it. */
  record Packet(int stream, String src, long seq, long ack, int flags, int tcpLen, byte[] payload, long tsNanos) {
    boolean syn() {
      return (flags & 0x02) != 0;
    }

    boolean fin() {
      return (flags & 0x01) != 0;
    }

    boolean rst() {
      return (flags & 0x04) != 0;
    }

    boolean ackFlag() {
      return (flags & 0x10) != 0;
    }
  }

  /** One direction's content by tshark's follow: data bytes and gaps in order, as events. */
  static final class Followed {
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    final List<long[]> gaps = new ArrayList<>(); // {offset, bytes}
    long offset;
  }

  static boolean tsharkAvailable() {
    try {
      Process p = new ProcessBuilder("tshark", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static Path capture(String name) throws IOException {
    Path dir = CORPUS.resolve(name);
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("capture.")).findFirst()
          .orElseThrow(() -> new IOException("no capture in " + dir));
    }
  }

  /** The TCP packets of a capture, grouped by tshark's stream index, in capture order. */
  static Map<Integer, List<Packet>> packets(Path pcap) throws IOException {
    String out = run("tshark", "-r", pcap.toString(), "-o", "tcp.desegment_tcp_streams:FALSE",
        "-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=f", "-e", "tcp.stream",
        "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw",
        "-e", "tcp.flags", "-e", "tcp.len", "-e", "tcp.payload", "-e", "frame.time_epoch");
    Map<Integer, List<Packet>> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length < 10 || f[0].isEmpty() || f[4].isEmpty() || f[5].isEmpty() || f[7].isEmpty()) {
        continue; // a header tshark could not decode (malformed): no segment to feed
      }
      int stream = Integer.parseInt(f[0]);
      String src = (f[1].isEmpty() ? f[2] : f[1]) + ":" + f[3];
      byte[] payload = f[8].isEmpty() ? new byte[0] : HexFormat.of().parseHex(f[8].replace(":", ""));
      String[] t = f[9].split("\\.");
      long ts = Long.parseLong(t[0]) * 1_000_000_000L + Long.parseLong((t[1] + "000000000").substring(0, 9));
      m.computeIfAbsent(stream, k -> new ArrayList<>()).add(new Packet(stream, src, Long.parseLong(f[4]),
          Long.parseLong(f[5]), Integer.decode(f[6]), Integer.parseInt(f[7]), payload, ts));
    }
    return m;
  }

  private static final Pattern MISSING = Pattern.compile("\\[(\\d+) bytes missing in capture file\\]\0?");

  /** tshark's follow of one stream: [0] node 0 (the first packet's sender), [1] node 1. */
  static Followed[] follow(Path pcap, int stream) throws IOException {
    String out = run("tshark", "-r", pcap.toString(), "-q", "-z", "follow,tcp,raw," + stream);
    Followed[] f = {new Followed(), new Followed()};
    boolean body = false;
    for (String line : out.split("\n")) {
      if (line.startsWith("Node 1:")) {
        body = true;
        continue;
      }
      if (!body || line.startsWith("=====") || line.isBlank()) {
        continue;
      }
      Followed d = f[line.startsWith("\t") ? 1 : 0];
      byte[] chunk = HexFormat.of().parseHex(line.strip());
      Matcher mm = MISSING.matcher(new String(chunk, StandardCharsets.ISO_8859_1));
      if (mm.matches()) {
        long n = Long.parseLong(mm.group(1));
        d.gaps.add(new long[] {d.offset, n});
        d.offset += n;
      } else {
        d.data.write(chunk, 0, chunk.length);
        d.offset += chunk.length;
      }
    }
    return f;
  }

  private static String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("failed: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  private TcpCorpusStreams() {}
}
