package dev.nsm.sensor.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.parsers.packet.TunnelError;
import dev.nsm.parsers.packet.TunnelSettings;
import dev.nsm.parsers.packet.TunnelType;
import dev.nsm.proto.v1.Stats;
import dev.nsm.sensor.app.AppConfig;
import dev.nsm.sensor.app.AppCounters;
import dev.nsm.sensor.app.AppLayer;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The packet path: a single-producer Disruptor ring of {@link PacketSlot}s, fed by {@link Ingest} on
 * the reading thread, consumed by N {@link FlowWorker}s, each with its own flow table, all writing
 * records into one {@link RecordSink}.
 */
public final class Pipeline {
  private final Disruptor<PacketSlot> disruptor;
  private final RingBuffer<PacketSlot> ring;
  private final List<FlowWorker> workers = new ArrayList<>();
  private final PipelineCounters counters = new PipelineCounters();
  private final IpDefragmenter defrag;
  private final Ingest ingest;
  private final CountDownLatch flushed;

  public Pipeline(int workerCount, int ringSize, FlowConfig flowConfig, RecordSink sink) {
    this(workerCount, ringSize, flowConfig, AppConfig.defaults().perWorker(workerCount), sink);
  }

  /**
   * @param flowConfig one worker's flow table bounds and timeouts
   * @param appConfig one worker's application layer bounds (reassembly memory already split)
   */
  public Pipeline(int workerCount, int ringSize, FlowConfig flowConfig, AppConfig appConfig, RecordSink sink) {
    this(workerCount, ringSize, flowConfig, appConfig, TunnelSettings.defaults(), new IpDefragmenter(), sink);
  }

  /** @param tunnels what the decoder decapsulates (ports, depth, mirror transport) */
  public Pipeline(int workerCount, int ringSize, FlowConfig flowConfig, AppConfig appConfig, TunnelSettings tunnels,
      RecordSink sink) {
    this(workerCount, ringSize, flowConfig, appConfig, tunnels, new IpDefragmenter(), sink);
  }

  /** @param defrag the feeding thread's IP defragmenter, with its caps in datagrams and bytes */
  public Pipeline(int workerCount, int ringSize, FlowConfig flowConfig, AppConfig appConfig, IpDefragmenter defrag,
      RecordSink sink) {
    this(workerCount, ringSize, flowConfig, appConfig, TunnelSettings.defaults(), defrag, sink);
  }

  /**
   * @param tunnels what the decoder decapsulates (ports, depth, mirror transport)
   * @param defrag the feeding thread's IP defragmenter, with its caps in datagrams and bytes
   */
  public Pipeline(int workerCount, int ringSize, FlowConfig flowConfig, AppConfig appConfig, TunnelSettings tunnels,
      IpDefragmenter defrag, RecordSink sink) {
    this.defrag = defrag;
    if (workerCount < 1) {
      throw new IllegalArgumentException("workers must be at least 1");
    }
    disruptor = new Disruptor<>(PacketSlot::new, ringSize, new NamedThreads("flow-worker", true), ProducerType.SINGLE,
        new SleepingWaitStrategy());
    flushed = new CountDownLatch(workerCount);
    @SuppressWarnings("unchecked")
    EventHandler<PacketSlot>[] handlers = new EventHandler[workerCount];
    for (int i = 0; i < workerCount; i++) {
      FlowCounters fc = new FlowCounters();
      AppLayer app = new AppLayer(appConfig, sink, new AppCounters());
      FlowWorker w = new FlowWorker(i, new FlowTable(flowConfig, sink, fc, app), fc, app, flushed);
      workers.add(w);
      handlers[i] = w;
    }
    disruptor.handleEventsWith(handlers);
    ring = disruptor.start();
    ingest = new Ingest(ring, workerCount, defrag, counters, tunnels, flowConfig, sink);
  }

  /** The packet handler to feed (from one thread). */
  public Ingest ingest() {
    return ingest;
  }

  public PipelineCounters counters() {
    return counters;
  }

  /** Slots of the packet ring. */
  public int ringSize() {
    return ring.getBufferSize();
  }

  /** Slots published and not yet consumed by every worker (any thread; a snapshot). */
  public long ringFill() {
    return ring.getBufferSize() - ring.remainingCapacity();
  }

