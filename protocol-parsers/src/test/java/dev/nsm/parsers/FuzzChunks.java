package dev.nsm.parsers;

/**
 * The framing of the fuzz targets' inputs that are sequences (packets, segments, stream pieces):
 *
 * <pre>
 *   | head (1) | length (2, big-endian) | length bytes | head | length | bytes | ...
 * </pre>
 *
 * {@code head} means what each target says (a direction, a gap, a time step, flags). A last chunk
 * whose length runs past the input takes what is left, so every byte string is a valid input and
 * the fuzzer's mutations (cuts, insertions) never make it unreadable. {@code bench/fuzz-seeds.py}
 * writes the seed corpora in this framing from the project's captures.
 */
public final class FuzzChunks {
  private final byte[] in;
  private int pos;

  /** The current chunk: its head, and its bytes at [{@link #off}, {@link #off} + {@link #len}) of {@link #buf}. */
  public int head;
  public int off;
  public int len;

  public FuzzChunks(byte[] in) {
    this.in = in;
  }

  /** The input. */
  public byte[] buf() {
    return in;
  }

  /** Moves to the next chunk; false when the input is used up. */
  public boolean next() {
    if (pos >= in.length) {
      return false;
    }
    head = in[pos++] & 0xff;
    int n = 0;
    if (pos + 2 <= in.length) {
      n = ((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff);
      pos += 2;
    } else {
      pos = in.length;
    }
    off = pos;
    len = Math.min(n, in.length - pos);
    pos += len;
    return true;
  }

  /** The current chunk's bytes as a new array (for parsers that must see exactly them). */
  public byte[] copy() {
    return java.util.Arrays.copyOfRange(in, off, off + len);
  }

  /** Big-endian unsigned 32-bit value at {@code i} of the current chunk (0 for bytes past it). */
  public long u32(int i) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
      v = (v << 8) | (i + k < len ? in[off + i + k] & 0xff : 0);
    }
    return v;
  }
}
