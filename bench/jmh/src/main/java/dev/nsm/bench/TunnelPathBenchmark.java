package dev.nsm.bench;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.LinkType;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.parsers.packet.TunnelSettings;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-packet path of a VXLAN packet, one packet per invocation: the slice of
 * {@link PacketPathBenchmark} (an Ethernet capture) with every frame wrapped, once at setup, in
 * Ethernet / IPv4 / UDP (source port from the inner flow hash, as Linux does; destination 4789) /
 * VXLAN, then decoded (outer layer kept, inner decoded in place), the outer flow updated in its own
 * table as the ingest thread does (its uid is the inner flow's parent), then the inner flow, as its
 * worker does. Target: ≈ 0 B/op with {@code -prof gc} apart from the records (one per
 * flow, inner and outer: records/op is printed beside B/op, as for native packets).
 *
 * <ul>
 *   <li>{@code vxlanDecode}: decoding alone.
 *   <li>{@code vxlanDecodeAndFlow}: decoding, the parent uid and both flow updates.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TunnelPathBenchmark {

  /** The slice's frames wrapped in VXLAN (Ethernet captures only). */
  @State(Scope.Benchmark)
  public static class Wrapped {
    byte[][] frames;
    long[] tsNanos;
    long spanNanos;

    @Setup(Level.Trial)
    public void wrap(PacketPathBenchmark.Corpus corpus) {
      PcapCorpus k = corpus.packets;
      if (k.linkType != LinkType.ETHERNET) {
        throw new IllegalStateException("TunnelPathBenchmark needs an Ethernet capture, not link type " + k.linkType);
      }
      PacketDecoder d = new PacketDecoder(null);
      DecodedPacket p = new DecodedPacket();
      frames = new byte[k.packets.length][];
      tsNanos = k.tsNanos;
      spanNanos = k.spanNanos;
      for (int i = 0; i < frames.length; i++) {
        byte[] inner = k.packets[i];
        d.decode(inner, inner.length, inner.length, k.linkType, 0, p);
        frames[i] = vxlan(inner, 49152 + ((p.flowHash & 0x7fffffff) % 16384));
      }
    }

    /** Ethernet | IPv4 192.0.2.1 -> 192.0.2.2 | UDP sport -> 4789 | VXLAN (I, VNI 100) | inner frame. */
    static byte[] vxlan(byte[] inner, int sport) {
      int udpLen = 8 + 8 + inner.length;
      int ipLen = 20 + udpLen;
      byte[] f = new byte[14 + ipLen];
      f[12] = 0x08;
      f[14] = 0x45;
      f[16] = (byte) (ipLen >>> 8);
      f[17] = (byte) ipLen;
      f[22] = 64;
      f[23] = 17;
      f[26] = (byte) 192;
      f[28] = 2;
      f[29] = 1;
      f[30] = (byte) 192;
      f[32] = 2;
      f[33] = 2;
      f[34] = (byte) (sport >>> 8);
      f[35] = (byte) sport;
      f[36] = (byte) (4789 >>> 8);
      f[37] = (byte) 4789;
      f[38] = (byte) (udpLen >>> 8);
      f[39] = (byte) udpLen;
      f[42] = 0x08;
      f[48] = 0;
      f[49] = 100;
      System.arraycopy(inner, 0, f, 50, inner.length);
      return f;
    }
  }

  @State(Scope.Thread)
  public static class Worker {
    PacketDecoder decoder;
    DecodedPacket pkt;
    FlowTable flows;
    /** The ingest thread's table of outer flows. */
    FlowTable outerFlows;
    final PacketPathBenchmark.CountingSink sink = new PacketPathBenchmark.CountingSink();
    int next;
    long shift;
    long roundShift;
    long notInTunnel;
    long emittedBefore;

    @Setup(Level.Iteration)
    public void startIteration() {
      emittedBefore = sink.emitted;
    }

    @Setup(Level.Trial)
    public void setUp(Wrapped w) {
      decoder = new PacketDecoder(new IpDefragmenter(), TunnelSettings.defaults());
      pkt = new DecodedPacket();
      flows = new FlowTable(FlowConfig.defaults(), sink, new FlowCounters());
      outerFlows = new FlowTable(FlowConfig.defaults(), sink, new FlowCounters());
      roundShift = w.spanNanos + TimeUnit.HOURS.toNanos(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      outerFlows.flushAll();
      flows.flushAll();
      System.out.printf("%n# packets not decapsulated: %d of the invocations%n", notInTunnel);
    }

    /**
     * The next packet's index. A new round's time shift starts with its first packet: shifting already
     * for the last packet of a round (as this did before) sent every later round's packets up to a
     * span back in time, so that their flows timed out at once, a record per few packets.
     */
    int advance(int n) {
      if (next == n) {
        next = 0;
        shift += roundShift;
      }
      return next++;
    }
  }

  @Benchmark
  public int vxlanDecode(Wrapped c, Worker w, PacketPathBenchmark.Records records) {
    records.packets++;
    int i = w.advance(c.frames.length);
    byte[] b = c.frames[i];
    w.decoder.decode(b, b.length, b.length, LinkType.ETHERNET, c.tsNanos[i] + w.shift, w.pkt);
    return w.pkt.flowHash;
  }

  @Benchmark
  public int vxlanDecodeAndFlow(Wrapped c, Worker w, PacketPathBenchmark.Records records) {
    records.packets++;
    int i = w.advance(c.frames.length);
    byte[] b = c.frames[i];
    long ts = c.tsNanos[i] + w.shift;
    DecodedPacket p = w.pkt;
    DecodeResult r = w.decoder.decode(b, b.length, b.length, LinkType.ETHERNET, ts, p);
    w.outerFlows.advanceTime(ts);
    w.flows.advanceTime(ts);
    if (r != DecodeResult.OK) {
      return 0;
    }
    if (p.tunnelDepth == 0) {
      w.notInTunnel++;
    } else {
      // as Ingest then FlowWorker: the outer flow (whose uid is the parent), then the inner one
      w.outerFlows.onPacket(p.outer[0]);
      p.parentUid = w.outerFlows.lastFlowUid();
    }
    w.flows.onPacket(p);
    records.records = w.sink.emitted - w.emittedBefore;
    return p.flowHash;
  }
}
