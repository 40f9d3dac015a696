package dev.nsm.parsers.packet;

/**
 * What {@link PacketDecoder} decapsulates: the UDP ports of the UDP tunnels, the maximum nesting
 * depth (Zeek's {@code Tunnel::max_depth}, 2) and the mirror transport. A port of 0 turns that tunnel
 * off; {@code maxDepth} 0 turns decapsulation off altogether.
 *
 * <p>The mirror transport is the tunnel the sensor's own mirror session arrives in (VXLAN from a
 * cloud traffic mirror, ERSPAN or GRE from a switch): when the outermost tunnel of a packet is of
 * that type, its outer layer is marked {@link DecodedPacket#tunnelTransport} (no flow of its own,
 * counted) and the inner packet is keyed as if it had been captured natively.
 */
public final class TunnelSettings {
  public int vxlanPort = 4789;
  public int genevePort = 6081;
  public int teredoPort = 3544;
  public int ayiyaPort = 5072;
  public int gtpuPort = 2152;
  /** Tunnels decapsulated in one packet at most; deeper ones are counted and left alone. */
  public int maxDepth = 2;
  /** The tunnel type carrying the mirror session, or null (none). */
  public TunnelType mirrorTransport;

  /** Zeek's defaults, no mirror transport. */
  public static TunnelSettings defaults() {
    return new TunnelSettings();
  }
}
