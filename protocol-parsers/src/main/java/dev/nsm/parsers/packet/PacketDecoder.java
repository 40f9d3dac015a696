package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.Bytes.s32;
import static dev.nsm.parsers.packet.Bytes.s32le;
import static dev.nsm.parsers.packet.Bytes.u16;
import static dev.nsm.parsers.packet.Bytes.u32;
import static dev.nsm.parsers.packet.Bytes.u8;

/**
 * Decodes layers 2 to 4 of one captured frame in place into a {@link DecodedPacket}: link layer (by
 * link type), the shims span ports carry (802.1Q/802.1ad, MPLS, PPPoE, PBB, VNTag, FabricPath), IPv4
 * and IPv6 (extension headers, fragments through an {@link IpDefragmenter}), TCP, UDP, ICMP.
 *
 * <p>One instance per thread, reused for every packet: no allocation, no exception. Every length
 * read from the packet is checked against the bytes present; a malformed header returns its
 * {@link DecodeResult} for the caller to count.
 */
public final class PacketDecoder {
  /** Shim headers (VLAN tags, MPLS labels, ...) followed before giving up. */
  static final int MAX_SHIMS = 16;
  /** IPv6 extension headers followed before giving up. */
  static final int MAX_IPV6_EXT = 16;

  static final int ETH_IPV4 = 0x0800;
  static final int ETH_IPV6 = 0x86dd;
  static final int ETH_VLAN = 0x8100;
  static final int ETH_QINQ = 0x88a8;
  static final int ETH_QINQ_OLD1 = 0x9100;
  static final int ETH_QINQ_OLD2 = 0x9200;
  static final int ETH_MPLS = 0x8847;
  static final int ETH_MPLS_MC = 0x8848;
  static final int ETH_PPPOE_SESSION = 0x8864;
  static final int ETH_PBB = 0x88e7;
  static final int ETH_VNTAG = 0x8926;
  static final int ETH_FABRICPATH = 0x8903;

  static final int PPP_IPV4 = 0x0021;
  static final int PPP_IPV6 = 0x0057;

  private final IpDefragmenter defrag;
  private final TunnelSettings tunnels;
  private final int maxDepth;

  /** Packets decapsulated, by {@link TunnelType} ordinal (a packet in two tunnels counts in both). */
  public final long[] decapsulated = new long[TunnelType.values().length];
  /** Tunnels not decapsulated, by {@link TunnelError} ordinal. */
  public final long[] tunnelErrors = new long[TunnelError.values().length];
  /** Packets whose outermost tunnel was the mirror transport. */
  public long mirrorTransportPackets;

  /** A decoder with Zeek's tunnel defaults ({@link TunnelSettings#defaults()}). */
  public PacketDecoder(IpDefragmenter defrag) {
    this(defrag, TunnelSettings.defaults());
  }

  public PacketDecoder(IpDefragmenter defrag, TunnelSettings tunnels) {
    this.defrag = defrag;
    this.tunnels = tunnels;
    this.maxDepth = Math.max(0, Math.min(tunnels.maxDepth, DecodedPacket.MAX_TUNNEL_LAYERS));
  }

  public TunnelSettings tunnelSettings() {
    return tunnels;
  }

  public IpDefragmenter defragmenter() {
    return defrag;
  }

  /**
   * Decodes {@code buf[0, capLen)}.
   *
   * @return OK (all of {@code p} that applies is set), NOT_IP, FRAGMENT_HELD (stored for reassembly:
   *     nothing to do now) or a malformation. When a datagram completes from fragments,
   *     {@code p.buf} is the defragmenter's buffer (valid until the next decode) and
   *     {@code p.reassembled} is set.
   */
  public DecodeResult decode(byte[] buf, int capLen, int wireLen, int linkType, long tsNanos, DecodedPacket p) {
    p.reset();
    p.buf = buf;
    p.capLen = capLen;
    p.wireLen = wireLen;
    p.tsNanos = tsNanos;
    switch (linkType) {
      case LinkType.ETHERNET:
        return ethernet(buf, 0, capLen, p);
      case LinkType.RAW:
      case LinkType.RAW_12:
      case LinkType.RAW_14:
      case LinkType.IPV4:
      case LinkType.IPV6:
        return ipByVersion(buf, 0, capLen, p);
      case LinkType.NULL:
      case LinkType.LOOP:
        return loopback(buf, capLen, linkType, p);
      case LinkType.LINUX_SLL:
        // +---------------------------+
        // | packet type (2)           |
        // | ARPHRD type (2)           |
        // | link-layer addr len (2)   |
        // | link-layer addr (8)       |
        // | protocol (2)              |   ethertype
        // +---------------------------+
        if (capLen < 16) {
          return DecodeResult.L2_TRUNCATED;
        }
        return etherType(buf, 16, capLen, u16(buf, 14), p);
      case LinkType.LINUX_SLL2:
        // protocol (2) | reserved (2) | if index (4) | ARPHRD (2) | pkt type (1) | addr len (1) | addr (8)
        if (capLen < 20) {
          return DecodeResult.L2_TRUNCATED;
        }
        return etherType(buf, 20, capLen, u16(buf, 0), p);
      case LinkType.PPP:
        return ppp(buf, 0, capLen, p);
      case LinkType.PPP_HDLC:
        if (capLen < 4) {
          return DecodeResult.PPP_TRUNCATED;
        }
        return pppProtocol(buf, 4, capLen, u16(buf, 2), p);
      case LinkType.C_HDLC:
        // address (1) | control (1) | protocol (2, an ethertype)
        if (capLen < 4) {
          return DecodeResult.L2_TRUNCATED;
        }
        return etherType(buf, 4, capLen, u16(buf, 2), p);
      default:
        return DecodeResult.UNSUPPORTED_LINKTYPE;
    }
  }

