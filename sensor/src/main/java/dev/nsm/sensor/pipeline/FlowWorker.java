package dev.nsm.sensor.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.nsm.sensor.app.AppLayer;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of N consumers of the packet ring. Every worker sees every slot: it advances its packet clock
 * by each one (so flow timeouts follow the input's time whatever the sharding), and updates its own
 * flow table with the packets whose shard is its own. No locks: a flow lives in exactly one worker.
 */
public final class FlowWorker implements EventHandler<PacketSlot> {
  /** Made on first use: setting up logging costs a replay ~0.2 CPU-s that an error-free run never needs. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(FlowWorker.class);
  }

  private final int id;
  private final FlowTable table;
  private final FlowCounters flowCounters;
  private final AppLayer app;
  private final java.util.concurrent.CountDownLatch done;
  /**
   * Packets whose processing threw: a bug (parsers report malformed input as counted outcomes, never
   * by throwing), logged with the packet's number in the input (the first {@value #LOGGED_ERRORS},
   * with their stacks; later ones only counted), then skipped: the worker goes on with the next.
   */
  public long errors;

  static final int LOGGED_ERRORS = 100;

  /** @param done counted down once this worker has flushed its flows at the end of input */
  public FlowWorker(int id, FlowTable table, FlowCounters flowCounters, AppLayer app,
      java.util.concurrent.CountDownLatch done) {
    this.done = done;
    this.app = app;
    this.id = id;
    this.table = table;
    this.flowCounters = flowCounters;
  }

  @Override
  public void onEvent(PacketSlot slot, long sequence, boolean endOfBatch) {
    try {
      if (slot.shard == PacketSlot.END_OF_INPUT) {
        try {
          table.flushAll();
        } finally {
          done.countDown();
        }
        return;
      }
      table.advanceTime(slot.tsNanos);
      dev.nsm.parsers.packet.DecodedPacket p = slot.decoded;
      // (the enclosing tunnels' flows were counted by the ingest thread, which keeps them)
      if (slot.shard == id) {
        table.onPacket(p);
      }
    } catch (RuntimeException | StackOverflowError e) {
      // a StackOverflowError too: deep recursion on hostile input is a bug of that input's parser, not
      // a state of the JVM; any other Error (OutOfMemoryError, ...) stops the worker
      errors++;
      if (errors <= LOGGED_ERRORS) {
        Log.LOG.error("worker {}: packet #{} failed; skipped{}", id, slot.packetNumber,
            errors == LOGGED_ERRORS ? " (later failures are only counted: worker_errors)" : "", e);
      }
    }
  }

  public FlowTable table() {
    return table;
  }

  public FlowCounters counters() {
    return flowCounters;
  }

  /** The worker's application layer (DNS, TLS, HTTP records and their counters). */
  public AppLayer app() {
    return app;
  }
}
