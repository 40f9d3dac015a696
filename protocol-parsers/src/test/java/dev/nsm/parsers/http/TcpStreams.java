package dev.nsm.parsers.http;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test support: the TCP connections of a capture as in-order byte streams, the way the sensor's
 * reassembly will hand them to a parser. A minimal pcap/pcapng reader feeds the project's own
 * {@link PacketDecoder}; each direction is put in sequence order (retransmitted and overlapping bytes
 * delivered once, out-of-order segments held), and what never arrives becomes a gap. Segments keep
 * the capture's interleaving of the two directions.
 */
final class TcpStreams {
  private TcpStreams() {}

  /** One delivery: bytes of one direction ({@code data}), or a gap of {@code gap} bytes. */
  record Segment(boolean fromA, byte[] data, long gap, long tsNanos) {}

  /** A TCP connection between endpoint A (the first packet's source) and B. */
  static final class Conn {
    final String addrA;
    final int portA;
    final String addrB;
    final int portB;
    /** Which endpoint sent a SYN without ACK (the client): 'A', 'B' or 0 when no SYN was seen. */
    char synFrom;
    /** Whether the connection's first packet with a flag was a SYN or SYN-ACK (Zeek: not "partial"). */
    boolean startedWithSyn;
    boolean anyPacket;
    final List<Segment> segments = new ArrayList<>();
    final Direction a = new Direction();
    final Direction b = new Direction();

    Conn(String addrA, int portA, String addrB, int portB) {
      this.addrA = addrA;
      this.portA = portA;
      this.addrB = addrB;
      this.portB = portB;
    }

    /** Whether A is the client: the SYN's sender, else the side not on the lower (server) port. */
    boolean aIsClient() {
      if (synFrom != 0) {
        return synFrom == 'A';
      }
      return true;
    }

    @Override
    public String toString() {
      return addrA + ":" + portA + " <-> " + addrB + ":" + portB;
    }
  }

  /** Sequence-order delivery of one direction. */
  static final class Direction {
    boolean started;
    long isn; // sequence number of the first payload byte (unwrapped base)
    long next; // relative sequence number of the next byte to deliver
    final TreeMap<Long, byte[]> held = new TreeMap<>();
    /** Relative sequence number of the FIN, -1 before one is seen. */
    long fin = -1;
  }

  static List<Conn> read(Path capture) throws IOException {
    byte[] file = Files.readAllBytes(capture);
    Map<String, Conn> conns = new LinkedHashMap<>();
    PacketDecoder decoder = new PacketDecoder(new IpDefragmenter());
    DecodedPacket p = new DecodedPacket();
    for (Frame f : frames(file)) {
      DecodeResult r = decoder.decode(f.data, f.data.length, f.wireLen, f.linkType, f.tsNanos, p);
      if (r != DecodeResult.OK || !p.isTcp() || p.l4Offset < 0) {
        continue;
      }
      String src = addr(p.src, p.ipVersion);
      String dst = addr(p.dst, p.ipVersion);
      String k1 = src + "|" + p.srcPort + "|" + dst + "|" + p.dstPort;
      String k2 = dst + "|" + p.dstPort + "|" + src + "|" + p.srcPort;
      Conn c = conns.get(k1);
      boolean fromA = true;
      if (c == null) {
        c = conns.get(k2);
        fromA = false;
      }
      if (c == null) {
        c = new Conn(src, p.srcPort, dst, p.dstPort);
        conns.put(k1, c);
        fromA = true;
      }
      Direction d = fromA ? c.a : c.b;
      boolean syn = (p.tcpFlags & DecodedPacket.TCP_SYN) != 0;
      if (!c.anyPacket) {
        c.anyPacket = true;
        c.startedWithSyn = syn;
      }
      if (syn && (p.tcpFlags & DecodedPacket.TCP_ACK) == 0 && c.synFrom == 0) {
        c.synFrom = fromA ? 'A' : 'B';
      }
      long seq = p.seq;
      if (syn) {
        if (!d.started) {
          d.started = true;
          d.isn = p.seq + 1;
          d.next = 0;
        }
        seq = p.seq + 1; // data on a SYN (TCP Fast Open) starts after it
      }
      Direction peer = fromA ? c.b : c.a;
      if ((p.tcpFlags & DecodedPacket.TCP_ACK) != 0 && peer.started) {
        ackedUnseen(c, !fromA, peer, (p.ack - peer.isn) & 0xffffffffL, f.tsNanos);
      }
      if (!d.started && p.payloadLen > 0) {
        d.started = true;
        d.isn = p.seq;
        d.next = 0;
      }
      if ((p.tcpFlags & DecodedPacket.TCP_FIN) != 0 && d.started) {
        d.fin = ((seq - d.isn) & 0xffffffffL) + Math.max(p.payloadLen, 0);
      }
      if (p.payloadLen <= 0) {
        continue;
      }
      long rel = (seq - d.isn) & 0xffffffffL;
      if (rel > 0x80000000L) {
        continue; // before the start: an old retransmission
      }
      int captured = Math.min(p.payloadCaptured, p.payloadLen);
      byte[] data = Arrays.copyOfRange(p.buf, p.payloadOffset, p.payloadOffset + captured);
      if (captured < p.payloadLen) { // a snap length cut the segment: the rest is missing
        data = Arrays.copyOf(data, captured);
      }
      accept(c, fromA, d, rel, data, p.payloadLen, f.tsNanos);
    }
    for (Conn c : conns.values()) {
      drain(c, true, c.a, Long.MAX_VALUE, true, 0);
      drain(c, false, c.b, Long.MAX_VALUE, true, 0);
    }
    return new ArrayList<>(conns.values());
  }

