package dev.nsm.sensor.pipeline;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads with names that say what they do ({@code flow-worker-0}, {@code record-writer}),
 * so that a thread dump, {@code top -H} or a per-thread CPU count (bench/live-capture-bench.sh)
 * tells the flow workers from the record writer without guessing from creation order.
 */
final class NamedThreads implements ThreadFactory {
  private final String prefix;
  private final boolean numbered;
  private final AtomicInteger next = new AtomicInteger();

  /** {@code numbered}: "prefix-0", "prefix-1", ...; else every thread is just "prefix". */
  NamedThreads(String prefix, boolean numbered) {
    this.prefix = prefix;
    this.numbered = numbered;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, numbered ? prefix + "-" + next.getAndIncrement() : prefix);
    t.setDaemon(true);
    return t;
  }
}
