package dev.nsm.sensor.capture;

import java.nio.ByteBuffer;

/** Receives each packet a {@link PacketSource} reads. The bytes are valid only during the call. */
@FunctionalInterface
public interface PacketHandler {
  /**
   * @param tsNanos packet time, nanoseconds since the epoch
   * @param linkType the packet's libpcap link type (pcapng: its interface's)
   * @param buf bytes of the packet at absolute positions [offset, offset + capLen); the handler must
   *     not change the buffer's position or limit, and must copy what it keeps (absolute bulk get)
   * @param capLen bytes captured
   * @param wireLen length of the packet on the wire
   */
  void onPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen);
}
