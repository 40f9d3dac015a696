package dev.nsm.sensor.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A regular file, memory-mapped read-only in windows so that files over 2 GiB (the limit of one
 * {@link ByteBuffer}) are read without copying.
 *
 * <pre>
 *   file:   | hdr | rec | rec | rec | rec | rec | rec | rec | ... |
 *   window:       [ mapStart ......................... mapStart+mapLen )
 *                                     record needing bytes past the end:
 *                                     remap a new window starting at it
 * </pre>
 *
 * A new window always starts at the record being read, so a record never straddles two windows; a
 * record larger than the window size gets a window of its own size. Old windows are not unmapped
 * explicitly (the JDK has no supported way); the GC releases them, and only address space (not
 * memory: the pages are the page cache's) is held meanwhile.
 */
final class MappedInput extends ByteInput {
  /** 1 GiB: few remaps on big files, and well under the 2 GiB limit of a ByteBuffer. */
  static final int DEFAULT_WINDOW = 1 << 30;

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final FileChannel channel;
  private final long size;
  private final int window;
  private ByteBuffer map = EMPTY;
  private long mapStart;
  private int mapLen;
  private long pos;

  MappedInput(String name, FileChannel channel, long size, int window) {
    super(name);
    if (window < 16) {
      throw new IllegalArgumentException("window " + window);
    }
    this.channel = channel;
    this.size = size;
    this.window = window;
  }

  @Override
  int require(int n) throws IOException {
    long left = size - pos;
    int want = left < n ? (int) left : n;
    if (pos + want > mapStart + mapLen) {
      remap(want);
    }
    return want;
  }

  private void remap(int want) throws IOException {
    long len = Math.min(Math.max(window, want), size - pos);
    map = channel.map(FileChannel.MapMode.READ_ONLY, pos, len);
    mapStart = pos;
    mapLen = (int) len;
  }

  @Override
  ByteBuffer buffer() {
    return map;
  }

  @Override
  int offset() {
    return (int) (pos - mapStart);
  }

  @Override
  void advance(int n) {
    pos += n;
  }

  @Override
  long captureOffset() {
    return pos;
  }

  @Override
  long progress() {
    return pos;
  }

  @Override
  long size() {
    return size;
  }

  @Override
  public void close() throws IOException {
    map = EMPTY;
    mapStart = pos;
    mapLen = 0;
    channel.close();
  }
}
