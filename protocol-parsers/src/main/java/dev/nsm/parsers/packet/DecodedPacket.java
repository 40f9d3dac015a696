package dev.nsm.parsers.packet;

/**
 * What {@link PacketDecoder} learned of one packet's layers 2 to 4: a mutable struct, one per
 * ring slot (or per thread), overwritten by every decode. Nothing here is allocated per packet.
 *
 * <p>Offsets point into the buffer that was decoded ({@link #buf}); lengths "by header" are what the
 * headers claim (what went over the wire), lengths "captured" are the bytes actually present.
 */
public final class DecodedPacket {
  /** Packet time, nanoseconds since the epoch. */
  public long tsNanos;
  /** The buffer decoded (not owned; a ring slot's bytes or a reassembled datagram). */
  public byte[] buf;
  /** Bytes captured, and the packet's length on the wire. */
  public int capLen;
  public int wireLen;

  // ---- layer 2 and shims
  /** Number of 802.1Q/802.1ad tags seen (may exceed {@link #vlans}' length; the first two are kept). */
  public int vlanCount;
  /** VLAN ids, outer first. */
  public final int[] vlans = new int[2];

  // ---- layer 3
  /** 4 or 6; 0 when the packet carried no IP (ARP, LLDP, ...). */
  public int ipVersion;
  /** Source and destination address: IPv4 in bytes 0..3, IPv6 in 0..15. */
  public final byte[] src = new byte[16];
  public final byte[] dst = new byte[16];
  /** Transport protocol number (for IPv6, after the extension headers). */
  public int ipProto;
  /** Offset of the IP header in {@link #buf}. */
  public int ipOffset;
  /** IP length by header: IPv4 total length, IPv6 40 + payload length (what Zeek counts as ip bytes). */
  public int ipLen;
  /** IPv4 TTL / IPv6 hop limit. */
  public int ttl;
  /** True when this datagram was put together from fragments. */
  public boolean reassembled;

  // ---- layer 4
  /** Offset of the transport header in {@link #buf}; -1 when absent (e.g. a non-first fragment). */
  public int l4Offset;
  /** Ports (TCP/UDP); 0 otherwise. */
  public int srcPort;
  public int dstPort;
  /** ICMP / ICMPv6 type and code; -1 when not ICMP. */
  public int icmpType;
  public int icmpCode;
  /** TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
  public int tcpFlags;
  /** TCP sequence and acknowledgement numbers, unsigned 32-bit in a long. */
  public long seq;
  public long ack;
  /** TCP window (unscaled). */
  public int window;
  /** TCP options; -1 / 0 when absent. */
  public int mss;
  public int windowScale;
  public boolean sackPermitted;
  public int sackBlocks;
  /** Transport payload: offset in {@link #buf}, length by header, and bytes present. */
  public int payloadOffset;
  public int payloadLen;
  public int payloadCaptured;

  /** Symmetric hash of (addresses, protocol, ports, VLANs): A->B equals B->A. Set by the decoder. */
  public int flowHash;
  /**
   * Set with {@link DecodeResult#TCP_TRUNCATED} when the 20-byte TCP header is there but its options
   * are cut: the packet is malformed (counted as such), yet its flow key (addresses, ports,
   * {@link #flowHash}) is known. Zeek makes the connection then and counts no packet of it.
   */
  public boolean keyOnly;

  // ---- tunnels
  /** Storage bound on nested tunnels ({@link TunnelSettings#maxDepth} is clamped to it). */
  public static final int MAX_TUNNEL_LAYERS = 4;
  /**
   * The enclosing tunnels' outer packets, outermost first: {@code outer[0 .. tunnelDepth)}. Each is a
   * full decode of its layer (addresses, ports, IP length, payload) that a flow table takes like any
   * packet; this packet's own fields are the innermost layer's. Null in a layer itself.
   */
  public final DecodedPacket[] outer;
  /** Number of enclosing tunnels decapsulated (0: a packet as captured). */
  public int tunnelDepth;
  /**
   * In a layer: the tunnel its payload is (also set when the tunnel header was valid but the inner
   * packet was not IP or was malformed, so the packet stayed on this flow). Null when none.
   */
  public TunnelType carries;
  /**
   * This layer's transport was looked at as a tunnel (a tunnel's UDP port, or IP protocol 47, 4, 41),
   * whatever came of it: the packet belongs to a flow that may be a tunnel's outer flow.
   */
  public boolean tunnelCandidate;
  /** In a layer: this tunnel is the mirror transport (not a flow of its own). */
  public boolean tunnelTransport;
  /** In a layer: tunnel identifier (VXLAN/GENEVE VNI, GRE key, ERSPAN session, TEID), -1 when none. */
  public long tunnelId;
  /**
   * Which tunnel this packet came through: a hash of the enclosing (non-transport) layers' symmetric
   * address pairs, tunnel types and VNIs; 0 for a packet as captured. Part of the flow key, so equal
   * inner tuples in two tunnels stay apart, while both directions of one tunnel (whose outer ports may
   * differ, as VXLAN's source ports do) meet.
   */
  public long tunnelKey;
  /** Uid hash of the flow of the immediately enclosing tunnel (set by the pipeline), 0 when none. */
  public long parentUid;
  /** Bytes of the reassembled datagram in {@link #buf} when the decode put fragments together. */
  public int reassembledLen;

  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;
  public static final int TCP_URG = 0x20;

