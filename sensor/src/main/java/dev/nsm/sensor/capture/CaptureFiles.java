package dev.nsm.sensor.capture;
// TEMPORARY STUB by the lead so that main compiles until the helper branch (flow / readers) is merged.
// On a merge conflict keep the helper branch's version of this file entirely.
import java.io.IOException; import java.nio.*; import java.nio.channels.FileChannel; import java.nio.file.*;
public final class CaptureFiles {
  public static PacketSource open(String f) throws IOException {
    FileChannel ch = FileChannel.open(Path.of(f));
    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
    m.order(ByteOrder.LITTLE_ENDIAN);
    int link = m.getInt(20);
    return new PacketSource() {
      int pos = 24;
      public boolean next(PacketHandler h) { if (pos + 16 > m.limit()) return false; long s = m.getInt(pos) & 0xffffffffL; long us = m.getInt(pos+4); int cap = m.getInt(pos+8); int wire = m.getInt(pos+12);
        h.onPacket(s*1_000_000_000L + us*1000, link, m, pos+16, cap, wire); pos += 16 + cap; return true; }
      public long position() { return pos; } public long size() { return m.limit(); } public void close() throws IOException { ch.close(); }
    };
  }
}
