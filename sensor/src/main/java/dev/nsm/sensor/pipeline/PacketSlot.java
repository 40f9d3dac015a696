package dev.nsm.sensor.pipeline;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;

/**
 * One preallocated entry of the packet ring: the packet's bytes (copied once from the capture) and
 * what the decoder found in them. The byte array grows to the largest packet seen and never shrinks,
 * so the steady state allocates nothing.
 */
public final class PacketSlot {
  /** Slot capacity at start; enough for an Ethernet frame with tags. */
  static final int INITIAL_CAPACITY = 2048;

  public byte[] data = new byte[INITIAL_CAPACITY];
  public int capLen;
  public int wireLen;
  public int linkType;
  public long tsNanos;
  /** Index of the packet in the input, from 1 (for messages). */
  public long packetNumber;
  public final DecodedPacket decoded = new DecodedPacket();
  public DecodeResult result;
  /** Marks the last slot of an input: every worker flushes its flows. */
  public static final int END_OF_INPUT = -2;

  /** Worker that owns this packet's flow, or -1 when no worker has anything to do with it (also a live
   * capture's idle tick, whose only content is its time). */
  public int shard;
  /**
   * Worker that owns the flow of each enclosing tunnel layer ({@code decoded.outer[i]}), -1 for none
   * (the mirror transport). Valid for {@code i < decoded.tunnelDepth}.
   */
  public final int[] outerShard = new int[DecodedPacket.MAX_TUNNEL_LAYERS];

  void ensureCapacity(int len) {
    if (data.length < len) {
      data = new byte[Math.max(len, data.length * 2)];
    }
  }
}