  /**
   * The peer acknowledged bytes never seen: they were lost before the capture point, so they become a
   * gap now (as a reassembler decides when the ACK passes the hole), and what was held after them is
   * delivered.
   */
  private static void ackedUnseen(Conn c, boolean fromA, Direction d, long ackRel, long ts) {
    if (ackRel > 0x80000000L) {
      return;
    }
    long limit = d.fin >= 0 ? Math.min(ackRel, d.fin) : ackRel;
    if (limit <= d.next) {
      return;
    }
    long to = d.held.isEmpty() ? limit : Math.min(limit, d.held.firstKey());
    if (to > d.next) {
      c.segments.add(new Segment(fromA, null, to - d.next, ts));
      d.next = to;
    }
    drain(c, fromA, d, d.next, false, ts);
  }

  private static void accept(Conn c, boolean fromA, Direction d, long rel, byte[] data, int wireLen, long ts) {
    long end = rel + wireLen;
    if (end <= d.next) {
      return; // all of it delivered already
    }
    if (rel > d.next) {
      byte[] prev = d.held.get(rel);
      if (prev == null || prev.length < data.length) {
        d.held.put(rel, data);
      }
      return;
    }
    int skip = (int) (d.next - rel);
    if (skip < data.length) {
      c.segments.add(new Segment(fromA, Arrays.copyOfRange(data, skip, data.length), 0, ts));
    }
    if (data.length < wireLen) { // cut by the snap length
      long missing = wireLen - Math.max(skip, data.length);
      if (missing > 0) {
        c.segments.add(new Segment(fromA, null, missing, ts));
      }
    }
    d.next = end;
    drain(c, fromA, d, d.next, false, ts);
  }

  /** Delivers held segments that have become in order; at the end ({@code withGaps}) the rest with gaps. */
  private static void drain(Conn c, boolean fromA, Direction d, long limit, boolean withGaps, long ts) {
    while (!d.held.isEmpty()) {
      Map.Entry<Long, byte[]> e = d.held.firstEntry();
      long rel = e.getKey();
      byte[] data = e.getValue();
      if (rel > d.next) {
        if (!withGaps) {
          return;
        }
        c.segments.add(new Segment(fromA, null, rel - d.next, ts));
        d.next = rel;
      }
      d.held.pollFirstEntry();
      long end = rel + data.length;
      if (end > d.next) {
        int skip = (int) (d.next - rel);
        c.segments.add(new Segment(fromA, Arrays.copyOfRange(data, skip, data.length), 0, ts));
        d.next = end;
      }
    }
  }

  // ---------------------------------------------------------------- addresses

