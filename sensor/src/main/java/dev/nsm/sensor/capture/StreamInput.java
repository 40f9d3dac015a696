package dev.nsm.sensor.capture;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.ZipException;

/**
 * A capture read from a stream (stdin, a pipe, a gzip file) into one growable byte array.
 *
 * <pre>
 *   buf:  [ consumed | start ...... unread bytes ...... end | free ]
 *                      ^ offset()                       ^ next read() lands here
 * </pre>
 *
 * {@link #require} compacts the unread bytes to the front when a record would not fit behind them,
 * and grows the array only when a record is larger than it, step by step as its bytes arrive: after
 * warm-up no allocation, and never more than twice the bytes the input really holds.
 */
final class StreamInput extends ByteInput {
  static final int INITIAL_CAPACITY = 256 * 1024;

  private final InputStream in;
  /** Counts the bytes under a decompressor, for progress; null when {@link #in} is not compressed. */
  private final Counting compressed;
  private final long size;
  private final boolean gzip;
  private byte[] buf;
  private ByteBuffer view;
  private int start;
  private int end;
  /** Capture offset of buf[0]. */
  private long base;
  private boolean eof;

  /**
   * @param compressed the counting stream under a decompressor (then {@code size} is the compressed
   *     size), or null
   */
  StreamInput(String name, InputStream in, Counting compressed, long size, int capacity) {
    super(name);
    this.in = in;
    this.compressed = compressed;
    this.gzip = compressed != null;
    this.size = size;
    this.buf = new byte[capacity];
    this.view = ByteBuffer.wrap(buf);
  }

  @Override
  int require(int n) throws IOException {
    int have = end - start;
    if (have >= n) {
      return n;
    }
    if (eof) {
      return have;
    }
    while (end - start < n) {
      if (end == buf.length) {
        makeRoom(n);
      }
      int r;
      try {
        r = in.read(buf, end, buf.length - end);
      } catch (ZipException | EOFException e) {
        // GZIPInputStream: corrupt data, or the stream ends inside a member (a cut .gz file)
        throw error("gzip data damaged after capture byte offset " + (base + end) + ": " + e.getMessage());
      }
      if (r < 0) {
        eof = true;
        break;
      }
      end += r;
    }
    return Math.min(n, end - start);
  }

  /**
   * Moves the unread bytes to the front; when they fill the array and {@code n} needs more, into one
   * twice as large (at most {@code n}). The array grows only as the bytes actually arrive: a record
   * header claiming 256 MiB in a file of 40 bytes costs no 256 MiB array (a hostile or damaged
   * length is found out by the end of the input, not by an allocation).
   */
  private void makeRoom(int n) {
    int have = end - start;
    byte[] dst = buf;
    if (have == buf.length || start == 0) {
      dst = new byte[(int) Math.min(Integer.MAX_VALUE - 16, Math.min((long) n, 2L * buf.length))];
    }
    System.arraycopy(buf, start, dst, 0, have);
    if (dst != buf) {
      buf = dst;
      view = ByteBuffer.wrap(buf);
    }
    base += start;
    start = 0;
    end = have;
  }

  @Override
  ByteBuffer buffer() {
    return view;
  }

  @Override
  int offset() {
    return start;
  }

  @Override
  void advance(int n) {
    start += n;
  }

  @Override
  long captureOffset() {
    return base + start;
  }

  @Override
  long progress() {
    return gzip ? compressed.count : captureOffset();
  }

  @Override
  long size() {
    return size;
  }

  /** Capacity of the array now (tests check it stops growing). */
  int capacity() {
    return buf.length;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Counts the bytes read through it (the compressed bytes under a GZIPInputStream). */
  static final class Counting extends FilterInputStream {
    long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int r = super.read(b, off, len);
      if (r > 0) {
        count += r;
      }
      return r;
    }

    @Override
    public long skip(long n) throws IOException {
      long r = super.skip(n);
      count += r;
      return r;
    }
  }
}
