package dev.nsm.sensor.spool;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.output.RecordOutput;
import dev.nsm.sensor.pipeline.RecordRing;

/**
 * The daemon's and replay's records into the {@link Spool}: flow workers and the stats timer emit
 * into a {@link RecordRing}, whose one consumer thread is the spool's single writer. Retention runs
 * on that thread too, at the end of a batch at most every {@code maintainEveryNanos}.
 *
 * <p>Nothing here waits for a collector: the writer only appends to the queue's memory-mapped file.
 */
public final class SpoolOutput implements RecordOutput {
  private final Spool spool;
  private final RecordRing ring;
  private final long[] written = new long[Event.RecordCase.values().length];
  private volatile String failure;
  private long nextMaintain;
  private boolean closed;

  public SpoolOutput(Spool spool, int ringSize, long maintainEveryNanos) {
    this.spool = spool;
    this.nextMaintain = System.nanoTime() + maintainEveryNanos;
    this.ring = new RecordRing(ringSize, new RecordRing.Consumer() {
      @Override
      public void accept(Event event) {
        try {
          spool.append(event);
        } catch (RuntimeException e) {
          failure = "cannot append to the spool in " + spool.dir() + ": " + e;
          throw e;
        }
        written[event.getRecordCase().ordinal()]++;
      }

      @Override
      public void endOfBatch() {
        long now = System.nanoTime();
        if (now - nextMaintain >= 0) {
          nextMaintain = now + maintainEveryNanos;
          spool.maintain();
        }
      }
    });
  }

  public Spool spool() {
    return spool;
  }

  @Override
  public void emit(Event event) {
    ring.emit(event);
  }

  @Override
  public boolean healthy() {
    return failure == null;
  }

  @Override
  public String failure() {
    return failure;
  }

  @Override
  public long written(Event.RecordCase kind) {
    return written[kind.ordinal()];
  }

  /** Appends every record emitted so far and stops the writer thread; the spool stays open (its readers go on). */
  @Override
  public synchronized void close() throws Exception {
    if (!closed) {
      closed = true;
      ring.close();
    }
  }
}
