package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Event;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nsm.sensor.output.JsonLines;
import dev.nsm.sensor.output.WireJson;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
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
  private long slowPath;
  private final WireJson wireJson = new WireJson();

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
   * Writes the events of one batch that are not duplicates (not yet durable: {@link #commit}), adding
   * the sensor_ids the batch touched to {@code touched}. The batch is a {@code nsm.v1.Batch} in wire
   * format: each event is read for its sensor_id and seq only, and turned into its JSON line by
   * {@link WireJson} (by parsing and {@link JsonLines} when WireJson declines).
   *
   * @throws InvalidProtocolBufferException the batch is not a Batch (nothing after the bad event is written)
   */
  void write(byte[] batch, java.util.Set<String> touched) throws IOException {
    int p = 0;
    int end = batch.length;
    while (p < end) {
      long tag = varint(batch, p, end);
      p = next;
      int wire = (int) (tag & 7);
      if (tag >>> 3 != 1 || wire != 2) {
        p = skip(batch, p, end, wire); // not Batch.events: an unknown field
        continue;
      }
      long len = varint(batch, p, end);
      p = next;
      if (len < 0 || len > end - p) {
        throw new InvalidProtocolBufferException("a Batch event runs past the end of the batch");
      }
      event(batch, p, (int) len, touched);
      p += (int) len;
    }
  }

  private void event(byte[] b, int off, int len, java.util.Set<String> touched) throws IOException {
    // the delivery fields: sensor_id (1, LEN) and seq (2, VARINT), wherever they are among the record's
    int sidOff = -1;
    int sidLen = 0;
    long seq = 0;
    int p = off;
    int end = off + len;
    while (p < end) {
      long tag = varint(b, p, end);
      p = next;
      int wire = (int) (tag & 7);
      if (tag >>> 3 == 1 && wire == 2) {
        long l = varint(b, p, end);
        p = next;
        if (l < 0 || l > end - p) {
          throw new InvalidProtocolBufferException("sensor_id runs past the end of its event");
        }
        sidOff = p;
        sidLen = (int) l;
        p += sidLen;
      } else if (tag >>> 3 == 2 && wire == 0) {
        seq = varint(b, p, end);
        p = next;
      } else {
        p = skip(b, p, end, wire);
      }
    }
    String sid = sensorId(b, sidOff, sidLen);
    touched.add(sid);
    Long mark = hwm.get(sid);
    if (mark != null && seq <= mark) {
      duplicates++;
      return;
    }
    if (wireJson.line(Event.getDescriptor(), b, off, len)) {
      buffered.write(wireJson.bytes(), 0, wireJson.length());
    } else {
      json.accept(Event.parseFrom(java.nio.ByteBuffer.wrap(b, off, len)));
      slowPath++;
    }
    hwm.put(sid, seq);
    stored++;
  }

  private byte[] lastSid = new byte[0];
  private String lastSidString = "";

  /** The sensor_id as a String, reusing the last one when the bytes are the same (they nearly always are). */
  private String sensorId(byte[] b, int off, int len) {
    if (off < 0) {
      return "";
    }
    if (!Arrays.equals(b, off, off + len, lastSid, 0, lastSid.length)) {
      lastSid = Arrays.copyOfRange(b, off, off + len);
      lastSidString = new String(lastSid, StandardCharsets.UTF_8);
    }
    return lastSidString;
  }

  private int next;

  private long varint(byte[] b, int p, int end) throws InvalidProtocolBufferException {
    long v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      int x = b[p++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        next = p;
        return v;
      }
    }
    throw new InvalidProtocolBufferException("a malformed varint in a Batch");
  }

  private int skip(byte[] b, int p, int end, int wire) throws InvalidProtocolBufferException {
    switch (wire) {
      case 0:
        varint(b, p, end);
        return next;
      case 1:
        p += 8;
        break;
      case 2: {
        long l = varint(b, p, end);
        if (l < 0 || l > end - next) {
          throw new InvalidProtocolBufferException("a field runs past the end of its message");
        }
        return next + (int) l;
      }
      case 5:
        p += 4;
        break;
      default:
        throw new InvalidProtocolBufferException("wire type " + wire + " is not allowed in a Batch");
    }
    if (p > end) {
      throw new InvalidProtocolBufferException("a field runs past the end of its message");
    }
    return p;
  }

  /** Events written by parsing (WireJson declined them: malformed or merged encodings; none expected). */
  long slowPath() {
    return slowPath;
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
