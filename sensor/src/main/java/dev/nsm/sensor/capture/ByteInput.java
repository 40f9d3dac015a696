package dev.nsm.sensor.capture;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of a capture, read strictly forward, one record at a time. The readers ask for a whole
 * record ({@link #require}), read it in place in {@link #buffer()} from {@link #offset()}, and move
 * past it ({@link #advance}). Two implementations: {@link MappedInput} (a regular file, memory-mapped
 * in windows) and {@link StreamInput} (stdin, a pipe, a gzip stream: one growable byte array).
 *
 * <p>The buffer is always in BIG_ENDIAN order (the readers swap header fields themselves), so the
 * packet bytes handed on read the same whatever the file's byte order. The buffer returned may change
 * after each {@code require} (a new window, a grown array): re-read it after every call.
 */
abstract class ByteInput implements Closeable {
  /** What the error messages call this input: the path as given, or {@code <stdin>}. */
  final String name;

  ByteInput(String name) {
    this.name = name;
  }

  /**
   * Makes up to {@code n} bytes from the read position addressable in {@link #buffer()} at
   * {@link #offset()}.
   *
   * @return how many are (n, or fewer only at the end of the input; 0 at the end)
   */
  abstract int require(int n) throws IOException;

  /** The buffer holding the bytes made available by the last {@link #require}. */
  abstract ByteBuffer buffer();

  /** Index in {@link #buffer()} of the read position. */
  abstract int offset();

  /** Moves the read position forward by {@code n}, at most what the last {@link #require} returned. */
  abstract void advance(int n);

  /** The read position: bytes of the capture (uncompressed) consumed so far. */
  abstract long captureOffset();

  /** Bytes consumed, in the units of {@link #size()} (compressed bytes for a gzip file). */
  abstract long progress();

  /** Size of the input in bytes (compressed size for a gzip file), or -1 when unknown. */
  abstract long size();

  /** "name: detail", the one-line form of every error about this input. */
  CaptureFormatException error(String detail) {
    return new CaptureFormatException(name + ": " + detail);
  }
}
