package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.output.JsonLines;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled collector's durable store: Events as JSON lines in one file, each line with its
 * {@code sensor_id} and {@code seq}, duplicates dropped by (sensor_id, seq), everything on disk
 * before it is acked. One thread ({@link CollectorServer}'s writer) calls it.
 *
 * <h2>Commit protocol (the fsync policy)</h2>
 *
 * <pre>
 *   1. write the new lines at the end of FILE          (buffered)
 *   2. fdatasync FILE                                   lines on disk
 *   3. write FILE.state.tmp: committed length of FILE
 *      and the highest seq per sensor_id; fsync it;
 *      rename it over FILE.state; fsync the directory  the commit point
 *   4. ack                                              only now does a sensor move its cursor
 * </pre>
 *
 * One commit covers every batch that arrived meanwhile (group commit), so fsyncs per second stay
 * few under load. On start, FILE is cut back to the committed length: lines written after the last
 * commit were never acked, the sensors send them again, and they are written once. So after any
 * crash or SIGKILL the file holds each (sensor_id, seq) exactly once, and the per-sensor high-water
 * marks survive restarts.
 *
 * <p>Dedup is by high-water mark: an Event whose seq is not above the highest stored for its
 * sensor_id is a duplicate. Sensors send each sensor's seqs in increasing order (gaps are records the
 * sensor's spool dropped), so this drops exactly the repeats.
 *
 * <p>State file format (text, one item a line): {@code length N}, then {@code sensor HWM ID} per
 * sensor (ID URL-encoded).
 */
final class CollectorStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CollectorStore.class);

  private final Path file;
  private final Path state;
  private final FileChannel channel;
  private final JsonLines json;
  private final OutputStream buffered;
  private final Map<String, Long> hwm = new LinkedHashMap<>();
  private long committedLength;
  private long stored;
  private long duplicates;
  private long commits;

  private CollectorStore(Path file, FileChannel channel, long committedLength, Map<String, Long> hwm) {
    this.file = file;
    this.state = stateOf(file);
    this.channel = channel;
    this.committedLength = committedLength;
    this.hwm.putAll(hwm);
    this.buffered = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20);
    this.json = new JsonLines(buffered);
  }

  static Path stateOf(Path file) {
    return file.resolveSibling(file.getFileName() + ".state");
  }

  /** Opens FILE for appending, recovering from a crash: cuts it back to its last committed length. */
  static CollectorStore open(Path file) throws IOException {
    Path state = stateOf(file);
    long committed = 0;
    Map<String, Long> marks = new LinkedHashMap<>();
    boolean hadState = false;
    try {
      for (String line : Files.readAllLines(state, StandardCharsets.UTF_8)) {
        String[] f = line.split(" ", 3);
        if (f[0].equals("length") && f.length == 2) {
          committed = Long.parseLong(f[1]);
          hadState = true;
        } else if (f[0].equals("sensor") && f.length == 3) {
          marks.put(URLDecoder.decode(f[2], StandardCharsets.UTF_8), Long.parseLong(f[1]));
        }
      }
    } catch (NoSuchFileException e) {
      // a new store
    } catch (NumberFormatException e) {
      throw new IOException(state + " is damaged: " + e.getMessage());
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    long size = ch.size();
    if (!hadState && size > 0) {
      ch.close();
      throw new IOException(file + " has lines but no " + state + " (its dedup state): move the file away or restore the state");
    }
    if (size > committed) {
      LOG.warn("collector: {} had {} byte(s) written after its last commit (never acked): cut back to {}", file, size - committed, committed);
      ch.truncate(committed);
      ch.force(true);
    } else if (size < committed) {
      LOG.warn("collector: {} is shorter ({}) than its last commit ({}): was it rotated? keeping the dedup marks", file, size, committed);
      committed = size;
    }
    ch.position(committed);
    return new CollectorStore(file, ch, committed, marks);
  }

  /**
   * Writes the events of one batch that are not duplicates (not yet durable: {@link #commit}).
   * Returns the sensor_ids the batch touched.
   */
  void write(List<Event> events, java.util.Set<String> touched) throws IOException {
    for (Event e : events) {
      String sid = e.getSensorId();
      touched.add(sid);
      Long mark = hwm.get(sid);
      if (mark != null && e.getSeq() <= mark) {
        duplicates++;
        continue;
      }
      json.accept(e);
      hwm.put(sid, e.getSeq());
      stored++;
    }
  }

  /** Makes everything written so far durable (the protocol above); after it, acks may go out. */
  void commit() throws IOException {
    buffered.flush();
    channel.force(false);
    long length = channel.position();
    StringBuilder b = new StringBuilder(64 + 64 * hwm.size());
    b.append("length ").append(length).append('\n');
    for (Map.Entry<String, Long> m : hwm.entrySet()) {
      b.append("sensor ").append(m.getValue()).append(' ').append(URLEncoder.encode(m.getKey(), StandardCharsets.UTF_8)).append('\n');
    }
    Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
    try (FileChannel s = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      s.write(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
      s.force(false);
    }
    Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Path dir = state.toAbsolutePath().getParent();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems cannot fsync a directory; the rename is then as durable as they make it
    }
    committedLength = length;
    commits++;
  }

  /** The highest stored seq of a sensor, -1 if none. */
  long hwm(String sensorId) {
    Long m = hwm.get(sensorId);
    return m == null ? -1 : m;
  }

  long stored() {
    return stored;
  }

  long duplicates() {
    return duplicates;
  }

  long commits() {
    return commits;
  }

  Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    try {
      buffered.flush();
    } finally {
      channel.close();
    }
  }
}