  // ------------------------------------------------------------------ layer 2

  /*
   * Ethernet II:
   *  0                   6                  12      14
   * +-------------------+-------------------+-------+
   * | destination MAC   | source MAC        | type  |
   * +-------------------+-------------------+-------+
   * Cisco FabricPath puts a 16-byte outer header (type 0x8903 at 12) before an ordinary frame.
   */
  private DecodeResult ethernet(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 14) {
      return DecodeResult.L2_TRUNCATED;
    }
    int type = u16(buf, off + 12);
    if (type == ETH_FABRICPATH) {
      off += 16;
      if (end - off < 14) {
        return DecodeResult.SHIM_TRUNCATED;
      }
      type = u16(buf, off + 12);
    }
    off += 14;
    if (type < 0x0600) {
      // 802.3 length field: only LLC/SNAP with an ethertype can carry IP.
      if (end - off >= 8 && u8(buf, off) == 0xaa && u8(buf, off + 1) == 0xaa && u8(buf, off + 2) == 0x03) {
        return etherType(buf, off + 8, end, u16(buf, off + 6), p);
      }
      return DecodeResult.NOT_IP;
    }
    return etherType(buf, off, end, type, p);
  }

  /** Follows shims by ethertype until IP. */
  private DecodeResult etherType(byte[] buf, int off, int end, int type, DecodedPacket p) {
    for (int shims = 0; shims < MAX_SHIMS; shims++) {
      switch (type) {
        case ETH_IPV4:
          return ipv4(buf, off, end, p);
        case ETH_IPV6:
          return ipv6(buf, off, end, p);
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2:
          // TCI (PCP 3 | DEI 1 | VID 12) | ethertype
          if (end - off < 4) {
            return DecodeResult.VLAN_TRUNCATED;
          }
          if (p.vlanCount < p.vlans.length) {
            p.vlans[p.vlanCount] = u16(buf, off) & 0x0fff;
          }
          p.vlanCount++;
          type = u16(buf, off + 2);
          off += 4;
          break;
        case ETH_MPLS:
        case ETH_MPLS_MC:
          return mpls(buf, off, end, p);
        case ETH_PPPOE_SESSION:
          // ver/type (1) | code (1) | session id (2) | length (2) | PPP protocol (1 or 2)
          if (end - off < 7) {
            return DecodeResult.PPPOE_TRUNCATED;
          }
          return pppProtocolField(buf, off + 6, end, p);
        case ETH_PBB:
          // I-TAG (4: PCP/DEI/UCA/res | I-SID 24) | customer dst (6) | customer src (6) | ethertype
          if (end - off < 18) {
            return DecodeResult.SHIM_TRUNCATED;
          }
          type = u16(buf, off + 16);
          off += 18;
          break;
        case ETH_VNTAG:
          // VNTag (4) | ethertype
          if (end - off < 6) {
            return DecodeResult.SHIM_TRUNCATED;
          }
          type = u16(buf, off + 4);
          off += 6;
          break;
        default:
          return DecodeResult.NOT_IP;
      }
    }
    return DecodeResult.SHIM_TRUNCATED;
  }

  /*
   * MPLS label stack entry:
   * +--------------------+-----+---+----------+
   * | label (20)         | TC 3| S | TTL (8)  |   S: bottom of stack
   * +--------------------+-----+---+----------+
   * After the bottom entry the payload's first nibble tells IPv4 or IPv6 (as Zeek does).
   */
  private DecodeResult mpls(byte[] buf, int off, int end, DecodedPacket p) {
    for (int labels = 0; labels < MAX_SHIMS; labels++) {
      if (end - off < 4) {
        return DecodeResult.MPLS_TRUNCATED;
      }
      boolean bottom = (u8(buf, off + 2) & 0x01) != 0;
      off += 4;
      if (bottom) {
        if (end - off < 1) {
          return DecodeResult.MPLS_TRUNCATED;
        }
        int version = u8(buf, off) >>> 4;
        if (version == 4 || version == 6) {
          return ipByVersion(buf, off, end, p);
        }
        return DecodeResult.NOT_IP;
      }
    }
    return DecodeResult.MPLS_TRUNCATED;
  }

  /** PPP (link type 9): optional address/control 0xff 0x03, then a 1- or 2-byte protocol. */
  private DecodeResult ppp(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off >= 2 && u8(buf, off) == 0xff && u8(buf, off + 1) == 0x03) {
      off += 2;
    }
    return pppProtocolField(buf, off, end, p);
  }

  /** A PPP protocol field: two bytes, or one when compressed (an odd first byte). */
  private DecodeResult pppProtocolField(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 1) {
      return DecodeResult.PPP_TRUNCATED;
    }
    int proto;
    if ((u8(buf, off) & 0x01) != 0) { // protocol field compression: one byte
      proto = u8(buf, off);
      off += 1;
    } else {
      if (end - off < 2) {
        return DecodeResult.PPP_TRUNCATED;
      }
      proto = u16(buf, off);
      off += 2;
    }
    return pppProtocol(buf, off, end, proto, p);
  }

  private DecodeResult pppProtocol(byte[] buf, int off, int end, int proto, DecodedPacket p) {
    if (proto == PPP_IPV4) {
      return ipv4(buf, off, end, p);
    }
    if (proto == PPP_IPV6) {
      return ipv6(buf, off, end, p);
    }
    return DecodeResult.NOT_IP;
  }

  /** BSD loopback: a 4-byte address family, host byte order (NULL) or network order (LOOP). */
  private DecodeResult loopback(byte[] buf, int end, int linkType, DecodedPacket p) {
    if (end < 4) {
      return DecodeResult.L2_TRUNCATED;
    }
    int family = linkType == LinkType.LOOP ? s32(buf, 0) : s32le(buf, 0);
    if ((family & 0xffff0000) != 0) { // written on a host of the other byte order
      family = Integer.reverseBytes(family);
    }
    switch (family) {
      case 2:
        return ipv4(buf, 4, end, p);
      case 10: case 24: case 28: case 30: // Linux, NetBSD/OpenBSD, FreeBSD, Darwin
        return ipv6(buf, 4, end, p);
      default:
        return DecodeResult.NOT_IP;
    }
  }

  // ------------------------------------------------------------------ layer 3

  private DecodeResult ipByVersion(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 1) {
      return DecodeResult.IPV4_TRUNCATED;
    }
    int version = u8(buf, off) >>> 4;
    if (version == 4) {
      return ipv4(buf, off, end, p);
    }
    if (version == 6) {
      return ipv6(buf, off, end, p);
    }
    return DecodeResult.IP_BAD_VERSION;
  }

  /*
   * IPv4 (RFC 791):
   *  0                   1                   2                   3
   *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Version|  IHL  |Type of Service|          Total Length         |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |         Identification        |Flags|      Fragment Offset    |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Time to Live |    Protocol   |         Header Checksum       |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                       Source Address                          |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Destination Address                        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Options (IHL > 5)                          |
   */
  static final int IPV4_TOTAL_LENGTH = 2;
  static final int IPV4_ID = 4;
  static final int IPV4_FLAGS_FRAGMENT = 6;
  static final int IPV4_TTL = 8;
  static final int IPV4_PROTOCOL = 9;
  static final int IPV4_SRC = 12;
  static final int IPV4_DST = 16;

  private DecodeResult ipv4(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 20) {
      return DecodeResult.IPV4_TRUNCATED;
    }
    int vihl = u8(buf, off);
    if ((vihl >>> 4) != 4) {
      return (vihl >>> 4) == 6 ? ipv6(buf, off, end, p) : DecodeResult.IP_BAD_VERSION;
    }
    int ihl = (vihl & 0x0f) * 4;
    if (ihl < 20) {
      return DecodeResult.IPV4_BAD_HEADER_LENGTH;
    }
    int totalLen = u16(buf, off + IPV4_TOTAL_LENGTH);
    // A total length below the IHL is a lie whatever was captured: checked before the IHL against the
    // capture, so a header that claims more than its datagram is not counted as a snaplen cut.
    if (totalLen != 0 && totalLen < ihl) {
      return DecodeResult.IPV4_BAD_TOTAL_LENGTH;
    }
    if (off + ihl > end) {
      return DecodeResult.IPV4_TRUNCATED;
    }
    if (totalLen == 0) {
      totalLen = end - off; // segmentation offload on the capturing host: the length is what was captured
    }
    p.ipVersion = 4;
    System.arraycopy(buf, off + IPV4_SRC, p.src, 0, 4);
    System.arraycopy(buf, off + IPV4_DST, p.dst, 0, 4);
    p.ipProto = u8(buf, off + IPV4_PROTOCOL);
    p.ttl = u8(buf, off + IPV4_TTL);
    p.ipOffset = off;
    p.ipLen = totalLen;
    int datagramEnd = Math.min(end, off + totalLen); // drops Ethernet padding
    int flagsFrag = u16(buf, off + IPV4_FLAGS_FRAGMENT);
    boolean more = (flagsFrag & 0x2000) != 0;
    int fragOffset = (flagsFrag & 0x1fff) * 8;
    if (more || fragOffset != 0) {
      if (defrag == null) {
        return DecodeResult.FRAGMENT_HELD;
      }
      int len = defrag.offerV4(buf, off, ihl, totalLen, datagramEnd, p.tsNanos);
      if (len == IpDefragmenter.HELD) {
        return DecodeResult.FRAGMENT_HELD;
      }
      if (len < 0) {
        return DecodeResult.FRAGMENT_INVALID;
      }
      buf = defrag.buffer();
      p.buf = buf;
      p.reassembled = true;
      p.reassembledLen = len;
      reassembledInTunnel(p);
      off = 0;
      p.ipOffset = 0;
      p.ipLen = len;
      totalLen = len;
      datagramEnd = len;
      // The datagram's header is the FIRST fragment's, with its options: its IHL, not this fragment's
      // (options not copied on fragmentation, RFC 791, make them differ).
      ihl = (u8(buf, 0) & 0x0f) * 4;
    }
    return transport(buf, off + ihl, datagramEnd, totalLen - ihl, p);
  }

  /*
   * IPv6 (RFC 8200):
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Version| Traffic Class |           Flow Label                  |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |         Payload Length        |  Next Header  |   Hop Limit   |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                  Source Address (16)                          |
   * |                  Destination Address (16)                     |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * Extension headers: next header (1) | length in 8-octet units - 1 (1) | ...
   * Fragment header:   next header (1) | reserved (1) | offset 13 | res 2 | M | identification (4)
   */
  static final int IPV6_PAYLOAD_LENGTH = 4;
  static final int IPV6_NEXT_HEADER = 6;
  static final int IPV6_HOP_LIMIT = 7;
  static final int IPV6_SRC = 8;
  static final int IPV6_DST = 24;

  private DecodeResult ipv6(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 40) {
      return DecodeResult.IPV6_TRUNCATED;
    }
    if ((u8(buf, off) >>> 4) != 6) {
      return (u8(buf, off) >>> 4) == 4 ? ipv4(buf, off, end, p) : DecodeResult.IP_BAD_VERSION;
    }
    int payloadLen = u16(buf, off + IPV6_PAYLOAD_LENGTH);
    int ipLen = payloadLen == 0 ? end - off : 40 + payloadLen; // 0: jumbogram or offload
    p.ipVersion = 6;
    System.arraycopy(buf, off + IPV6_SRC, p.src, 0, 16);
    System.arraycopy(buf, off + IPV6_DST, p.dst, 0, 16);
    p.ttl = u8(buf, off + IPV6_HOP_LIMIT);
    p.ipOffset = off;
    p.ipLen = ipLen;
    int datagramEnd = Math.min(end, off + ipLen);
    int next = u8(buf, off + IPV6_NEXT_HEADER);
    int cur = off + 40;
    // ext counts the headers followed so far; the check sits at the top of the loop, so the loop runs
    // once more than MAX_IPV6_EXT times: MAX_IPV6_EXT headers then the transport header is fine, one more
    // extension header is too many (was ">=": a 16th header was refused).
    for (int ext = 0; ; ext++) {
      if (ext > MAX_IPV6_EXT) {
        return DecodeResult.IPV6_TOO_MANY_EXT;
      }
      switch (next) {
        case 0: // hop-by-hop
        case 43: // routing
        case 60: // destination options
        case 135: // mobility
        case 139: // HIP
        case 140: { // shim6
          if (datagramEnd - cur < 8) {
            return DecodeResult.IPV6_EXT_TRUNCATED;
          }
          int len = (u8(buf, cur + 1) + 1) * 8;
          next = u8(buf, cur);
          cur += len;
          if (cur > datagramEnd) {
            return DecodeResult.IPV6_EXT_TRUNCATED;
          }
          continue;
        }
        case 51: { // authentication header: length in 4-octet units - 2
          if (datagramEnd - cur < 8) {
            return DecodeResult.IPV6_EXT_TRUNCATED;
          }
          int len = (u8(buf, cur + 1) + 2) * 4;
          next = u8(buf, cur);
          cur += len;
          if (cur > datagramEnd) {
            return DecodeResult.IPV6_EXT_TRUNCATED;
          }
          continue;
        }
        case 44: { // fragment
          if (datagramEnd - cur < 8) {
            return DecodeResult.IPV6_EXT_TRUNCATED;
          }
          int fragNext = u8(buf, cur);
          int offMore = u16(buf, cur + 2);
          int fragOffset = offMore & 0xfff8;
          boolean more = (offMore & 0x01) != 0;
          if (fragOffset == 0 && !more) { // atomic fragment: nothing to reassemble
            next = fragNext;
            cur += 8;
            continue;
          }
          if (defrag == null) {
            return DecodeResult.FRAGMENT_HELD;
          }
          int len = defrag.offerV6(buf, off, cur, fragNext, datagramEnd, p.tsNanos);
          if (len == IpDefragmenter.HELD) {
            return DecodeResult.FRAGMENT_HELD;
          }
          if (len < 0) {
            return DecodeResult.FRAGMENT_INVALID;
          }
          // the reassembled datagram: a 40-byte IPv6 header whose next header is fragNext, then data
          buf = defrag.buffer();
          p.buf = buf;
          p.reassembled = true;
          p.reassembledLen = len;
          reassembledInTunnel(p);
          off = 0;
          p.ipOffset = 0;
          p.ipLen = len;
          datagramEnd = len;
          cur = 40;
          next = fragNext;
          continue;
        }
        case 59: // no next header
          p.ipProto = 59;
          p.flowHash = flowHash(p); // addresses only: spreads such packets over the workers
          return DecodeResult.OK;
        default:
          p.ipProto = next;
          return transport(buf, cur, datagramEnd, p.ipLen - (cur - off), p);
      }
    }
  }

  // ------------------------------------------------------------------ layer 4

  /*
   * TCP (RFC 9293):
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |          Source Port          |       Destination Port        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                        Sequence Number                        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Acknowledgment Number                      |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Data |       |C|E|U|A|P|R|S|F|                               |
   * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |           Checksum            |         Urgent Pointer        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   *
   * UDP: source port (2) | destination port (2) | length (2) | checksum (2)
   * ICMP/ICMPv6: type (1) | code (1) | checksum (2) | rest of header (4)
   */
  static final int TCP_SEQ = 4;
  static final int TCP_ACK = 8;
  static final int TCP_DATA_OFFSET = 12;
  static final int TCP_FLAGS = 13;
  static final int TCP_WINDOW = 14;

  /**
   * @param off transport header offset
   * @param end end of the captured bytes of this datagram
   * @param l4Len transport length by the IP header
   */
  private DecodeResult transport(byte[] buf, int off, int end, int l4Len, DecodedPacket p) {
    p.l4Offset = off;
    if (l4Len < 0) {
      l4Len = 0;
    }
    int present = Math.max(0, end - off);
    switch (p.ipProto) {
      case DecodedPacket.PROTO_TCP: {
        if (present < 20) {
          return DecodeResult.TCP_TRUNCATED;
        }
        int dataOffset = (u8(buf, off + TCP_DATA_OFFSET) >>> 4) * 4;
        if (dataOffset < 20) {
          return DecodeResult.TCP_BAD_DATA_OFFSET;
        }
        if (dataOffset > present) {
          if (dataOffset > l4Len) {
            return DecodeResult.TCP_BAD_DATA_OFFSET;
          }
          // options cut by the snap length: malformed, but the ports are there and Zeek makes the
          // connection (no packet counted); the flow table does too when keyOnly is set
          p.srcPort = u16(buf, off);
          p.dstPort = u16(buf, off + 2);
          p.tcpFlags = u8(buf, off + TCP_FLAGS); // Zeek's WantConnection reads them to orient the flow
          p.flowHash = flowHash(p);
          p.keyOnly = true;
          return DecodeResult.TCP_TRUNCATED;
        }
        p.srcPort = u16(buf, off);
        p.dstPort = u16(buf, off + 2);
        p.seq = u32(buf, off + TCP_SEQ);
        p.ack = u32(buf, off + TCP_ACK);
        p.tcpFlags = u8(buf, off + TCP_FLAGS);
        p.window = u16(buf, off + TCP_WINDOW);
        tcpOptions(buf, off + 20, off + dataOffset, p);
        p.payloadOffset = off + dataOffset;
        p.payloadLen = Math.max(0, l4Len - dataOffset);
        p.payloadCaptured = Math.max(0, Math.min(end - p.payloadOffset, p.payloadLen));
        break;
      }
      case DecodedPacket.PROTO_UDP: {
        if (present < 8) {
          return DecodeResult.UDP_TRUNCATED;
        }
        p.srcPort = u16(buf, off);
        p.dstPort = u16(buf, off + 2);
        int udpLen = u16(buf, off + 4);
        // the UDP length when it is sane, else what the IP header leaves for it
        int len = udpLen >= 8 && udpLen <= l4Len ? udpLen : l4Len;
        p.payloadOffset = off + 8;
        p.payloadLen = Math.max(0, len - 8);
        p.payloadCaptured = Math.max(0, Math.min(end - p.payloadOffset, p.payloadLen));
        break;
      }
      case DecodedPacket.PROTO_ICMP:
      case DecodedPacket.PROTO_ICMPV6: {
        if (present < 4) {
          return DecodeResult.ICMP_TRUNCATED;
        }
        p.icmpType = u8(buf, off);
        p.icmpCode = u8(buf, off + 1);
        int hdr = Math.min(8, l4Len);
        // a header cut after type/code/checksum: the payload (none captured) starts where the capture
        // ends, not past it
        p.payloadOffset = off + Math.min(hdr, present);
        p.payloadLen = Math.max(0, l4Len - hdr);
        p.payloadCaptured = Math.max(0, Math.min(end - p.payloadOffset, p.payloadLen));
        break;
      }
      default:
        p.payloadOffset = off;
        p.payloadLen = l4Len;
        p.payloadCaptured = Math.min(present, l4Len);
        break;
    }
    p.flowHash = flowHash(p);
    if (maxDepth == 0) {
      return DecodeResult.OK;
    }
    return tunnel(buf, p);
  }

  /** Kind (1) | length (1) | value: MSS 2, window scale 3, SACK permitted 4, SACK 5; 0 ends, 1 pads. */
  private static void tcpOptions(byte[] buf, int off, int end, DecodedPacket p) {
    while (off < end) {
      int kind = u8(buf, off);
      if (kind == 0) {
        return;
      }
      if (kind == 1) {
        off++;
        continue;
      }
      if (off + 1 >= end) {
        return;
      }
      int len = u8(buf, off + 1);
      if (len < 2 || off + len > end) {
        return; // bogus option length: stop reading options, the segment itself stands
      }
      switch (kind) {
        case 2:
          if (len == 4) {
            p.mss = u16(buf, off + 2);
          }
          break;
        case 3:
          if (len == 3) {
            p.windowScale = u8(buf, off + 2);
          }
          break;
        case 4:
          p.sackPermitted = true;
          break;
        case 5:
          p.sackBlocks = (len - 2) / 8;
          break;
        default:
          break;
      }
      off += len;
    }
  }

  // ------------------------------------------------------------------ tunnels

  static final int ETH_TEB = 0x6558; // transparent Ethernet bridging
  static final int ETH_ERSPAN_1_2 = 0x88be;
  static final int ETH_ERSPAN_3 = 0x22eb;
  static final int ETH_PPP = 0x880b; // PPTP's enhanced GRE
  static final int PROTO_GRE = 47;
  static final int PROTO_IPIP = 4;
  static final int PROTO_IPV6_IN_IP = 41;

  /** What follows a tunnel header. */
  private static final int INNER_ETHERNET = 0;
  private static final int INNER_IP = 1; // by the version nibble
  private static final int INNER_PPP = 2; // optional ff 03, then a PPP protocol field

  /** Is the decoded transport of {@code p} a tunnel? Called once its own fields are complete. */
  private DecodeResult tunnel(byte[] buf, DecodedPacket p) {
    int off = p.payloadOffset;
    int end = Math.min(off + p.payloadCaptured, buf.length);
    switch (p.ipProto) {
      case DecodedPacket.PROTO_UDP: {
        int sp = p.srcPort;
        int dp = p.dstPort;
        p.tunnelCandidate = isPort(tunnels.vxlanPort, sp, dp) || isPort(tunnels.genevePort, sp, dp)
            || isPort(tunnels.gtpuPort, sp, dp) || isPort(tunnels.teredoPort, sp, dp)
            || isPort(tunnels.ayiyaPort, sp, dp);
        if (!p.tunnelCandidate) {
          return DecodeResult.OK;
        }
        if (isPort(tunnels.vxlanPort, sp, dp)) {
          return vxlan(buf, off, end, p);
        }
        if (isPort(tunnels.genevePort, sp, dp)) {
          return geneve(buf, off, end, p);
        }
        if (isPort(tunnels.gtpuPort, sp, dp)) {
          return gtpu(buf, off, end, p);
        }
        if (isPort(tunnels.teredoPort, sp, dp)) {
          return teredo(buf, off, end, p);
        }
        if (isPort(tunnels.ayiyaPort, sp, dp)) {
          return ayiya(buf, off, end, p);
        }
        return DecodeResult.OK;
      }
      case PROTO_GRE:
        p.tunnelCandidate = true;
        return gre(buf, off, end, p);
      case PROTO_IPIP:
      case PROTO_IPV6_IN_IP:
        p.tunnelCandidate = true;
        return enter(TunnelType.IPIP, -1, buf, off, end, INNER_IP, p);
      default:
        return DecodeResult.OK;
    }
  }

  private static boolean isPort(int port, int sp, int dp) {
    return port != 0 && (dp == port || sp == port);
  }

  /** A tunnel not decapsulated: counted, and {@code p} stays the outer packet. */
  private DecodeResult refuse(TunnelError why, TunnelType type, DecodedPacket p) {
    tunnelErrors[why.ordinal()]++;
    return DecodeResult.OK;
  }

  /**
   * Keeps {@code p} as the next outer layer and decodes the inner packet at {@code off} into it. When
   * the inner packet is not IP or is malformed, {@code p} is restored to the outer layer (which still
   * {@link DecodedPacket#carries} the tunnel).
   */
  private DecodeResult enter(TunnelType type, long id, byte[] buf, int off, int end, int inner, DecodedPacket p) {
    int d = p.tunnelDepth;
    if (d >= maxDepth) {
      tunnelErrors[TunnelError.DEPTH_EXCEEDED.ordinal()]++;
      return DecodeResult.OK;
    }
    boolean transport = d == 0 && tunnels.mirrorTransport == type;
    p.carries = type;
    p.tunnelId = id;
    p.tunnelTransport = transport;
    DecodedPacket layer = p.outer[d];
    layer.copyFrom(p);
    long key = p.tunnelKey;
    if (!transport) {
      // GTP-U's TEIDs differ per direction (each end picks the one it receives on): not part of the key
      key = tunnelKey(key, type, type == TunnelType.GTPV1 ? -1 : id, p);
    }
    p.resetInner();
    p.tunnelDepth = d + 1;
    p.tunnelKey = key;
    DecodeResult r;
    switch (inner) {
      case INNER_ETHERNET:
        r = ethernet(buf, off, end, p);
        break;
      case INNER_PPP:
        r = ppp(buf, off, end, p);
        break;
      default:
        r = ipByVersion(buf, off, end, p);
        break;
    }
    if (r == DecodeResult.OK || r == DecodeResult.FRAGMENT_HELD) {
      decapsulated[type.ordinal()]++;
      if (transport) {
        mirrorTransportPackets++;
      }
      if (r == DecodeResult.OK) {
        return r;
      }
      // an inner fragment, stored: the packet counts on the outer flow for now
    } else {
      tunnelErrors[(r == DecodeResult.NOT_IP ? TunnelError.INNER_NOT_IP : TunnelError.INNER_MALFORMED).ordinal()]++;
      if (transport) {
        mirrorTransportPackets++;
      }
    }
    p.copyFrom(layer);
    return DecodeResult.OK;
  }

  /** The inner flows' key part: which tunnel, by symmetric outer address pair, type and id. */
  private static long tunnelKey(long key, TunnelType type, long id, DecodedPacket p) {
    int n = p.addrLen();
    long h = (long) endpointHash(p.src, n, 0) + endpointHash(p.dst, n, 0);
    h = (h ^ key) * 0x9E3779B97F4A7C15L;
    h = (h ^ (type.ordinal() + 1)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ id) * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    return h == 0 ? 1 : h;
  }

  /** When a datagram inside a tunnel is reassembled, the outer layers' payloads are not in the new buffer. */
  private static void reassembledInTunnel(DecodedPacket p) {
    for (int i = 0; i < p.tunnelDepth; i++) {
      p.outer[i].payloadCaptured = 0;
    }
  }

  /*
   * GRE (RFC 2784, key and sequence RFC 2890; PPTP's enhanced GRE, version 1, RFC 2637):
   *  0                   1                   2                   3
   *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |      Checksum (optional)      |       Reserved1 (Optional)    |   C (or R, RFC 1701)
   * |                         Key (optional)                        |   K  (v1: payload len | call id)
   * |                 Sequence Number (Optional)                    |   S
   * |              Acknowledgment Number (v1, optional)             |   A
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   */
  private DecodeResult gre(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 4) {
      return refuse(TunnelError.GRE_TRUNCATED, TunnelType.GRE, p);
    }
    int flags = u8(buf, off);
    int version = u8(buf, off + 1) & 0x07;
    int proto = u16(buf, off + 2);
    if ((flags & 0x40) != 0 || version > 1) { // source routing (RFC 1701) is not followed
      return refuse(TunnelError.GRE_BAD_VERSION, TunnelType.GRE, p);
    }
    int len = 4;
    long key = -1;
    if (version == 1) {
      // enhanced GRE: key present (payload length | call id), checksum absent, PPP inside
      if (proto != ETH_PPP || (flags & 0x20) == 0) {
        return refuse(TunnelError.GRE_BAD_VERSION, TunnelType.GRE, p);
      }
      if (end - off < 8) {
        return refuse(TunnelError.GRE_TRUNCATED, TunnelType.GRE, p);
      }
      int payloadLen = u16(buf, off + 4);
      key = u16(buf, off + 6);
      len = 8 + ((flags & 0x10) != 0 ? 4 : 0) + ((u8(buf, off + 1) & 0x80) != 0 ? 4 : 0);
      if (end - off < len) {
        return refuse(TunnelError.GRE_TRUNCATED, TunnelType.GRE, p);
      }
      if (payloadLen == 0) { // an acknowledgement alone: nothing inside
        p.carries = TunnelType.GRE;
        return DecodeResult.OK;
      }
      // the key field carries the PEER's call id, another one each way: not the tunnel's identity
      return enter(TunnelType.GRE, -1, buf, off + len, end, INNER_PPP, p);
    }
    if ((flags & 0x80) != 0) {
      len += 4;
    }
    if ((flags & 0x20) != 0) {
      if (end - off < len + 4) {
        return refuse(TunnelError.GRE_TRUNCATED, TunnelType.GRE, p);
      }
      key = u32(buf, off + len);
      len += 4;
    }
    boolean seq = (flags & 0x10) != 0;
    if (seq) {
      len += 4;
    }
    if (end - off < len) {
      return refuse(TunnelError.GRE_TRUNCATED, TunnelType.GRE, p);
    }
    off += len;
    switch (proto) {
      case ETH_IPV4:
      case ETH_IPV6:
        return enter(TunnelType.GRE, key, buf, off, end, INNER_IP, p);
      case ETH_TEB:
        return enter(TunnelType.GRE, key, buf, off, end, INNER_ETHERNET, p);
      case ETH_ERSPAN_1_2:
        return seq ? erspan2(buf, off, end, p) : enter(TunnelType.ERSPAN, -1, buf, off, end, INNER_ETHERNET, p);
      case ETH_ERSPAN_3:
        return erspan3(buf, off, end, p);
      default:
        return refuse(TunnelError.GRE_UNSUPPORTED, TunnelType.GRE, p);
    }
  }

  /*
   * ERSPAN type II (GRE protocol 0x88BE with a sequence number; type I has no header at all):
   *  0                   1                   2                   3
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Ver  |          VLAN         | COS | En|T|    Session ID     |   Ver = 1
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |      Reserved         |                  Index                |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * then the mirrored Ethernet frame.
   */
  private DecodeResult erspan2(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 8) {
      return refuse(TunnelError.ERSPAN_TRUNCATED, TunnelType.ERSPAN, p);
    }
    if ((u8(buf, off) >>> 4) != 1) {
      return refuse(TunnelError.ERSPAN_BAD_VERSION, TunnelType.ERSPAN, p);
    }
    int session = u16(buf, off + 2) & 0x03ff;
    return enter(TunnelType.ERSPAN, session, buf, off + 8, end, INNER_ETHERNET, p);
  }

  /*
   * ERSPAN type III (GRE protocol 0x22EB):
   *  0                   1                   2                   3
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |   Ver = 2
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                          Timestamp                            |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |        Platform specific sub-header (8 octets, when O)        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * then the mirrored frame: Ethernet (FT 0) or IP (FT 2).
   */
  private DecodeResult erspan3(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 12) {
      return refuse(TunnelError.ERSPAN_TRUNCATED, TunnelType.ERSPAN, p);
    }
    if ((u8(buf, off) >>> 4) != 2) {
      return refuse(TunnelError.ERSPAN_BAD_VERSION, TunnelType.ERSPAN, p);
    }
    int session = u16(buf, off + 2) & 0x03ff;
    int frameType = (u8(buf, off + 10) >>> 2) & 0x1f;
    int len = 12 + ((u8(buf, off + 11) & 0x01) != 0 ? 8 : 0);
    if (end - off < len) {
      return refuse(TunnelError.ERSPAN_TRUNCATED, TunnelType.ERSPAN, p);
    }
    return enter(TunnelType.ERSPAN, session, buf, off + len, end, frameType == 2 ? INNER_IP : INNER_ETHERNET, p);
  }

  /*
   * VXLAN (RFC 7348), in UDP:
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |R|R|R|R|I|R|R|R|            Reserved                           |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                VXLAN Network Identifier (VNI) |   Reserved    |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * then an Ethernet frame. As Zeek's VXLAN analyzer, the I flag (a valid VNI) must be set.
   */
  private DecodeResult vxlan(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 8) {
      return refuse(TunnelError.VXLAN_TRUNCATED, TunnelType.VXLAN, p);
    }
    if ((u8(buf, off) & 0x08) == 0) {
      return refuse(TunnelError.VXLAN_NO_VNI, TunnelType.VXLAN, p);
    }
    long vni = (u32(buf, off + 4) >>> 8) & 0xffffffL;
    return enter(TunnelType.VXLAN, vni, buf, off + 8, end, INNER_ETHERNET, p);
  }

  /*
   * GENEVE (RFC 8926), in UDP:
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |        Virtual Network Identifier (VNI)       |    Reserved   |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Variable-Length Options                    |   Opt Len x 4 octets
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * Options are skipped by the header's length (each is class 16 | type 8 | R 3 | length 5 words).
   */
  private DecodeResult geneve(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 8) {
      return refuse(TunnelError.GENEVE_TRUNCATED, TunnelType.GENEVE, p);
    }
    int b0 = u8(buf, off);
    if ((b0 >>> 6) != 0) {
      return refuse(TunnelError.GENEVE_BAD_VERSION, TunnelType.GENEVE, p);
    }
    int len = 8 + (b0 & 0x3f) * 4;
    if (end - off < len) {
      return refuse(TunnelError.GENEVE_TRUNCATED, TunnelType.GENEVE, p);
    }
    int proto = u16(buf, off + 2);
    long vni = (u32(buf, off + 4) >>> 8) & 0xffffffL;
    switch (proto) {
      case ETH_TEB:
        return enter(TunnelType.GENEVE, vni, buf, off + len, end, INNER_ETHERNET, p);
      case ETH_IPV4:
      case ETH_IPV6:
        return enter(TunnelType.GENEVE, vni, buf, off + len, end, INNER_IP, p);
      default:
        return refuse(TunnelError.GENEVE_UNSUPPORTED, TunnelType.GENEVE, p);
    }
  }

  /*
   * GTP-U version 1 (3GPP TS 29.281), in UDP:
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Ver=1|PT|*|E|S|PN| Message Type  |            Length             |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |            Tunnel Endpoint Identifier (TEID)                  |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |   Sequence Number (E|S|PN)    |  N-PDU Number | Next Ext Type |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * Extension header: length (1, in 4-octet units, this byte included) | content | next type (1).
   * Message type 255 (G-PDU) carries an IP packet; the others (echo, error indication, end marker)
   * leave the packet on its outer flow.
   */
  private DecodeResult gtpu(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 8) {
      return refuse(TunnelError.GTPV1_TRUNCATED, TunnelType.GTPV1, p);
    }
    int flags = u8(buf, off);
    if ((flags >>> 5) != 1 || (flags & 0x10) == 0) {
      return refuse(TunnelError.GTPV1_BAD_VERSION, TunnelType.GTPV1, p);
    }
    int type = u8(buf, off + 1);
    long teid = u32(buf, off + 4);
    int cur = off + 8;
    if ((flags & 0x07) != 0) {
      if (end - off < 12) {
        return refuse(TunnelError.GTPV1_TRUNCATED, TunnelType.GTPV1, p);
      }
      int next = u8(buf, off + 11);
      cur = off + 12;
      if ((flags & 0x04) != 0) {
        for (int ext = 0; next != 0; ext++) {
          if (ext >= MAX_SHIMS || end - cur < 4) {
            return refuse(TunnelError.GTPV1_TRUNCATED, TunnelType.GTPV1, p);
          }
          int len = u8(buf, cur) * 4;
          if (len == 0 || end - cur < len) {
            return refuse(TunnelError.GTPV1_TRUNCATED, TunnelType.GTPV1, p);
          }
          next = u8(buf, cur + len - 1);
          cur += len;
        }
      }
    }
    if (type != 0xff) {
      p.carries = TunnelType.GTPV1;
      return DecodeResult.OK;
    }
    return enter(TunnelType.GTPV1, teid, buf, cur, end, INNER_IP, p);
  }

  /*
   * Teredo (RFC 4380), in UDP: optional indications, then an IPv6 packet.
   *   authentication: 0x0001 | id-len (1) | au-len (1) | client id | authentication | nonce (8) | confirmation (1)
   *   origin:         0x0000 | port (2, xor 0xffff) | address (4, xor 0xffffffff)
   * As Zeek's Teredo analyzer: at most one of each, authentication first; the IPv6 header complete,
   * and its payload length no more than what is left (a bubble, no next header, may carry more).
   */
  private DecodeResult teredo(byte[] buf, int off, int end, DecodedPacket p) {
    boolean origin = false;
    boolean auth = false;
    int cur = off;
    while (true) {
      if (end - cur < 2) {
        return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
      }
      int tag = u16(buf, cur);
      if (tag == 0) {
        if (origin || end - cur < 8) {
          return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
        }
        origin = true;
        cur += 8;
      } else if (tag == 1) {
        if (origin || auth || end - cur < 4) {
          return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
        }
        int len = 4 + u8(buf, cur + 2) + u8(buf, cur + 3) + 8 + 1;
        if (end - cur < len) {
          return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
        }
        auth = true;
        cur += len;
      } else if ((tag >>> 12) == 6) {
        break;
      } else {
        return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
      }
    }
    if (end - cur < 40) {
      return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
    }
    int payloadLen = u16(buf, cur + IPV6_PAYLOAD_LENGTH);
    int left = p.payloadLen - (cur - off) - 40; // by the UDP header, whatever was captured
    if (payloadLen > left) {
      return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
    }
    if (payloadLen < left && !(u8(buf, cur + IPV6_NEXT_HEADER) == 59 && payloadLen == 0)) {
      return refuse(TunnelError.TEREDO_MALFORMED, TunnelType.TEREDO, p);
    }
    return enter(TunnelType.TEREDO, -1, buf, cur, end, INNER_IP, p);
  }

  /*
   * AYIYA (draft-massar-v6ops-ayiya), in UDP:
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * | IDLen | IDType| SigLen| HshMeth| AutMeth| OpCode |  Next Header |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                         Epoch Time                            |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |        Identity (2^IDLen octets) | Signature (SigLen x 4 octets) |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * As Zeek: only OpCode 1 (forward) with next header 4 or 41 carries a packet.
   */
  private DecodeResult ayiya(byte[] buf, int off, int end, DecodedPacket p) {
    if (end - off < 8) {
      return refuse(TunnelError.AYIYA_MALFORMED, TunnelType.AYIYA, p);
    }
    int idLen = u8(buf, off) >>> 4;
    int sigLen = u8(buf, off + 1) >>> 4;
    int opCode = u8(buf, off + 2) & 0x0f;
    int next = u8(buf, off + 3);
    int len = 8 + (1 << idLen) + sigLen * 4;
    if (opCode != 1 || (next != PROTO_IPIP && next != PROTO_IPV6_IN_IP) || end - off < len) {
      return refuse(TunnelError.AYIYA_MALFORMED, TunnelType.AYIYA, p);
    }
    return enter(TunnelType.AYIYA, -1, buf, off + len, end, INNER_IP, p);
  }

  // ------------------------------------------------------------------ flow hash

  /**
   * Symmetric: the endpoints' hashes are added, so A->B and B->A agree; the protocol is mixed in
   * after. Finalised with MurmurHash3's fmix32. VLAN ids are left out: the two directions of one
   * connection may cross a span port on different VLANs (routed between them), and Zeek's default
   * connection key (its 5-tuple) merges them, so they must meet in one worker.
   */
  static int flowHash(DecodedPacket p) {
    int n = p.addrLen();
    int a = endpointHash(p.src, n, p.srcPort);
    int b = endpointHash(p.dst, n, p.dstPort);
    int h = (a + b) ^ (p.ipProto * 0x9e3779b9);
    return fmix(h);
  }

  private static int endpointHash(byte[] addr, int n, int port) {
    int h = port * 0x27d4eb2d;
    for (int i = 0; i < n; i += 4) {
      h = (h ^ s32(addr, i)) * 0x01000193;
      h ^= h >>> 15;
    }
    return fmix(h);
  }

  static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
