package dev.nsm.sensor.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One packet as a handler saw it, its bytes copied; and a handler that records them all. */
final class Recorded {
  final long tsNanos;
  final int linkType;
  final int capLen;
  final int wireLen;
  final byte[] data;

  Recorded(long tsNanos, int linkType, int capLen, int wireLen, byte[] data) {
    this.tsNanos = tsNanos;
    this.linkType = linkType;
    this.capLen = capLen;
    this.wireLen = wireLen;
    this.data = data;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Recorded)) {
      return false;
    }
    Recorded r = (Recorded) o;
    return tsNanos == r.tsNanos && linkType == r.linkType && capLen == r.capLen
        && wireLen == r.wireLen && Arrays.equals(data, r.data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(tsNanos) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "ts=" + tsNanos + " lt=" + linkType + " cap=" + capLen + " wire=" + wireLen;
  }

  /** Records every packet, copying its bytes (absolute bulk get, as a ring slot would). */
  static final class Recorder implements PacketHandler {
    final List<Recorded> packets = new ArrayList<>();

    @Override
    public void onPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen,
        int wireLen) {
      byte[] d = new byte[capLen];
      buf.get(offset, d, 0, capLen);
      packets.add(new Recorded(tsNanos, linkType, capLen, wireLen, d));
    }
  }

  /** Reads all of {@code src}, closing it. */
  static List<Recorded> readAll(PacketSource src) throws IOException {
    try (src) {
      Recorder r = new Recorder();
      while (src.next(r)) {
        // all
      }
      return r.packets;
    }
  }
}
