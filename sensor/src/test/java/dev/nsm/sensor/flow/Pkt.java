package dev.nsm.sensor.flow;

import dev.nsm.parsers.packet.DecodedPacket;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds {@link DecodedPacket}s by hand, as the decoder would fill them: an IP header at offset 0
 * (20 bytes for IPv4, 40 for IPv6), the transport header after it, and the lengths by header.
 */
final class Pkt {
  private Pkt() {}

  static long ns(double seconds) {
    return Math.round(seconds * 1e9);
  }

  /** A TCP segment. Flags: letters S A F R P U (e.g. "SA", "FA", "PA", "R"). */
  static DecodedPacket tcp(double ts, String src, int sport, String dst, int dport, String flags, long seq,
      long ack, int len) {
    DecodedPacket p = ip(ts, src, dst, DecodedPacket.PROTO_TCP, 20 + len);
    p.srcPort = sport;
    p.dstPort = dport;
    p.tcpFlags = flags(flags);
    p.seq = seq & 0xffffffffL;
    p.ack = p.tcpFlags != 0 && flags.contains("A") ? ack & 0xffffffffL : 0;
    p.window = 1024;
    p.payloadOffset = p.l4Offset + 20;
    p.payloadLen = len;
    p.payloadCaptured = len;
    return p;
  }

  static DecodedPacket udp(double ts, String src, int sport, String dst, int dport, int len) {
    DecodedPacket p = ip(ts, src, dst, DecodedPacket.PROTO_UDP, 8 + len);
    p.srcPort = sport;
    p.dstPort = dport;
    p.payloadOffset = p.l4Offset + 8;
    p.payloadLen = len;
    p.payloadCaptured = len;
    return p;
  }

  /** An ICMP (IPv4) or ICMPv6 message with {@code len} bytes after its 8-byte header. */
  static DecodedPacket icmp(double ts, String src, String dst, int type, int code, int len) {
    boolean v6 = src.contains(":");
    DecodedPacket p = ip(ts, src, dst, v6 ? DecodedPacket.PROTO_ICMPV6 : DecodedPacket.PROTO_ICMP, 8 + len);
    p.icmpType = type;
    p.icmpCode = code;
    p.payloadOffset = p.l4Offset + 8;
    p.payloadLen = len;
    p.payloadCaptured = len;
    return p;
  }

  static DecodedPacket other(double ts, String src, String dst, int proto, int len) {
    return ip(ts, src, dst, proto, len);
  }

  static DecodedPacket vlan(DecodedPacket p, int... ids) {
    p.vlanCount = ids.length;
    for (int i = 0; i < Math.min(2, ids.length); i++) {
      p.vlans[i] = ids[i];
    }
    return p;
  }

  private static DecodedPacket ip(double ts, String src, String dst, int proto, int l4Len) {
    DecodedPacket p = new DecodedPacket();
    p.reset();
    p.tsNanos = ns(ts);
    byte[] s = addr(src);
    byte[] d = addr(dst);
    p.ipVersion = s.length == 16 ? 6 : 4;
    System.arraycopy(s, 0, p.src, 0, s.length);
    System.arraycopy(d, 0, p.dst, 0, d.length);
    p.ipProto = proto;
    p.ipOffset = 0;
    int hdr = p.ipVersion == 6 ? 40 : 20;
    p.l4Offset = hdr;
    p.ipLen = hdr + l4Len;
    p.ttl = 64;
    p.capLen = p.ipLen;
    p.wireLen = p.ipLen;
    p.buf = new byte[p.ipLen];
    return p;
  }

  private static byte[] addr(String s) {
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  private static int flags(String f) {
    int v = 0;
    for (char c : f.toCharArray()) {
      switch (c) {
        case 'F': v |= DecodedPacket.TCP_FIN; break;
        case 'S': v |= DecodedPacket.TCP_SYN; break;
        case 'R': v |= DecodedPacket.TCP_RST; break;
        case 'P': v |= DecodedPacket.TCP_PSH; break;
        case 'A': v |= DecodedPacket.TCP_ACK; break;
        case 'U': v |= DecodedPacket.TCP_URG; break;
        default: throw new IllegalArgumentException("flag " + c);
      }
    }
    return v;
  }
}