  static String addr(byte[] a, int version) {
    if (version == 4) {
      return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }
    int[] w = new int[8];
    for (int k = 0; k < 8; k++) {
      w[k] = ((a[2 * k] & 0xff) << 8) | (a[2 * k + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int k = 0; k < 8; ) {
      if (w[k] != 0) {
        k++;
        continue;
      }
      int s = k;
      while (k < 8 && w[k] == 0) {
        k++;
      }
      if (k - s > bestLen) {
        bestStart = s;
        bestLen = k - s;
      }
    }
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      if (k == bestStart) {
        b.append("::");
        k += bestLen - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(w[k]));
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- pcap / pcapng

  record Frame(byte[] data, int wireLen, int linkType, long tsNanos) {}

  static List<Frame> frames(byte[] file) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(file);
    int magic = bb.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    List<Frame> out = new ArrayList<>();
    if (magic == 0x0a0d0d0a) {
      pcapng(bb, out);
      return out;
    }
    long nanosPerUnit;
    ByteOrder order;
    switch (magic) {
      case 0xa1b2c3d4: order = ByteOrder.LITTLE_ENDIAN; nanosPerUnit = 1000; break;
      case 0xd4c3b2a1: order = ByteOrder.BIG_ENDIAN; nanosPerUnit = 1000; break;
      case 0xa1b23c4d: order = ByteOrder.LITTLE_ENDIAN; nanosPerUnit = 1; break;
      case 0x4d3cb2a1: order = ByteOrder.BIG_ENDIAN; nanosPerUnit = 1; break;
      default: throw new IOException("not a pcap or pcapng file");
    }
    bb.order(order);
    int linkType = bb.getInt(20) & 0x0fffffff;
    int pos = 24;
    while (pos + 16 <= file.length) {
      long sec = bb.getInt(pos) & 0xffffffffL;
      long frac = bb.getInt(pos + 4) & 0xffffffffL;
      int incl = bb.getInt(pos + 8);
      int orig = bb.getInt(pos + 12);
      pos += 16;
      if (incl < 0 || pos + incl > file.length) {
        break;
      }
      out.add(new Frame(Arrays.copyOfRange(file, pos, pos + incl), orig, linkType, sec * 1_000_000_000L + frac * nanosPerUnit));
      pos += incl;
    }
    return out;
  }

  private static void pcapng(ByteBuffer bb, List<Frame> out) {
    List<int[]> ifaces = new ArrayList<>(); // {linkType, tsresol exponent (10^-x)}
    int pos = 0;
    int n = bb.capacity();
    while (pos + 12 <= n) {
      int type = bb.getInt(pos);
      if (type == 0x0a0d0d0a) {
        int bom = bb.order(ByteOrder.LITTLE_ENDIAN).getInt(pos + 8);
        bb.order(bom == 0x1a2b3c4d ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        ifaces.clear();
      }
      int len = bb.getInt(pos + 4);
      if (len < 12 || pos + len > n) {
        break;
      }
      if (type == 1) { // IDB
        int lt = bb.getShort(pos + 8) & 0xffff;
        int resol = 6;
        int o = pos + 16;
        while (o + 4 <= pos + len - 4) {
          int code = bb.getShort(o) & 0xffff;
          int olen = bb.getShort(o + 2) & 0xffff;
          if (code == 0) {
            break;
          }
          if (code == 9 && olen >= 1) {
            resol = bb.get(o + 4) & 0x7f; // base-10 exponents only (the corpus uses those)
          }
          o += 4 + ((olen + 3) & ~3);
        }
        ifaces.add(new int[] {lt, resol});
      } else if (type == 6) { // EPB
        int iface = bb.getInt(pos + 8);
        long ts = ((bb.getInt(pos + 12) & 0xffffffffL) << 32) | (bb.getInt(pos + 16) & 0xffffffffL);
        int incl = bb.getInt(pos + 20);
        int orig = bb.getInt(pos + 24);
        int[] ifc = ifaces.get(iface);
        long nanos = ts;
        for (int k = ifc[1]; k < 9; k++) {
          nanos *= 10;
        }
        for (int k = 9; k < ifc[1]; k++) {
          nanos /= 10;
        }
        out.add(new Frame(Arrays.copyOfRange(bb.array(), pos + 28, pos + 28 + incl), orig, ifc[0], nanos));
      } else if (type == 3) { // SPB
        int orig = bb.getInt(pos + 8);
        int incl = Math.min(orig, len - 16);
        out.add(new Frame(Arrays.copyOfRange(bb.array(), pos + 12, pos + 12 + incl), orig, ifaces.get(0)[0], 0));
      }
      pos += len;
    }
  }
}
