package dev.nsm.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.cli.Main;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.output.JsonLines;
import dev.nsm.sensor.pipeline.Pipeline;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live read path ({@link LiveInterface#read}: {@code pcap_next_ex} through JNA's direct mapping,
 * the header read from native memory, the packet copied into a claimed ring slot) without root: on
 * a libpcap offline handle, which hands packets over exactly as a live one does. It must give what
 * the pure-Java readers give, and allocate nothing per packet.
 */
class LibpcapReadPathTest {
  @TempDir
  Path tmp;

  @BeforeAll
  static void libpcap() {
    if (LibPcap.loadError() != null) {
      if (Boolean.getBoolean("sensor.live.required")) {
        fail(LibPcap.loadError());
      }
      Assumptions.abort(LibPcap.loadError());
    }
  }

  /** Every capture in testdata/: the same flow and stats lines as {@code sensor replay}. */
  @Test
  void sameRecordsAsTheJavaReaders() throws Exception {
    List<Path> captures;
    try (Stream<Path> s = Files.list(repoRoot().resolve("testdata"))) {
      captures = s.filter(p -> p.toString().endsWith(".pcap")).sorted().collect(Collectors.toList());
    }
    assertTrue(captures.size() >= 10, "testdata captures: " + captures);
    for (Path pcap : captures) {
      List<String> viaLibpcap = throughLibpcap(pcap);
      List<String> viaReplay = replay(pcap);
      assertEquals(viaReplay, viaLibpcap, pcap.getFileName().toString());
    }
  }

  private static List<String> throughLibpcap(Path pcap) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonLines json = new JsonLines(bytes);
    RecordRing records = new RecordRing(1024, json);
    Pipeline pipeline = new Pipeline(2, 1 << 16, FlowConfig.defaults().withMaxFlows(1000), records);
    try (LiveInterface itf = LiveInterface.openOffline(pcap)) {
      while (itf.failure == null) {
        itf.read(pipeline.ingest(), LiveCapture.BATCH);
      }
      assertEquals("capture ended", itf.failure);
      assertEquals(0, pipeline.counters().ringDrops, "the ring holds every packet of a small file");
    }
    pipeline.finish();
    records.emit(Event.newBuilder().setStats(pipeline.stats(pipeline.counters().lastTsNanos)).build());
    records.close();
    json.close();
    return sortedLines(bytes.toString(StandardCharsets.UTF_8));
  }

  private static List<String> replay(Path pcap) throws IOException {
    Path out = Files.createTempFile("replay", ".jsonl");
    try {
      StringWriter err = new StringWriter();
      int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "replay", pcap.toString(),
          "--out", out.toString(), "--workers", "2", "--no-progress");
      assertEquals(0, code, err.toString());
      return sortedLines(Files.readString(out));
    } finally {
      Files.delete(out);
    }
  }

  private static List<String> sortedLines(String s) {
    List<String> lines = new ArrayList<>(s.lines().filter(l -> !l.isBlank()).collect(Collectors.toList()));
    lines.sort(null);
    return lines;
  }

  /**
   * Allocation on the capture thread, measured with the JVM's per-thread allocation counter over
   * 200,000 packets after a warm-up (and its CPU time per packet, printed): the direct path allocates nothing per packet. pcap4j's own raw
   * read ({@code getNextRawPacketEx}: a new byte[] plus a timestamp object per packet) is measured
   * beside it and printed, for the record.
   */
  @Test
  void readPathAllocatesNothingPerPacket() throws Exception {
    int n = 200_000;
    Path pcap = syntheticUdp(tmp.resolve("udp.pcap"), n);
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();

    RecordRing records = new RecordRing(1024, e -> { });
    Pipeline pipeline = new Pipeline(1, 1 << 12, FlowConfig.defaults().withMaxFlows(1000), records);
    int rounds = Integer.getInteger("readpath.rounds", 3);
    double[] bytesPerPacket = new double[rounds];
    double[] nsPerPacket = new double[rounds];
    for (int round = 0; round < rounds; round++) { // round 0 warms up the JIT
      try (LiveInterface itf = LiveInterface.openOffline(pcap)) {
        long a0 = mx.getThreadAllocatedBytes(tid);
        long t0 = mx.getCurrentThreadCpuTime();
        long read = 0;
        while (itf.failure == null) {
          read += Math.max(0, itf.read(pipeline.ingest(), LiveCapture.BATCH));
        }
        nsPerPacket[round] = (mx.getCurrentThreadCpuTime() - t0) / (double) read;
        bytesPerPacket[round] = (mx.getThreadAllocatedBytes(tid) - a0) / (double) read;
        assertEquals(n, read);
      }
    }
    double[] pcap4jBytes = new double[3];
    double[] pcap4jNs = new double[3];
    for (int round = 0; round < 3; round++) {
      try (LiveInterface itf = LiveInterface.openOffline(pcap)) {
        org.pcap4j.core.PcapHandle h = itf.pcap4jHandle();
        long a0 = mx.getThreadAllocatedBytes(tid);
        long t0 = mx.getCurrentThreadCpuTime();
        long read = 0;
        long sink = 0;
        while (true) {
          try {
            byte[] b = h.getNextRawPacketEx();
            sink += b.length + h.getTimestamp().getNanos();
            read++;
          } catch (java.io.EOFException e) {
            break;
          }
        }
        pcap4jNs[round] = (mx.getCurrentThreadCpuTime() - t0) / (double) read;
        pcap4jBytes[round] = (mx.getThreadAllocatedBytes(tid) - a0) / (double) read;
        assertTrue(sink > 0);
      }
    }
    pipeline.finish();
    records.close();
    System.out.printf("direct path, least CPU per packet over rounds 2..%d: %.1f ns%n", rounds,
        java.util.Arrays.stream(nsPerPacket, 1, rounds).min().orElse(0));
    System.out.printf("read path, %d packets of %d bytes from a file via libpcap (rounds 2 and 3; CPU time of the reading thread):%n", n, UDP_FRAME);
    System.out.printf("  direct pcap_next_ex into the ring (incl. decode): %.1f / %.1f ns/packet, %.3f / %.3f B/packet%n",
        nsPerPacket[1], nsPerPacket[2], bytesPerPacket[1], bytesPerPacket[2]);
    System.out.printf("  pcap4j getNextRawPacketEx (read only):            %.1f / %.1f ns/packet, %.1f / %.1f B/packet%n",
        pcap4jNs[1], pcap4jNs[2], pcap4jBytes[1], pcap4jBytes[2]);
    assertTrue(bytesPerPacket[rounds - 1] < 1.0, "bytes allocated per packet on the capture thread: " + bytesPerPacket[2]);
  }

  static final int UDP_FRAME = 14 + 20 + 8 + 64;

  /**
   * A classic pcap (nanosecond magic) of {@code n} Ethernet/IPv4/UDP frames, 10.0.x.y:port → 10.1.0.1:53,
   * each with its own source port so that flows spread over the table.
   */
  static Path syntheticUdp(Path file, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(24 + n * (16 + UDP_FRAME)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
    long t = 1_700_000_000L * 1_000_000_000L;
    for (int i = 0; i < n; i++) {
      t += 1000;
      b.putInt((int) (t / 1_000_000_000L)).putInt((int) (t % 1_000_000_000L)).putInt(UDP_FRAME).putInt(UDP_FRAME);
      ByteBuffer f = ByteBuffer.allocate(UDP_FRAME); // network order
      f.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6}).putShort((short) 0x0800);
      f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + 64)).putShort((short) i).putShort((short) 0)
          .put((byte) 64).put((byte) 17).putShort((short) 0)
          .put(new byte[] {10, 0, (byte) (i >> 8), (byte) i}).put(new byte[] {10, 1, 0, 1});
      f.putShort((short) (1024 + (i % 60000))).putShort((short) 53).putShort((short) (8 + 64)).putShort((short) 0);
      b.put(f.array());
    }
    Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
    return file;
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("sensor.repo.root", "..")).toAbsolutePath().normalize();
  }
}
