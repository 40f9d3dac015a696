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