  public static final int PROTO_ICMP = 1;
  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;
  public static final int PROTO_ICMPV6 = 58;

  public DecodedPacket() {
    outer = new DecodedPacket[MAX_TUNNEL_LAYERS];
    for (int i = 0; i < outer.length; i++) {
      outer[i] = new DecodedPacket(false);
    }
  }

  private DecodedPacket(boolean layers) {
    outer = null;
  }

  /** Copies every per-packet field of {@code o} (not {@link #outer}): a layer snapshot or its restore. */
  public void copyFrom(DecodedPacket o) {
    tsNanos = o.tsNanos;
    buf = o.buf;
    capLen = o.capLen;
    wireLen = o.wireLen;
    vlanCount = o.vlanCount;
    vlans[0] = o.vlans[0];
    vlans[1] = o.vlans[1];
    ipVersion = o.ipVersion;
    System.arraycopy(o.src, 0, src, 0, 16);
    System.arraycopy(o.dst, 0, dst, 0, 16);
    ipProto = o.ipProto;
    ipOffset = o.ipOffset;
    ipLen = o.ipLen;
    ttl = o.ttl;
    reassembled = o.reassembled;
    l4Offset = o.l4Offset;
    srcPort = o.srcPort;
    dstPort = o.dstPort;
    icmpType = o.icmpType;
    icmpCode = o.icmpCode;
    tcpFlags = o.tcpFlags;
    seq = o.seq;
    ack = o.ack;
    window = o.window;
    mss = o.mss;
    windowScale = o.windowScale;
    sackPermitted = o.sackPermitted;
    sackBlocks = o.sackBlocks;
    payloadOffset = o.payloadOffset;
    payloadLen = o.payloadLen;
    payloadCaptured = o.payloadCaptured;
    flowHash = o.flowHash;
    tunnelDepth = o.tunnelDepth;
    carries = o.carries;
    tunnelTransport = o.tunnelTransport;
    tunnelCandidate = o.tunnelCandidate;
    tunnelId = o.tunnelId;
    tunnelKey = o.tunnelKey;
    parentUid = o.parentUid;
    reassembledLen = o.reassembledLen;
  }

  /** Forgets layer 3 and 4 (before decoding a tunnel's inner packet into this struct). */
  void resetInner() {
    vlanCount = 0;
    vlans[0] = 0;
    vlans[1] = 0;
    int depth = tunnelDepth;
    long key = tunnelKey;
    long ts = tsNanos;
    byte[] b = buf;
    int cap = capLen;
    int wire = wireLen;
    boolean re = reassembled;
    int reLen = reassembledLen;
    reset();
    tunnelDepth = depth;
    tunnelKey = key;
    tsNanos = ts;
    buf = b;
    capLen = cap;
    wireLen = wire;
    reassembled = re;
    reassembledLen = reLen;
  }

  /** Forgets the previous packet's fields (cheap: only what a decode may leave unset). */
  public void reset() {
    vlanCount = 0;
    vlans[0] = 0;
    vlans[1] = 0;
    ipVersion = 0;
    ipProto = 0;
    ipOffset = -1;
    ipLen = 0;
    ttl = 0;
    reassembled = false;
    l4Offset = -1;
    srcPort = 0;
    dstPort = 0;
    icmpType = -1;
    icmpCode = -1;
    tcpFlags = 0;
    seq = 0;
    ack = 0;
    window = 0;
    mss = -1;
    windowScale = -1;
    sackPermitted = false;
    sackBlocks = 0;
    payloadOffset = 0;
    payloadLen = 0;
    payloadCaptured = 0;
    flowHash = 0;
    keyOnly = false;
    tunnelDepth = 0;
    carries = null;
    tunnelTransport = false;
    tunnelCandidate = false;
    tunnelId = -1;
    tunnelKey = 0;
    parentUid = 0;
    reassembledLen = 0;
  }

  public boolean isTcp() {
    return ipProto == PROTO_TCP && l4Offset >= 0;
  }

  public boolean isUdp() {
    return ipProto == PROTO_UDP && l4Offset >= 0;
  }

  public boolean isIcmp() {
    return (ipProto == PROTO_ICMP || ipProto == PROTO_ICMPV6) && l4Offset >= 0;
  }

  public int addrLen() {
    return ipVersion == 6 ? 16 : 4;
  }
}
