package dev.nsm.sensor.capture;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
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
 *                                     unmap, map a new window starting at it
 * </pre>
 *
 * A new window always starts at the record being read, so a record never straddles two windows; a
 * record larger than the window size gets a window of its own size.
 *
 * <p>Why small windows, unmapped at once: the pages of a mapping count in the process's RSS as long
 * as it is mapped, and the JDK unmaps a MappedByteBuffer only when the GC collects it, which a
 * reader that allocates nothing may never trigger: with 1 GiB windows left to the GC, reading a
 * 1 GiB file three times showed a max RSS of 3.1 GB. So each window is unmapped as soon as the
 * next one is mapped (through {@code sun.misc.Unsafe.invokeCleaner}, from the jdk.unsupported
 * module; if that is unavailable the GC does it later). The price: a handler that kept the buffer
 * past its {@link PacketHandler#onPacket} call and read it after the next window was mapped would
 * read unmapped memory and crash the JVM: the contract says the bytes are valid only during the
 * call.
 */
final class MappedInput extends ByteInput {
  /**
   * 16 MiB: little RSS, and no slower than bigger windows (measured: a 1 GiB capture of 3.7 M
   * packets read at 21 M packets/s with windows from 8 MiB to 1 GiB; max RSS 60 MB at 16 MiB,
   * 1.09 GB at 1 GiB).
   */
  static final int DEFAULT_WINDOW = 16 << 20;

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
    ByteBuffer old = map;
    map = EMPTY;
    mapLen = 0;
    Unmapper.unmap(old);
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
    ByteBuffer old = map;
    map = EMPTY;
    mapStart = pos;
    mapLen = 0;
    Unmapper.unmap(old);
    channel.close();
  }

  /** Unmaps a mapped buffer now, through sun.misc.Unsafe.invokeCleaner when it is there. */
  static final class Unmapper {
    private static final MethodHandle INVOKE_CLEANER = find();

    private Unmapper() {}

    private static MethodHandle find() {
      try {
        Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
        Field f = unsafeClass.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Object unsafe = f.get(null);
        return MethodHandles.lookup()
            .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
            .bindTo(unsafe);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null; // left to the GC
      }
    }

    /** True when windows are unmapped at once (else the GC unmaps them, later). */
    static boolean available() {
      return INVOKE_CLEANER != null;
    }

    static void unmap(ByteBuffer b) {
      if (INVOKE_CLEANER == null || b == EMPTY || !b.isDirect()) {
        return;
      }
      try {
        INVOKE_CLEANER.invokeExact(b);
      } catch (Throwable e) {
        // not unmappable now: the GC will
      }
    }
  }
}