  /** Flows open in all tables: a racy snapshot of each worker's count (for metrics). */
  public long flowsOpen() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.table().size();
    }
    n += ingest.tunnelFlows().size();
    return n;
  }

  /** The workers' flow counters summed: a racy snapshot while running, exact after {@link #finish}. */
  public FlowCounters flowTotals() {
    FlowCounters total = new FlowCounters();
    for (FlowWorker w : workers) {
      total.add(w.counters());
    }
    total.add(ingest.tunnelCounters());
    return total;
  }

  /** One application layer counter summed over the workers (a racy snapshot while running). */
  public long appCount(dev.nsm.sensor.app.AppCounter c) {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().counters().get(c);
    }
    return n;
  }

  /** One reassembly counter summed over the workers (a racy snapshot while running). */
  public long reassemblyCount(dev.nsm.parsers.tcp.ReassemblyCounter c) {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().counters().reassembly.get(c);
    }
    return n;
  }

  /** Bytes of out-of-order TCP data the workers hold now (reassembly pages in use). */
  public long reassemblyBytesHeld() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().budget().bytesInUse();
    }
    return n;
  }

  /** Estimated heap of the open flows, in bytes (the flow tables' byte caps count it). */
  public long flowBytes() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.table().bytes();
    }
    return n;
  }

  /** DNS messages waiting for their pair, and their estimated bytes, over the workers. */
  public long dnsPending() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().dnsPendingCount();
    }
    return n;
  }

  public long dnsPendingBytes() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().dnsPendingBytes();
    }
    return n;
  }

  /** HTTP requests waiting for their response, their estimated bytes, and those the caps wrote early. */
  public long httpPending() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().counters().http.pendingTotal();
    }
    return n;
  }

  public long httpPendingBytes() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().counters().http.pendingBytesTotal();
    }
    return n;
  }

  public long httpPendingEvicted() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.app().counters().http.pendingEvicted();
    }
    return n;
  }

  /** The IP defragmenter's counters (written by the feeding thread). */
  public IpDefragmenter defragmenter() {
    return defrag;
  }

  /** Errors in workers (a bug each): a racy sum while running. */
  public long workerErrors() {
    long n = 0;
    for (FlowWorker w : workers) {
      n += w.errors;
    }
    return n;
  }

  /**
   * End of input: every worker flushes its open flows into the sink; returns once they have.
   * Call from the feeding thread.
   */
  public void finish() {
    defrag.flush();
    ingest.flushTunnels();
    long seq = ring.next();
    PacketSlot slot = ring.get(seq);
    slot.shard = PacketSlot.END_OF_INPUT;
    slot.result = null;
    ring.publish(seq);
    // Wait for every worker to flush (not Disruptor.shutdown(): it ignores processors whose thread
    // has not started yet, and halting those would lose their packets on a short input).
    boolean interrupted = false;
    while (true) {
      try {
        flushed.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    disruptor.halt();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    for (FlowWorker w : workers) {
      counters.workerErrors += w.errors;
    }
  }

  /** The run's counters as a record (deterministic: nothing here depends on threads or wall time). */
  public Stats stats(long lastPacketNanos) {
    FlowCounters total = new FlowCounters();
    AppCounters app = new AppCounters();
    for (FlowWorker w : workers) {
      total.add(w.counters());
      app.add(w.app().counters());
    }
    total.add(ingest.tunnelCounters());
    Stats.Builder b = Stats.newBuilder()
        .setPacketsRead(counters.packetsRead)
        .setBytesRead(counters.bytesRead)
        .setPacketsDecoded(counters.packetsDecoded)
        .setPacketsNotIp(counters.packetsNotIp)
        .setFragmentsReassembled(defrag.datagramsReassembled)
        .setFlowsMade(total.flowsMade)
        .setFlowsEvicted(total.flowsEvicted)
        .setFlowRecords(total.flowRecords);
    if (lastPacketNanos > 0) {
      b.setTs(com.google.protobuf.Timestamp.newBuilder()
          .setSeconds(Math.floorDiv(lastPacketNanos, 1_000_000_000L))
          .setNanos((int) Math.floorMod(lastPacketNanos, 1_000_000_000L)));
    }
    for (DecodeResult r : DecodeResult.values()) {
      long n = counters.byResult[r.ordinal()];
      if (r.isMalformed() && n > 0) {
        b.putMalformed(r.counterName(), n);
      }
    }
    putIfNonZero(b, "fragments_timed_out", defrag.datagramsTimedOut, true);
    putIfNonZero(b, "fragments_evicted", defrag.datagramsEvicted, true);
    putIfNonZero(b, "fragments_invalid", defrag.fragmentsInvalid, true);
    putIfNonZero(b, "fragments_overlapping", defrag.overlappingFragments, true);
    b.putCounters("fragments_seen", defrag.fragmentsSeen);
    total.asMap().forEach(b::putCounters);
    app.asMap().forEach(b::putCounters);
    PacketDecoder d = ingest.decoder();
    for (TunnelType t : TunnelType.values()) {
      long n = d.decapsulated[t.ordinal()];
      if (n > 0) {
        b.putTunnelDecapsulated(t.service(), n);
      }
    }
    for (TunnelError e : TunnelError.values()) {
      long n = d.tunnelErrors[e.ordinal()];
      if (n > 0 && e != TunnelError.DEPTH_EXCEEDED) {
        b.putTunnelErrors(e.counterName(), n);
      }
    }
    b.setTunnelDepthExceeded(d.tunnelErrors[TunnelError.DEPTH_EXCEEDED.ordinal()]);
    b.setMirrorTransportPackets(d.mirrorTransportPackets);
    b.putCounters("tunnel_uids_untracked", 0); // retired: the outer flows' uids are no longer mirrored
    b.putCounters("worker_errors", counters.workerErrors);
    b.putCounters("ring_drops", counters.ringDrops);
    return b.build();
  }

  private static void putIfNonZero(Stats.Builder b, String name, long n, boolean dropped) {
    if (n > 0 && dropped) {
      b.putFragmentsDropped(name.substring("fragments_".length()), n);
    }
  }
}
