package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Ack;
import dev.nsm.proto.v1.CollectorStatus;
import dev.nsm.sensor.spool.Spool;
import dev.nsm.sensor.spool.SpoolReader;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships the spool to one collector over {@code Collector.Push}, on its own thread, at the collector's
 * pace. A slow or absent collector only falls behind in the spool: the capture, the spool writer and
 * the other exporters never wait for it.
 *
 * <pre>
 *   state dir/cursors/NAME.acked   the highest seq the collector acked, persisted (at most every
 *                                  200 ms and at stop): after a sensor restart, and after every
 *                                  reconnect, sending resumes at acked + 1
 *
 *   loop:  dial (TLS/mTLS or explicit plaintext) ─► stream open ─► while the stream is ready
 *          (gRPC flow control: isReady/onReady) read spool entries into a Batch until max_records
 *          or max_bytes, or until linger passed since its first record; send
 *          ─► stream broken / no ack within ack_timeout ─► wait a jittered backoff ─► dial again
 * </pre>
 *
 * gRPC callbacks only record what happened (an ack, readiness, the end) in volatile fields and wake
 * the exporter thread; they never block. Keepalive pings keep a quiet stream's connection checked.
 *
 * <p>Retention may delete records this collector has not acked (a spool full for too long): they are
 * counted in {@link #dropped} once, and sending goes on from the oldest retained record.
 */
public final class Exporter implements Spool.RetentionListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);

  /** What an exporter needs to know about its collector. */
  public record Settings(
      String name,
      String host,
      int port,
      /** null: plaintext (only when configured explicitly). */
      TlsFiles.Client tls,
      int maxRecords,
      long maxBytes,
      Duration linger,
      Duration ackTimeout,
      Duration backoffInitial,
      Duration backoffMax,
      Duration keepaliveTime,
      Duration keepaliveTimeout) {
    public String address() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private final Settings settings;
  private final Spool spool;
  private final Path cursorFile;
  private final Thread thread;
  private final Object countLock = new Object();
  private ManagedChannel channel;

  private volatile boolean stopping;
  /** Highest seq acked by the collector (-1: none); written by gRPC callbacks and at open. */
  private volatile long acked;
  private long persistedAck;
  private long persistedAtNanos;
  private volatile long sentSeq = -1;
  private volatile boolean connected;
  private volatile long sentRecords;
  private volatile long sentBytes;
  private volatile long connects;
  private volatile long dropped;
  /** Every seq below this is acked or counted in {@link #dropped}. */
  private long countedBelow;
  private volatile String lastError = "";
  /** The ack this exporter started from, and when it started (for the delivery rate). */
  private long startedAcked;
  private final long startedNanos;

  /** Opens the cursor and starts the exporter's thread; it dials at once. */
  public static Exporter start(Settings settings, Spool spool, Path stateDir) throws IOException {
    Exporter e = new Exporter(settings, spool, stateDir.resolve("cursors").resolve(settings.name() + ".acked"));
    spool.addRetentionListener(e);
    e.thread.start();
    return e;
  }

  private Exporter(Settings settings, Spool spool, Path cursorFile) throws IOException {
    this.settings = settings;
    this.spool = spool;
    this.cursorFile = cursorFile;
    Files.createDirectories(cursorFile.getParent());
    this.acked = readCursor(cursorFile);
    this.startedAcked = acked;
    this.startedNanos = System.nanoTime();
    this.persistedAck = acked;
    this.countedBelow = acked + 1;
    if (acked >= spool.nextSeq()) {
      LOG.warn("exporter {}: the cursor says seq {} was acked but the spool's last seq is {}: was the spool replaced? "
          + "records will be sent from the oldest retained and the collector's dedup must not drop them", settings.name(), acked,
          spool.nextSeq() - 1);
      this.acked = -1;
      this.countedBelow = 0;
    }
    this.startedAcked = acked;
    this.thread = new Thread(this::run, "export-" + settings.name());
    this.thread.setDaemon(true);
  }

  static long readCursor(Path f) throws IOException {
    try {
      String s = Files.readString(f, StandardCharsets.US_ASCII).strip();
      return s.isEmpty() ? -1 : Long.parseLong(s);
    } catch (NoSuchFileException e) {
      return -1;
    } catch (NumberFormatException e) {
      LOG.warn("exporter cursor {} is damaged ({}): resending from the oldest retained record", f, e.getMessage());
      return -1;
    }
  }

  /** Writes the cursor atomically: a temporary file, fsync, rename. */
  private void persistCursor(long seq) {
    Path tmp = cursorFile.resolveSibling(cursorFile.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap((seq + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(false);
    } catch (IOException e) {
      lastError = "cannot write " + cursorFile + ": " + e.getMessage();
      return;
    }
    try {
      Files.move(tmp, cursorFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      persistedAck = seq;
    } catch (IOException e) {
      lastError = "cannot write " + cursorFile + ": " + e.getMessage();
    }
  }

  private ManagedChannel channel() throws IOException {
    if (channel == null) {
      NettyChannelBuilder b = NettyChannelBuilder.forAddress(settings.host(), settings.port())
          .keepAliveTime(settings.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(settings.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveWithoutCalls(false)
          .disableRetry() // the exporter resends from its cursor itself
          .maxInboundMessageSize(1 << 20);
      if (settings.tls() == null) {
        b.usePlaintext();
      } else {
        b.sslContext(TlsFiles.client(settings.tls()));
        if (settings.tls().serverName() != null && !settings.tls().serverName().isEmpty()) {
          b.overrideAuthority(settings.tls().serverName());
        }
      }
      channel = b.build();
    }
    return channel;
  }

  /** One Push stream: what the callbacks saw, for the exporter thread. */
  private final class Stream implements ClientResponseObserver<RawBatch, Ack> {
    volatile ClientCallStreamObserver<RawBatch> out;
    volatile boolean done;
    volatile String why;
    volatile long lastProgressNanos = System.nanoTime();

    @Override
    public void beforeStart(ClientCallStreamObserver<RawBatch> requestStream) {
      out = requestStream;
      requestStream.setOnReadyHandler(() -> {
        if (!done) {
          connected = true; // the transport is up and the stream open (not merely asked for)
        }
        LockSupport.unpark(thread);
      });
    }

    @Override
    public void onNext(Ack ack) {
      if (!ack.getSensorId().isEmpty() && !ack.getSensorId().equals(spool.sensorId())) {
        return; // for another sensor: not ours to count
      }
      if (ack.getSeq() > acked) {
        acked = ack.getSeq();
      }
      lastProgressNanos = System.nanoTime();
      LockSupport.unpark(thread);
    }

    @Override
    public void onError(Throwable t) {
      connected = false;
      Status s = Status.fromThrowable(t);
      why = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
      done = true;
      LockSupport.unpark(thread);
    }

    @Override
    public void onCompleted() {
      connected = false;
      why = "the collector ended the stream";
      done = true;
      LockSupport.unpark(thread);
    }
  }

  /**
   * Batches sent and not yet acked, at most, per stream: the bundled collector holds 4 per stream
   * (CollectorServer.WINDOW) and acks as it commits. Without this bound the exporter keeps sending
   * while the HTTP/2 window is open, and a collector that acks slowly gets megabytes pushed into its
   * transport buffers, CPU spent on both sides for records it will not take any sooner.
   */
  static final int MAX_IN_FLIGHT = 4;

  private void run() {
    RawBatch batch = new RawBatch();
    long[] inFlight = new long[MAX_IN_FLIGHT]; // last seq of each unacked batch, oldest first (a ring)
    long backoff = settings.backoffInitial().toNanos();
    try (SpoolReader reader = spool.reader()) {
      while (!stopping) {
        Stream st = new Stream();
        try {
          ClientCalls.asyncBidiStreamingCall(channel().newCall(RawBatch.PUSH, CallOptions.DEFAULT), st);
        } catch (IOException | RuntimeException e) {
          lastError = e.getMessage();
          LOG.warn("exporter {}: {}", settings.name(), e.getMessage());
          sleepJittered(settings.backoffMax().toNanos());
          continue;
        }
        connects++;
        long from = resumePoint();
        reader.seek(from);
        batch.clear();
        long batchStarted = 0;
        boolean progressed = false;
        int inFlightHead = 0;
        int inFlightCount = 0;
        while (!stopping && !st.done) {
          persistIfDue(false);
          long now = System.nanoTime();
          if (sentSeq > acked && now - st.lastProgressNanos > settings.ackTimeout().toNanos()) {
            st.out.cancel("no ack within ack_timeout " + settings.ackTimeout(), null);
            st.why = "DEADLINE_EXCEEDED: no ack within " + settings.ackTimeout().toMillis() + " ms";
            break;
          }
          if (acked > sentSeq && acked >= 0 && !progressed) {
            progressed = true; // the collector took something on this stream: the link is good
          }
          while (inFlightCount > 0 && inFlight[inFlightHead] <= acked) {
            inFlightHead = (inFlightHead + 1) % MAX_IN_FLIGHT;
            inFlightCount--;
          }
          if (inFlightCount == MAX_IN_FLIGHT || !st.out.isReady()) {
            LockSupport.parkNanos(this, 10_000_000L); // onReady, an ack or the end unparks us
            continue;
          }
          // fill the batch while entries are there, up to the bounds
          while (batch.count < settings.maxRecords() && batch.length < settings.maxBytes() && reader.next()) {
            if (reader.seq() <= acked) {
              continue; // the collector already has it
            }
            if (batch.count == 0) {
              batchStarted = now;
            }
            batch.add(reader.entry(), reader.length(), reader.seq());
          }
          boolean full = batch.count >= settings.maxRecords() || batch.length >= settings.maxBytes();
          if (batch.count > 0 && (full || now - batchStarted >= settings.linger().toNanos())) {
            if (sentSeq <= acked) {
              st.lastProgressNanos = now; // the ack clock starts with the first unacked batch
            }
            st.out.onNext(batch);
            inFlight[(inFlightHead + inFlightCount) % MAX_IN_FLIGHT] = batch.lastSeq;
            inFlightCount++;
            sentSeq = batch.lastSeq;
            sentRecords += batch.count;
            sentBytes += batch.length;
            batch.clear();
            backoff = settings.backoffInitial().toNanos();
            continue;
          }
          long wait = batch.count > 0 ? settings.linger().toNanos() - (now - batchStarted) : settings.linger().toNanos();
          LockSupport.parkNanos(this, Math.max(100_000L, Math.min(wait, 20_000_000L)));
        }
        connected = false;
        if (!st.done) {
          st.out.cancel(stopping ? "sensor stopping" : "restarting the stream", null);
        }
        if (stopping) {
          break;
        }
        lastError = st.why == null ? "stream ended" : st.why;
        LOG.info("exporter {}: stream to {} ended ({}); acked up to {}, reconnecting", settings.name(), settings.address(),
            lastError, acked);
        persistIfDue(true);
        if (progressed) {
          backoff = settings.backoffInitial().toNanos();
        }
        sleepJittered(backoff);
        backoff = Math.min(settings.backoffMax().toNanos(), backoff * 2);
      }
    } catch (RuntimeException e) {
      lastError = "exporter failed: " + e;
      LOG.error("exporter {} failed", settings.name(), e);
    } finally {
      connected = false;
      persistIfDue(true);
    }
  }

  /** Where a (re)opened stream starts: after the last ack, or the oldest retained record. */
  private long resumePoint() {
    long a = acked;
    long first = spool.firstSeq();
    synchronized (countLock) {
      // records between the ack and the oldest retained were deleted unacked; count those not counted yet
      long lo = Math.max(a + 1, countedBelow);
      if (first > lo) {
        dropped += first - lo;
      }
      countedBelow = Math.max(countedBelow, first);
    }
    sentSeq = Math.max(a, first - 1);
    return Math.max(a + 1, first);
  }

  /** Retention deleted [from, to) (spool writer thread): count what this collector had not acked. */
  @Override
  public void deleted(long from, long to) {
    synchronized (countLock) {
      long lo = Math.max(from, Math.max(acked + 1, countedBelow));
      if (to > lo) {
        dropped += to - lo;
        LOG.warn("exporter {}: spool retention deleted {} record(s) the collector had not acked (seq {} to {})",
            settings.name(), to - lo, lo, to - 1);
      }
      countedBelow = Math.max(countedBelow, to);
    }
  }

  private void persistIfDue(boolean now) {
    long a = acked;
    if (a != persistedAck && (now || System.nanoTime() - persistedAtNanos > 200_000_000L)) {
      persistCursor(a);
      persistedAtNanos = System.nanoTime();
    }
  }

  /** Full jitter: a random wait in [d/2, d]. */
  private void sleepJittered(long d) {
    long wait = d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    long until = System.nanoTime() + wait;
    while (!stopping && System.nanoTime() < until) {
      LockSupport.parkNanos(this, Math.min(until - System.nanoTime(), 50_000_000L));
    }
  }

  /** Waits until the collector acked {@code seq}; false on timeout. */
  public boolean awaitAcked(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acked < seq) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  public String name() {
    return settings.name();
  }

  /**
   * "N records acked in S s since delivery started (R records/s); the second half at R2 records/s"
   * for replay's summary. The second half's rate leaves out the start (connection, the JIT
   * compiling the hot paths of both processes): the steady rate.
   */
  public String rate() {
    long n = acked - startedAcked;
    long now = System.nanoTime();
    double secs = (now - startedNanos) / 1e9;
    String s = String.format(java.util.Locale.ROOT, "%d records acked in %.3f s since delivery started (%.0f records/s)", n, secs, n / secs);
    if (halfNanos > 0 && now > halfNanos) {
      s += String.format(java.util.Locale.ROOT, "; the second half at %.0f records/s", (acked - halfAcked) / ((now - halfNanos) / 1e9));
    }
    return s;
  }

  private volatile long halfNanos;
  private volatile long halfAcked;

  /** Waits until the collector acked {@code seq}, noting when it was half way (for {@link #rate}); false on timeout. */
  public boolean awaitAckedTimed(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long mid = startedAcked + (seq - startedAcked) / 2;
    while (acked < seq) {
      if (halfNanos == 0 && acked >= mid && seq - startedAcked > 1000) {
        halfAcked = acked;
        halfNanos = System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  public String address() {
    return settings.address();
  }

  /** Highest acked seq, -1 if none. */
  public long acked() {
    return acked;
  }

  /** Records spooled and not acked by this collector. */
  public long lag() {
    long next = spool.nextSeq();
    long from = Math.max(acked + 1, spool.firstSeq());
    return Math.max(0, next - from);
  }

  public long dropped() {
    return dropped;
  }

  public boolean connected() {
    return connected;
  }

  public long sentRecords() {
    return sentRecords;
  }

  public long sentBytes() {
    return sentBytes;
  }

  public long connects() {
    return connects;
  }

  public String lastError() {
    return lastError;
  }

  public CollectorStatus status() {
    long a = acked;
    return CollectorStatus.newBuilder()
        .setName(settings.name())
        .setAddress(settings.address())
        .setConnected(connected)
        .setAckedSeq(Math.max(0, a))
        .setHasAcked(a >= 0)
        .setSentSeq(Math.max(0, sentSeq))
        .setLagRecords(lag())
        .setDroppedRecords(dropped)
        .setSentRecords(sentRecords)
        .setSentBytes(sentBytes)
        .setConnects(connects)
        .setLastError(lastError)
        .build();
  }

  /** Stops the thread (what is unacked stays in the spool for the next start), persists the cursor. */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    spool.removeRetentionListener(this);
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    persistIfDue(true);
  }
}
