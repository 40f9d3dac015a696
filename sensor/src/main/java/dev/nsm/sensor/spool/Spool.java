package dev.nsm.sensor.spool;

import com.google.protobuf.CodedOutputStream;
import dev.nsm.proto.v1.Event;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool: a Chronicle Queue on disk between the record makers and everything that ships records
 * (an exporter per collector, Subscribe streams). One writer thread appends each record as the
 * protobuf bytes of its Event ({@link SpoolEntry}), stamped with the sensor id and its seq; readers
 * ({@link SpoolReader}, one per thread) follow at their own pace. Capture never waits for a reader:
 * a reader that falls behind by more than retention allows loses the oldest records, counted by
 * {@link RetentionListener}s (the exporters, per collector).
 *
 * <h2>seq and the queue index</h2>
 *
 * Chronicle Queue numbers entries with an index {@code (cycle << shift) | n}: {@code cycle} counts
 * roll periods since the epoch, {@code n} counts entries from 0 within the cycle. The spool's seq is
 * dense instead (0, 1, 2, ... across cycles and restarts), and the two map monotonically:
 *
 * <pre>
 *   cycle c holds seqs [first(c), first(next cycle)):   seq = first(c) + n     index = toIndex(c, n)
 *
 *   cycle 0x5b546c: n = 0 1 2 ... 999        cycle 0x5b546d: n = 0 1 2 ...
 *             seq = 0 1 2 ... 999                      seq = 1000 1001 1002 ...
 * </pre>
 *
 * {@code first(c)} is the seq of the cycle's first entry; the spool keeps them in a small map,
 * filled at open by reading each cycle's first entry and on each roll by the writer. Every entry
 * also carries its seq (Event.seq), so a reader verifies where it landed. The next seq after a
 * restart is the last entry's seq + 1; the newest cycle file is never deleted, so the last seq
 * survives any retention.
 *
 * <h2>Retention</h2>
 *
 * Whole cycle files are deleted, oldest first, when the spool holds more than {@code maxBytes}, or
 * when a cycle ended more than {@code maxAge} ago; never the newest cycle. {@link #maintain} does it
 * on the writer thread (the daemon calls it about once a second). Size is what the files use (the
 * queue's write position in each), so a bound should hold several cycles at the peak record rate.
 *
 * <h2>Durability</h2>
 *
 * An appended record is in the page cache of a memory-mapped file: it survives a crash or SIGKILL
 * of the sensor (Chronicle Queue recovers the write lock of a dead writer), not a power loss of the
 * host within the kernel's writeback delay (about 30 s on Linux).
 */
public final class Spool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

  /** Told when retention deletes records, on the writer thread. */
  public interface RetentionListener {
    /** Records with seq in [{@code fromSeq}, {@code toSeq}) are gone. */
    void deleted(long fromSeq, long toSeq);
  }

  /** Where and how much. */
  public static final class Settings {
    final Path dir;
    final RollCycle rollCycle;
    final long maxBytes;
    final Duration maxAge;
    final TimeProvider clock;

    public Settings(Path dir, RollCycle rollCycle, long maxBytes, Duration maxAge, TimeProvider clock) {
      this.dir = dir;
      this.rollCycle = rollCycle;
      this.maxBytes = maxBytes;
      this.maxAge = maxAge;
      this.clock = clock == null ? SystemTimeProvider.INSTANCE : clock;
    }

    public Settings(Path dir, RollCycle rollCycle, long maxBytes, Duration maxAge) {
      this(dir, rollCycle, maxBytes, maxAge, null);
    }

    /** The state directory: the queue in queue/, the collectors' cursors in cursors/. */
    public Path dir() {
      return dir;
    }

    public RollCycle rollCycle() {
      return rollCycle;
    }

    public long maxBytes() {
      return maxBytes;
    }

    public Duration maxAge() {
      return maxAge;
    }
  }

  /** The roll cycles a configuration may name, and the Chronicle Queue roll cycle of each. */
  public static final Map<String, RollCycle> ROLL_CYCLES = Map.of(
      "5m", RollCycles.FIVE_MINUTELY, "10m", RollCycles.TEN_MINUTELY, "20m", RollCycles.TWENTY_MINUTELY,
      "30m", RollCycles.HALF_HOURLY, "1h", RollCycles.FAST_HOURLY, "2h", RollCycles.TWO_HOURLY,
      "4h", RollCycles.FOUR_HOURLY, "6h", RollCycles.SIX_HOURLY, "1d", RollCycles.FAST_DAILY);

  private final Settings settings;
  private final SingleChronicleQueue queue;
  private final RollCycle rollCycle;
  private final String sensorId;
  /** Field 1 (sensor_id) encoded once: tag, length, UTF-8. */
  private final byte[] sensorIdField;
  /** first seq of each cycle → queue index of that entry; read by readers to seek. */
  final ConcurrentSkipListMap<Long, Long> cycleStarts = new ConcurrentSkipListMap<>();
  /** Writer thread only: cycle → its first seq (and bytes, once closed). */
  private final TreeMap<Integer, long[]> cycles = new TreeMap<>();
  private final List<RetentionListener> listeners = new CopyOnWriteArrayList<>();

  private volatile long nextSeq;
  private volatile long firstSeq;
  private volatile long appended;
  private volatile long deleted;
  private volatile long bytes;
  private volatile int cycleCount;
  private ExcerptAppender appender;
  private int appendCycle = Integer.MIN_VALUE;
  private byte[] buf = new byte[1024];
  private volatile boolean closed;

  private Spool(Settings s, String sensorId) {
    this.settings = s;
    this.sensorId = sensorId;
    byte[] id = sensorId.getBytes(StandardCharsets.UTF_8);
    sensorIdField = new byte[1 + SpoolEntry.varintSize(id.length) + id.length];
    int p = SpoolEntry.putVarint(sensorIdField, 0, SpoolEntry.SENSOR_ID_TAG);
    p = SpoolEntry.putVarint(sensorIdField, p, id.length);
    System.arraycopy(id, 0, sensorIdField, p, id.length);
    this.queue = SingleChronicleQueueBuilder.binary(s.dir.resolve("queue"))
        .rollCycle(s.rollCycle)
        .timeProvider(s.clock)
        .build();
    this.rollCycle = queue.rollCycle();
  }

  /**
   * Opens (or creates) the spool under {@code settings.dir}: the queue's files in {@code queue/}.
   * Finds every cycle's first seq and the next seq, then applies retention once.
   */
  public static Spool open(Settings settings, String sensorId) throws IOException {
    Files.createDirectories(settings.dir.resolve("queue"));
    if (!Files.isWritable(settings.dir)) {
      throw new IOException(settings.dir + " is not writable");
    }
    Spool s;
    try {
      s = new Spool(settings, sensorId);
    } catch (RuntimeException e) {
      throw new IOException("cannot open the spool in " + settings.dir + ": " + e, e);
    }
    s.scan();
    s.maintain();
    return s;
  }

  /** Reads the first seq of every cycle, and the last seq, from the files. */
  private void scan() {
    long next = 0;
    try (ExcerptTailer t = queue.createTailer()) {
      int first = queue.firstCycle();
      int last = queue.lastCycle();
      if (first != Integer.MAX_VALUE && last != Integer.MIN_VALUE) {
        NavigableSet<Long> all = queue.listCyclesBetween(first, last);
        for (long c : all) {
          int cycle = (int) c;
          long[] info = {-1, -1};
          if (t.moveToCycle(cycle)) {
            try (DocumentContext dc = t.readingDocument()) {
              if (dc.isPresent() && rollCycle.toCycle(dc.index()) == cycle) {
                long seq = seqOf(dc);
                if (seq >= 0) {
                  info[0] = seq;
                  cycleStarts.put(seq, dc.index());
                }
              }
            }
          }
          cycles.put(cycle, info);
        }
      }
      t.direction(TailerDirection.BACKWARD).toEnd();
      try (DocumentContext dc = t.readingDocument()) {
        if (dc.isPresent()) {
          long seq = seqOf(dc);
          if (seq < 0) {
            throw new IllegalStateException("the last entry of the spool in " + settings.dir + " has no seq: not a spool");
          }
          next = seq + 1;
        }
      }
    }
    nextSeq = next;
    firstSeq = cycleStarts.isEmpty() ? next : cycleStarts.firstKey();
    cycleCount = cycles.size();
  }

  private static long seqOf(DocumentContext dc) {
    var b = dc.wire().bytes();
    int len = (int) Math.min(b.readRemaining(), 64);
    byte[] head = new byte[len];
    b.read(head, 0, len);
    return SpoolEntry.seq(head, 0, len);
  }

  public void addRetentionListener(RetentionListener l) {
    listeners.add(l);
  }

  public void removeRetentionListener(RetentionListener l) {
    listeners.remove(l);
  }

  /**
   * Appends one record (writer thread only) and returns its seq. The Event's own sensor_id and seq,
   * if set, are replaced.
   */
  public long append(Event event) {
    if (appender == null) {
      appender = queue.createAppender(); // on the writer thread: Chronicle appenders belong to one thread
    }
    if (event.hasSensorId() || event.hasSeq()) {
      event = event.toBuilder().clearSensorId().clearSeq().build();
    }
    long seq = nextSeq;
    int body = event.getSerializedSize();
    int size = sensorIdField.length + 1 + SpoolEntry.varintSize(seq) + body;
    if (buf.length < size) {
      buf = new byte[Math.max(size, buf.length * 2)];
    }
    System.arraycopy(sensorIdField, 0, buf, 0, sensorIdField.length);
    int p = sensorIdField.length;
    buf[p++] = (byte) SpoolEntry.SEQ_TAG;
    p = SpoolEntry.putVarint(buf, p, seq);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(buf, p, body);
      event.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: the array is sized to the message
    }
    try (DocumentContext dc = appender.writingDocument()) {
      dc.wire().bytes().write(buf, 0, size);
    }
    long index = appender.lastIndexAppended();
    int cycle = rollCycle.toCycle(index);
    if (cycle != appendCycle) {
      appendCycle = cycle;
      long[] info = cycles.get(cycle);
      if (info == null || info[0] < 0) {
        cycles.put(cycle, new long[] {seq, -1});
        cycleStarts.put(seq, index);
        cycleCount = cycles.size();
      }
    }
    nextSeq = seq + 1;
    appended++;
    return seq;
  }

  /**
   * Retention (writer thread, or before the writer starts): deletes whole cycles, oldest first, past
   * the size or the age bound, never the newest; tells the listeners which seqs went. Also measures
   * the spool's size.
   */
  public void maintain() {
    if (closed) {
      return;
    }
    int newest = cycles.isEmpty() ? Integer.MIN_VALUE : cycles.lastKey();
    long total = 0;
    for (Map.Entry<Integer, long[]> e : cycles.entrySet()) {
      long[] info = e.getValue();
      if (e.getKey() != newest && info[1] >= 0) {
        total += info[1];
        continue;
      }
      long used = usedBytes(e.getKey());
      if (e.getKey() != newest) {
        info[1] = used; // a closed cycle does not grow again
      }
      total += used;
    }
    long now = settings.clock.currentTimeMillis();
    long cycleMillis = rollCycle.lengthInMillis();
    List<Integer> doomed = new ArrayList<>();
    long remaining = total;
    for (Map.Entry<Integer, long[]> e : cycles.entrySet()) {
      int c = e.getKey();
      if (c == newest) {
        break;
      }
      long endMillis = ((long) c + 1) * cycleMillis; // cycles count periods since the epoch (epoch 0)
      boolean tooOld = now - endMillis > settings.maxAge.toMillis();
      boolean tooBig = remaining > settings.maxBytes;
      if (!tooOld && !tooBig) {
        break;
      }
      doomed.add(c);
      remaining -= Math.max(0, e.getValue()[1]);
    }
    for (int c : doomed) {
      delete(c);
    }
    bytes = remaining;
  }

  private void delete(int cycle) {
    long[] info = cycles.remove(cycle);
    Map.Entry<Integer, long[]> next = cycles.higherEntry(cycle);
    File file = fileOf(cycle);
    if (info[0] >= 0) {
      cycleStarts.remove(info[0]);
    }
    long from = info[0] >= 0 ? info[0] : firstSeq;
    long to = firstStartFrom(next);
    firstSeq = to;
    try {
      if (file != null) {
        Files.deleteIfExists(file.toPath());
      }
    } catch (IOException e) {
      LOG.warn("spool: cannot delete {}: {}", file, e.toString());
    }
    queue.refreshDirectoryListing();
    cycleCount = cycles.size();
    if (to > from) {
      deleted += to - from;
      for (RetentionListener l : listeners) {
        l.deleted(from, to);
      }
      LOG.info("spool: retention deleted {} record(s), seq {} to {} ({})", to - from, from, to - 1, file == null ? "?" : file.getName());
    }
  }

  /** The first seq at or after this cycle (the next seq if no later cycle has entries). */
  private long firstStartFrom(Map.Entry<Integer, long[]> e) {
    for (; e != null; e = cycles.higherEntry(e.getKey())) {
      if (e.getValue()[0] >= 0) {
        return e.getValue()[0];
      }
    }
    return nextSeq;
  }

  private long usedBytes(int cycle) {
    SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
    if (store == null) {
      return 0;
    }
    try {
      return store.writePosition();
    } finally {
      queue.closeStore(store);
    }
  }

  private File fileOf(int cycle) {
    SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
    if (store == null) {
      return null;
    }
    try {
      return store.file();
    } finally {
      queue.closeStore(store);
    }
  }

  /** A reader for one thread, positioned with {@link SpoolReader#seek}. */
  public SpoolReader reader() {
    return new SpoolReader(this);
  }

  SingleChronicleQueue queue() {
    return queue;
  }

  RollCycle rollCycle() {
    return rollCycle;
  }

  public String sensorId() {
    return sensorId;
  }

  public Path dir() {
    return settings.dir;
  }

  public long maxBytes() {
    return settings.maxBytes;
  }

  /** The oldest seq still held (= {@link #nextSeq} when empty). */
  public long firstSeq() {
    return firstSeq;
  }

  /** The seq the next record will get. */
  public long nextSeq() {
    return nextSeq;
  }

  /** Records appended since open. */
  public long appended() {
    return appended;
  }

  /** Records deleted by retention since open. */
  public long deleted() {
    return deleted;
  }

  /** Bytes the cycles use, as of the last {@link #maintain}. */
  public long bytes() {
    return bytes;
  }

  public int cycles() {
    return cycleCount;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (appender != null) {
      appender.close();
    }
    queue.close();
  }
}
