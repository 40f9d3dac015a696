package dev.nsm.sensor.capture;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens a capture file, whatever its format: classic pcap (both byte orders, micro- or nanosecond
 * timestamps, the "modified" variant) or pcapng, recognised by their first bytes, and either of them
 * gzip-compressed (read through {@link GZIPInputStream}).
 *
 * <ul>
 *   <li>A regular file is memory-mapped in windows of 16 MiB ({@link MappedInput}): no copy, files
 *       of any size, little RSS.
 *   <li>{@code "-"} (stdin), a pipe or other non-regular file, and gzip files are read as a stream
 *       into one growable buffer ({@link StreamInput}).
 * </ul>
 *
 * The packet bytes handed to a {@link PacketHandler} are in a BIG_ENDIAN buffer: the mapped file
 * itself, or the stream buffer. Every problem is a {@link CaptureFormatException} whose message is
 * one line, {@code "<path>: <what is wrong>"} ({@code <stdin>} for {@code -}).
 */
public final class CaptureFiles {
  private CaptureFiles() {}

  /** Sanity limit on a snaplen and on a record's captured length: 256 MiB. */
  public static final long MAX_RECORD = 256L << 20;
  /** libpcap's MAXIMUM_SNAPLEN: a caplen up to it is tolerated above the file's snaplen. */
  static final long LIBPCAP_MAX_SNAPLEN = 262144;

  /** What {@code -} is called in messages. */
  public static final String STDIN_NAME = "<stdin>";

  private static final int GZIP_MAGIC = 0x1f8b;

  /**
   * Opens {@code pathOrDash} ({@code -}: stdin) and reads its header.
   *
   * @return a {@link PcapReader} or a {@link PcapngReader}
   * @throws CaptureFormatException missing file, a directory, unreadable, empty, not a capture,
   *     a damaged or unsupported header
   */
  public static PacketSource open(String pathOrDash) throws IOException {
    return open(pathOrDash, MappedInput.DEFAULT_WINDOW);
  }

  /** As {@link #open(String)}, mapping windows of {@code window} bytes (tests use tiny ones). */
  static PacketSource open(String pathOrDash, int window) throws IOException {
    if ("-".equals(pathOrDash)) {
      return openStream(STDIN_NAME, System.in, -1);
    }
    String name = pathOrDash;
    Path path;
    try {
      path = Path.of(pathOrDash);
    } catch (InvalidPathException e) {
      throw new CaptureFormatException(name + ": not a valid path (" + e.getReason() + ")");
    }
    if (Files.isDirectory(path)) {
      throw new CaptureFormatException(name + ": is a directory, not a capture file");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CaptureFormatException(name + ": no such file");
    } catch (AccessDeniedException e) {
      throw new CaptureFormatException(name + ": cannot read it (permission denied)");
    } catch (IOException e) {
      throw new CaptureFormatException(name + ": cannot read it (" + e.getMessage() + ")", e);
    }
    boolean done = false;
    try {
      if (!Files.isRegularFile(path)) {
        // a FIFO, /dev/stdin, a character device: cannot be mapped. available() says 0: the JDK's
        // channel stream computes it as size - position, and position() on a pipe fails ("Illegal
        // seek"), which BufferedInputStream calls after every read that does not fill its buffer
        PacketSource s = openStream(name, new FilterInputStream(Channels.newInputStream(ch)) {
          @Override
          public int available() {
            return 0;
          }
        }, -1);
        done = true;
        return s;
      }
      long size = ch.size();
      if (size == 0) {
        throw new CaptureFormatException(name + ": empty file, not a capture");
      }
      ByteBuffer head = ByteBuffer.allocate(2);
      while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
        // positional reads until 2 bytes or the end
      }
      if (head.position() == 2 && (head.getShort(0) & 0xFFFF) == GZIP_MAGIC) {
        PacketSource s = openStream(name, Files.newInputStream(path), size);
        ch.close();
        done = true;
        return s;
      }
      PacketSource s = forInput(new MappedInput(name, ch, size, window), "file");
      done = true;
      return s;
    } finally {
      if (!done) {
        ch.close();
      }
    }
  }

  /**
   * Reads a capture from a stream, gunzipping it when it starts with the gzip magic.
   *
   * @param size the stream's size in bytes when known (for progress), else -1
   */
  public static PacketSource openStream(String name, InputStream raw, long size) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
    boolean done = false;
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = b0 < 0 ? -1 : in.read();
      in.reset();
      PacketSource s;
      if (b0 >= 0 && b1 >= 0 && ((b0 << 8) | b1) == GZIP_MAGIC) {
        StreamInput.Counting counted = new StreamInput.Counting(in);
        GZIPInputStream gz;
        try {
          gz = new GZIPInputStream(counted, 64 * 1024);
        } catch (ZipException | EOFException e) {
          throw new CaptureFormatException(name + ": damaged gzip header (" + e.getMessage() + ")");
        }
        s = forInput(
            new StreamInput(name, gz, counted, size, StreamInput.INITIAL_CAPACITY), "gzip content");
      } else {
        s = forInput(new StreamInput(name, in, null, size, StreamInput.INITIAL_CAPACITY), "input");
      }
      done = true;
      return s;
    } finally {
      if (!done) {
        in.close();
      }
    }
  }

  /**
   * Recognises the format by the first 4 bytes and reads the header; closes the input on error. An I/O
   * error is reported as a {@link CaptureFormatException} naming the input, like every other problem.
   */
  static PacketSource forInput(ByteInput in, String what) throws IOException {
    try {
      return recognise(in, what);
    } catch (CaptureFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new CaptureFormatException(in.name + ": read error: " + e.getMessage(), e);
    }
  }

  private static PacketSource recognise(ByteInput in, String what) throws IOException {
    boolean done = false;
    try {
      int got = in.require(4);
      if (got == 0) {
        throw in.error("empty " + what + ", not a capture");
      }
      ByteBuffer b = in.buffer();
      int o = in.offset();
      if (got < 4) {
        throw in.error("too short to be a capture (" + got + " bytes: " + hex(b, o, got) + ")");
      }
      int magic = b.getInt(o);
      PacketSource s;
      if (isPcapMagic(magic) || isPcapMagic(Integer.reverseBytes(magic))) {
        s = new PcapReader(in);
      } else if (magic == PcapngReader.SHB) {
        s = new PcapngReader(in);
      } else {
        throw in.error("not a pcap or pcapng capture (starts with " + hex(b, o, 4) + ")");
      }
      done = true;
      return s;
    } finally {
      if (!done) {
        in.close();
      }
    }
  }

  private static boolean isPcapMagic(int m) {
    return m == PcapReader.MAGIC_MICROS || m == PcapReader.MAGIC_NANOS
        || m == PcapReader.MAGIC_MODIFIED;
  }

  private static String hex(ByteBuffer b, int o, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", b.get(o + i) & 0xFF));
    }
    return sb.toString();
  }
}
