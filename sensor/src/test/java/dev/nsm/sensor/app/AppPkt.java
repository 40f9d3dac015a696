package dev.nsm.sensor.app;

import dev.nsm.parsers.packet.DecodedPacket;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Packets built by hand as the decoder fills them, with real payload bytes: an IP header's room at
 * offset 0 (20 bytes for IPv4, 40 for IPv6), the transport header's room after it, then the payload.
 */
final class AppPkt {
  private AppPkt() {}

  static long ns(double seconds) {
    return Math.round(seconds * 1e9);
  }

  /** A TCP segment; flags are letters S A F R P (e.g. "SA", "PA"). */
  static DecodedPacket tcp(double ts, String src, int sport, String dst, int dport, String flags, long seq, long ack,
      byte[] payload) {
    DecodedPacket p = ip(ts, src, dst, DecodedPacket.PROTO_TCP, 20, payload);
    p.srcPort = sport;
    p.dstPort = dport;
    int f = 0;
    for (char c : flags.toCharArray()) {
      switch (c) {
        case 'F': f |= DecodedPacket.TCP_FIN; break;
        case 'S': f |= DecodedPacket.TCP_SYN; break;
        case 'R': f |= DecodedPacket.TCP_RST; break;
        case 'P': f |= DecodedPacket.TCP_PSH; break;
        case 'A': f |= DecodedPacket.TCP_ACK; break;
        default: throw new IllegalArgumentException("flag " + c);
      }
    }
    p.tcpFlags = f;
    p.seq = seq & 0xffffffffL;
    p.ack = (f & DecodedPacket.TCP_ACK) != 0 ? ack & 0xffffffffL : 0;
    p.window = 65535;
    return p;
  }

  static DecodedPacket tcp(double ts, String src, int sport, String dst, int dport, String flags, long seq, long ack) {
    return tcp(ts, src, sport, dst, dport, flags, seq, ack, new byte[0]);
  }

  static DecodedPacket udp(double ts, String src, int sport, String dst, int dport, byte[] payload) {
    DecodedPacket p = ip(ts, src, dst, DecodedPacket.PROTO_UDP, 8, payload);
    p.srcPort = sport;
    p.dstPort = dport;
    return p;
  }

  private static DecodedPacket ip(double ts, String src, String dst, int proto, int l4Header, byte[] payload) {
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
    p.ipLen = hdr + l4Header + payload.length;
    p.ttl = 64;
    p.capLen = p.ipLen;
    p.wireLen = p.ipLen;
    p.buf = new byte[p.ipLen];
    p.payloadOffset = hdr + l4Header;
    p.payloadLen = payload.length;
    p.payloadCaptured = payload.length;
    System.arraycopy(payload, 0, p.buf, p.payloadOffset, payload.length);
    return p;
  }

  private static byte[] addr(String s) {
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  // ------------------------------------------------------------------ DNS messages

  /** A query: header (RD set), one question. */
  static byte[] dnsQuery(int id, String name, int qtype) {
    return dns(id, 0x0100, name, qtype, new String[0], 0, 0);
  }

  /**
   * A response with the question and {@code addresses} as A records (TTL 60) in the answer
   * section; {@code flags} is the header's second 16-bit word (QR etc.), rcode in its low 4 bits.
   */
  static byte[] dnsResponse(int id, int flags, String name, int qtype, String... addresses) {
    return dns(id, flags, name, qtype, addresses, 0, 0);
  }

  static byte[] dns(int id, int flags, String name, int qtype, String[] addresses, int ns, int ar) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    u16(o, id);
    u16(o, flags);
    u16(o, 1);
    u16(o, addresses.length);
    u16(o, ns);
    u16(o, ar);
    name(o, name);
    u16(o, qtype);
    u16(o, 1);
    for (String a : addresses) {
      u16(o, 0xc00c); // pointer to the question's name
      u16(o, 1);
      u16(o, 1);
      u16(o, 0);
      u16(o, 60);
      u16(o, 4);
      o.writeBytes(addr(a));
    }
    return o.toByteArray();
  }

  /** The message with its 2-byte length prefix, as DNS over TCP sends it. */
  static byte[] tcpFramed(byte[]... messages) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      u16(o, m.length);
      o.writeBytes(m);
    }
    return o.toByteArray();
  }

  private static void name(ByteArrayOutputStream o, String name) {
    for (String label : name.split("\\.")) {
      o.write(label.length());
      o.writeBytes(ascii(label));
    }
    o.write(0);
  }

  private static void u16(ByteArrayOutputStream o, int v) {
    o.write(v >> 8);
    o.write(v);
  }

  /** A TLS 1.2 ClientHello record with one cipher suite and a server_name extension. */
  static byte[] clientHello(String sni) {
    byte[] name = ascii(sni);
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    u16(ext, 0); // server_name
    u16(ext, name.length + 5);
    u16(ext, name.length + 3);
    ext.write(0); // host_name
    u16(ext, name.length);
    ext.writeBytes(name);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, 0x0303);
    body.writeBytes(new byte[32]); // random
    body.write(0); // no session id
    u16(body, 2);
    u16(body, 0xc02f); // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    body.write(1);
    body.write(0); // null compression
    u16(body, ext.size());
    body.writeBytes(ext.toByteArray());
    ByteArrayOutputStream rec = new ByteArrayOutputStream();
    rec.write(22);
    u16(rec, 0x0301);
    u16(rec, body.size() + 4);
    rec.write(1); // ClientHello
    rec.write(0);
    u16(rec, body.size());
    rec.writeBytes(body.toByteArray());
    return rec.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
