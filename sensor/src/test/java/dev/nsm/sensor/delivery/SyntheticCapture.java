package dev.nsm.sensor.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Captures made in the test: classic pcap (Ethernet, microseconds) of UDP packets where packet i is
 * flow i (source 10.x.y.z:port → 192.0.2.1:53), so {@code replay} makes exactly one flow record per
 * packet plus its stats record. The same as bench/make-flows-pcap.py. Written to a file, or in parts
 * to a pipe (a replay reading stdin then makes records while the test feeds it).
 */
final class SyntheticCapture {
  static final long T0_MICROS = 1_700_000_000L * 1_000_000L;

  private SyntheticCapture() {}

  /** A file of {@code n} flows spread over {@code seconds} of packet time. */
  static Path flows(Path file, int n, double seconds) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      header(out);
      packets(out, 0, n, T0_MICROS, (long) (seconds * 1_000_000 / Math.max(1, n)));
    }
    return file;
  }

  static void header(OutputStream out) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
    out.write(b.array());
  }

  /** Packets {@code first .. first+count-1}, the first at {@code tsMicros}, then every {@code stepMicros}. */
  static void packets(OutputStream out, int first, int count, long tsMicros, long stepMicros) throws IOException {
    byte[] payload = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
    int udpLen = 8 + payload.length;
    int ipLen = 20 + udpLen;
    int frameLen = 14 + ipLen;
    ByteBuffer rec = ByteBuffer.allocate(16 + frameLen);
    for (int k = 0; k < count; k++) {
      int i = first + k;
      long ts = tsMicros + k * stepMicros;
      rec.clear();
      rec.order(ByteOrder.LITTLE_ENDIAN);
      rec.putInt((int) (ts / 1_000_000)).putInt((int) (ts % 1_000_000)).putInt(frameLen).putInt(frameLen);
      rec.order(ByteOrder.BIG_ENDIAN);
      rec.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0});
      rec.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) i).putShort((short) 0)
          .put((byte) 64).put((byte) 17).putShort((short) 0).putInt((10 << 24) | (i >>> 14)).putInt(0xC0000201);
      rec.putShort((short) (1024 + (i & 0x3FFF))).putShort((short) 53).putShort((short) udpLen).putShort((short) 0);
      rec.put(payload);
      out.write(rec.array(), 0, rec.position());
    }
  }
}
