package dev.nsm.sensor.pipeline;

import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.nsm.proto.v1.Event;

/**
 * The record ring: flow workers (many producers) hand finished records to one consumer (the JSON
 * writer in replay, the spool writer in the daemon). A full ring makes producers wait: no record is
 * dropped here. The consumer's slot reference is cleared after use so slots do not pin records.
 */
public final class RecordRing implements RecordSink, AutoCloseable {
  /** A slot of the record ring. */
  public static final class Slot {
    public Event event;
    /** Or a finished JSON line ({@link RecordSink#emitLine}). */
    byte[] line;
    boolean end;
  }

  /** What consumes records, one at a time, on the ring's thread. */
  public interface Consumer {
    void accept(Event event) throws Exception;

    /** Whether {@link #acceptLine} takes finished JSON lines (see {@link RecordSink#takesJsonLines}). */
    default boolean takesJsonLines() {
      return false;
    }

    /** One record as a finished JSON line; only where {@link #takesJsonLines()}. */
    default void acceptLine(byte[] line) throws Exception {
      throw new UnsupportedOperationException("this consumer takes Events only");
    }

    /** End of a batch of available records: the moment to flush. */
    default void endOfBatch() throws Exception {}
  }

  /**
   * How long the consumer sleeps when the ring is empty. Was a BlockingWaitStrategy, whose producers
   * take a lock and notify on every record: the writer, faster than the workers, woke for nearly each
   * one (a replay of the bench capture made ~40 000 voluntary context switches, now ~12 000, and took
   * 6 % more CPU). Sleeping: records wait at most ~1 ms more, and an idle daemon's writer wakes about
   * 1000 times a second.
   */
  static final long CONSUMER_SLEEP_NANOS = 1_000_000L;

  private final boolean takesLines;
  private final Disruptor<Slot> disruptor;
  private final RingBuffer<Slot> ring;
  private volatile Throwable failure;
  private final java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);

  public RecordRing(int size, Consumer consumer) {
    takesLines = consumer.takesJsonLines();
    disruptor = new Disruptor<>(Slot::new, size, new NamedThreads("record-writer", false), ProducerType.MULTI,
        new SleepingWaitStrategy(0, CONSUMER_SLEEP_NANOS));
    EventHandler<Slot> handler = (slot, seq, endOfBatch) -> {
      if (slot.end) {
        slot.end = false;
        try {
          if (failure == null) {
            consumer.endOfBatch();
          }
        } catch (Exception e) {
          failure = e;
        }
        drained.countDown();
        return;
      }
      try {
        if (failure == null) {
          if (slot.line != null) {
            consumer.acceptLine(slot.line);
          } else {
            consumer.accept(slot.event);
          }
          if (endOfBatch) {
            consumer.endOfBatch();
          }
        }
      } catch (Exception e) {
        failure = e; // reported by close(); later records are not written anywhere
      } finally {
        slot.event = null;
        slot.line = null;
      }
    };
    disruptor.handleEventsWith(handler);
    ring = disruptor.start();
  }

  @Override
  public boolean takesJsonLines() {
    return takesLines;
  }

  @Override
  public void emitLine(byte[] line) {
    if (!takesLines) {
      throw new UnsupportedOperationException("this ring's consumer takes Events only");
    }
    long seq = ring.next();
    ring.get(seq).line = line;
    ring.publish(seq);
  }

  @Override
  public void emit(Event event) {
    long seq = ring.next();
    ring.get(seq).event = event;
    ring.publish(seq);
  }

  /** Waits until every record emitted so far is consumed, then stops the consumer thread. */
  @Override
  public void close() throws Exception {
    // an end marker, then wait for the consumer to reach it (Disruptor.shutdown() would not wait for
    // a consumer whose thread has not started yet)
    long seq = ring.next();
    ring.get(seq).end = true;
    ring.publish(seq);
    drained.await();
    disruptor.halt();
    Throwable f = failure;
    if (f instanceof Exception) {
      throw (Exception) f;
    } else if (f != null) {
      throw new IllegalStateException(f);
    }
  }
}
