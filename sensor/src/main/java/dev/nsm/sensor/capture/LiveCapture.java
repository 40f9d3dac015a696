package dev.nsm.sensor.capture;

import com.sun.jna.Memory;
import dev.nsm.sensor.pipeline.Ingest;
import dev.nsm.sensor.pipeline.Pipeline;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture thread: the only producer of the packet ring. One thread serves every interface, so
 * the ring keeps a single producer and the decoder and IP defragmenter stay single-threaded.
 *
 * <p>Duty cycle:
 *
 * <pre>
 *   loop until stopped:
 *     for each interface: read what is waiting (at most BATCH packets), copy into the ring
 *     every tick: read pcap_stats; publish a tick (wall clock) so idle flows time out; heartbeat
 *     a reload was asked for: apply the new filters
 *     nothing was read: poll() the interfaces' sockets until one is readable or the next tick
 *   then: the open flows are flushed (Pipeline.finish) on this thread, the handles closed
 * </pre>
 *
 * <p>Why non-blocking reads and our own poll(): with TPACKET_V3 (libpcap 1.10 on Linux), a blocking
 * read's timeout only runs once a packet has arrived, so on an idle link a blocking read never
 * returns and neither a stop nor a tick would get through. Here every wait is a poll() with a
 * timeout of at most the tick, so a stop is seen within one tick.
 */
public final class LiveCapture implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveCapture.class);
  /** Packets read from one interface before turning to the next (fairness between interfaces). */
  static final int BATCH = 256;
  private static final short POLLIN = 1;
  /** A pollfd is { int fd; short events; short revents; }. */
  private static final int POLLFD_SIZE = 8;

  private final List<LiveInterface> interfaces;
  private final Pipeline pipeline;
  private final Ingest ingest;
  private final long tickNanos;
  /**
   * How far behind the wall clock a tick's time is set: a packet may sit in the kernel buffer this
   * long (the block timeout) before we read it, and its time stamp must not be older than a tick
   * already published (a flow table's time never goes back, and a tick too far ahead would time a
   * flow out just before its next packet).
   */
  private final long tickLagNanos;
  private final Memory pollFds;

  private volatile boolean stopRequested;
  private volatile java.util.Map<String, String> pendingFilters;
  /** System.nanoTime() of the last tick: /healthz's "the capture thread is alive". */
  private volatile long heartbeatNanos = System.nanoTime();
  private volatile boolean finished;
  /** Why capture stopped by itself (an interface failed), or null. */
  public volatile String failure;
  /** Ticks skipped because the ring was full (harmless: the packets move time on). */
  public long ticksSkipped;
  public long ticks;

  public LiveCapture(List<LiveInterface> interfaces, Pipeline pipeline, long tickNanos, long maxBlockTimeoutNanos) {
    this.interfaces = List.copyOf(interfaces);
    this.pipeline = pipeline;
    this.ingest = pipeline.ingest();
    this.tickNanos = tickNanos;
    this.tickLagNanos = maxBlockTimeoutNanos + tickNanos;
    this.pollFds = new Memory((long) POLLFD_SIZE * interfaces.size());
  }

  public List<LiveInterface> interfaces() {
    return interfaces;
  }

  /** Asks the thread to stop capturing and flush; returns at once (see {@link #isFinished}). */
  public void requestStop() {
    stopRequested = true;
  }

  /** New filters by interface name, applied by the capture thread at its next turn. */
  public void requestFilters(java.util.Map<String, String> filters) {
    pendingFilters = java.util.Map.copyOf(filters);
  }

  public long heartbeatNanos() {
    return heartbeatNanos;
  }

  /** True once the flows are flushed and the handles closed. */
  public boolean isFinished() {
    return finished;
  }

  /** Interfaces still being read. */
  public int interfacesUp() {
    int n = 0;
    for (LiveInterface i : interfaces) {
      if (i.failure == null) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void run() {
    long nextTick = System.nanoTime();
    try {
      while (!stopRequested) {
        int work = 0;
        String failed = null;
        for (LiveInterface itf : interfaces) {
          int n = itf.read(ingest, BATCH);
          if (itf.failure != null) {
            failed = itf.name + ": " + itf.failure;
            break;
          }
          work += n;
        }
        if (failed != null) {
          // An interface went away or down. Stop (writing the open flows) rather than go on with
          // less than the configured capture: the daemon exits 1 and systemd starts it again, which
          // reopens every interface once it is back.
          LOG.error("capture on {}; stopping", failed);
          failure = failed;
          break;
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          tick();
          nextTick = now + tickNanos;
        }
        java.util.Map<String, String> f = pendingFilters;
        if (f != null) {
          pendingFilters = null;
          applyFilters(f);
        }
        if (work == 0) {
          long waitMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nextTick - System.nanoTime()));
          idle((int) Math.max(1, Math.min(waitMs, 1000)));
        }
      }
    } finally {
      try {
        for (LiveInterface itf : interfaces) {
          itf.refreshStats();
        }
        pipeline.finish(); // every worker writes its open flows
      } finally {
        for (LiveInterface itf : interfaces) {
          itf.close();
        }
        finished = true;
      }
    }
  }

  private void tick() {
    for (LiveInterface itf : interfaces) {
      if (itf.failure == null) {
        itf.refreshStats();
      }
    }
    long wallNanos = System.currentTimeMillis() * 1_000_000L; // ms is plenty for timeouts of seconds
    if (ingest.tryTick(wallNanos - tickLagNanos)) {
      ticks++;
    } else {
      ticksSkipped++;
    }
    heartbeatNanos = System.nanoTime();
  }

  /** Waits until an interface has packets, at most {@code timeoutMs}. */
  private void idle(int timeoutMs) {
    int n = 0;
    for (LiveInterface itf : interfaces) {
      if (itf.failure != null || itf.fd < 0) {
        continue;
      }
      long off = (long) n * POLLFD_SIZE;
      pollFds.setInt(off, itf.fd);
      pollFds.setShort(off + 4, POLLIN);
      pollFds.setShort(off + 6, (short) 0);
      n++;
    }
    if (n == 0) {
      return;
    }
    LibPcap.LibC.poll(pollFds, n, timeoutMs); // EINTR or an error: the loop simply goes round again
  }

  private void applyFilters(java.util.Map<String, String> filters) {
    for (LiveInterface itf : interfaces) {
      String f = filters.get(itf.name);
      if (f == null || f.equals(itf.filter())) {
        continue;
      }
      String err = itf.setFilter(f);
      if (err == null) {
        LOG.info("{}: filter now \"{}\"", itf.name, f);
      } else {
        LOG.error("{}: filter \"{}\" rejected, \"{}\" kept: {}", itf.name, f, itf.filter(), err);
      }
    }
  }
}
