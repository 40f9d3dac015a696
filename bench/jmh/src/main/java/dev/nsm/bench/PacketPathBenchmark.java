package dev.nsm.bench;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.app.AppConfig;
import dev.nsm.sensor.app.AppCounters;
import dev.nsm.sensor.app.AppLayer;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import dev.nsm.sensor.pipeline.RecordSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-packet path of a flow worker, one packet per invocation: decode in place into a reused
 * {@link DecodedPacket}, then update the flow table. Run with {@code -prof gc}: the target is
 * {@code gc.alloc.rate.norm} ≈ 0 B/op (DESIGN.md, hot-path rules).
 *
 * <p>The packets come from a small capture loaded once ({@code -p pcap=FILE}, classic pcap; bench/jmh.sh
 * cuts one from the bench capture). The corpus is replayed in a loop; each new round is shifted in
 * time by its span plus one hour, so every flow of the previous round has timed out and is emitted
 * when the round starts again: every round sees the same flow table and the same work. Records are
 * allocated per flow, not per packet (allowed by the design); {@link Records} counts them so that a
 * B/op above zero can be told apart: bytes per record times records/op is the share of the records.
 *
 * <ul>
 *   <li>{@code decode}: decoding alone (the parsers module).
 *   <li>{@code decodeAndFlow}: decoding and {@link FlowTable#onPacket} without the application layer.
 *   <li>{@code decodeFlowAndApp}: the same with the application layer (TCP reassembly, detection, the
 *       DNS, TLS, HTTP parsers, their records): the worker's whole per-packet work. dns, tls, http
 *       and notice records count as records too.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PacketPathBenchmark {

  /** The capture, loaded once per fork. */
  @State(Scope.Benchmark)
  public static class Corpus {
    /** Classic pcap file to replay (bench/jmh.sh passes a 100 000-packet slice of the bench capture). */
    @Param({"bench-slice.pcap"})
    public String pcap;

    /** At most this many packets are loaded. */
    @Param({"100000"})
    public int maxPackets;

    PcapCorpus packets;

    @Setup(Level.Trial)
    public void load() throws IOException {
      packets = PcapCorpus.load(Path.of(pcap), maxPackets);
      System.out.printf("%n# corpus: %s, %d packets, %d bytes, link type %d, span %.1f s%n",
          pcap, packets.packets.length, packets.totalBytes, packets.linkType, packets.spanNanos / 1e9);
    }
  }

  /**
   * Records emitted and packets fed in an iteration, as JMH secondary results: records / packets is
   * the records per op (bench/jmh.sh prints it next to the time and B/op).
   */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Records {
    public long records;
    public long packets;

    @Setup(Level.Iteration)
    public void start() {
      packets = 0;
      records = 0;
    }
  }

  /** The flow table's record sink: counts, keeps nothing. */
  static final class CountingSink implements RecordSink {
    long emitted;

    @Override
    public void emit(Event event) {
      emitted++;
    }
  }

  /** One flow worker's state: decoder, reused packet struct, flow table, and the replay cursor. */
  @State(Scope.Thread)
  public static class Worker {
    PacketDecoder decoder;
    DecodedPacket pkt;
    FlowTable flows;
    FlowCounters counters;
    /** A second table with the application layer, for {@code decodeFlowAndApp}. */
    FlowTable appFlows;
    final CountingSink sink = new CountingSink();
    /** Records emitted before this iteration (JMH gives a fixture its own instance of a dependency,
     *  so {@link Records} cannot look at this state itself). */
    long emittedBefore;
    /** Next packet, and the time shift of the current round. */
    int next;
    long shift;
    long roundShift;
    /** Outcomes other than OK, so a corpus the decoder rejects is noticed (printed at the end). */
    long notOk;

    @Setup(Level.Trial)
    public void setUp(Corpus corpus) {
      decoder = new PacketDecoder(new IpDefragmenter());
      pkt = new DecodedPacket();
      counters = new FlowCounters();
      flows = new FlowTable(FlowConfig.defaults(), sink, counters);
      appFlows = new FlowTable(FlowConfig.defaults(), sink, new FlowCounters(),
          new AppLayer(AppConfig.defaults(), sink, new AppCounters()));
      next = 0;
      shift = 0;
      roundShift = corpus.packets.spanNanos + TimeUnit.HOURS.toNanos(1);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      emittedBefore = sink.emitted;
    }

    @TearDown(Level.Trial)
    public void tearDown(Corpus corpus) {
      flows.flushAll();
      appFlows.flushAll();
      System.out.printf("%n# packets not decoded OK: %d of the invocations%n", notOk);
    }

    /** The next packet's index; wraps around and shifts time by one round. */
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
  public int decode(Corpus c, Worker w, Records records) {
    records.packets++;
    PcapCorpus k = c.packets;
    int i = w.advance(k.packets.length);
    byte[] b = k.packets[i];
    DecodeResult r = w.decoder.decode(b, b.length, k.wireLen[i], k.linkType, k.tsNanos[i] + w.shift, w.pkt);
    if (r != DecodeResult.OK) {
      w.notOk++;
    }
    return w.pkt.flowHash;
  }

  @Benchmark
  public int decodeAndFlow(Corpus c, Worker w, Records records) {
    records.packets++;
    PcapCorpus k = c.packets;
    int i = w.advance(k.packets.length);
    byte[] b = k.packets[i];
    long ts = k.tsNanos[i] + w.shift;
    DecodeResult r = w.decoder.decode(b, b.length, k.wireLen[i], k.linkType, ts, w.pkt);
    // as FlowWorker does: the packet clock advances on every packet, then the flow is updated
    w.flows.advanceTime(ts);
    if (r == DecodeResult.OK) {
      w.flows.onPacket(w.pkt);
    } else {
      w.notOk++;
    }
    records.records = w.sink.emitted - w.emittedBefore;
    return w.pkt.flowHash;
  }

  @Benchmark
  public int decodeFlowAndApp(Corpus c, Worker w, Records records) {
    records.packets++;
    PcapCorpus k = c.packets;
    int i = w.advance(k.packets.length);
    byte[] b = k.packets[i];
    long ts = k.tsNanos[i] + w.shift;
    DecodeResult r = w.decoder.decode(b, b.length, k.wireLen[i], k.linkType, ts, w.pkt);
    w.appFlows.advanceTime(ts);
    if (r == DecodeResult.OK) {
      w.appFlows.onPacket(w.pkt);
    } else {
      w.notOk++;
    }
    records.records = w.sink.emitted - w.emittedBefore;
    return w.pkt.flowHash;
  }
}
