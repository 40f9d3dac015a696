package dev.nsm.parsers.tls;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * Test support: reads a pcap or pcapng file, decodes it with the project's {@link PacketDecoder}
 * and reassembles each TCP connection's two byte streams (in order, retransmissions and overlaps
 * dropped, holes reported as gaps), keeping the packet order of deliveries between the two
 * directions. Small and strict: enough for the corpus' TLS captures, not the sensor's reassembler.
 */
final class TcpStreams {
  private TcpStreams() {}

  /** One delivery: bytes (or a gap of {@code gap} bytes) from one side, at stream offset {@code at}. */
  record Chunk(boolean fromOrig, long at, byte[] data, long gap) {}

  /** A TCP connection: originator (SYN sender, else first sender) endpoints and its deliveries. */
  static final class Conn {
    final String origH;
    final int origP;
    final String respH;
    final int respP;
    final List<Chunk> chunks = new ArrayList<>();
    final Side orig = new Side();
    final Side resp = new Side();

    Conn(String origH, int origP, String respH, int respP) {
      this.origH = origH;
      this.origP = origP;
      this.respH = respH;
      this.respP = respP;
    }

    /** The bytes one side delivered up to its first gap. */
    byte[] stream(boolean fromOrig) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Chunk c : chunks) {
        if (c.fromOrig == fromOrig) {
          if (c.data == null) {
            break;
          }
          out.writeBytes(c.data);
        }
      }
      return out.toByteArray();
    }

    boolean matches(String h1, int p1, String h2, int p2) {
      return (origH.equals(h1) && origP == p1 && respH.equals(h2) && respP == p2)
          || (origH.equals(h2) && origP == p2 && respH.equals(h1) && respP == p1);
    }

    @Override
    public String toString() {
      return origH + ":" + origP + "->" + respH + ":" + respP;
    }

    private void segment(boolean fromOrig, long seq, boolean syn, byte[] payload) {
      Side s = fromOrig ? orig : resp;
      if (!s.started) {
        s.started = true;
        s.base = syn ? seq + 1 : seq;
      }
      if (syn && s.base != seq + 1 && s.next == 0 && s.pending.isEmpty()) {
        s.base = seq + 1; // a SYN after data was seen first
      }
      if (payload.length == 0) {
        return;
      }
      long rel = (seq + (syn ? 1 : 0) - s.base) & 0xffffffffL;
      if (s.next == 0 && s.pending.isEmpty() && rel > (1 << 20)) {
        // nothing delivered yet and the data lies far from the SYN seen: a SYN of an earlier
        // incarnation (port reuse) or a missed SYN; start at this data instead
        s.base = seq + (syn ? 1 : 0);
        rel = 0;
      }
      if (rel > 0x7fffffffL) {
        return; // before the start: old retransmission
      }
      s.pending.merge(rel, payload, (a, b) -> a.length >= b.length ? a : b);
      drain(fromOrig, s);
    }

    private void drain(boolean fromOrig, Side s) {
      while (!s.pending.isEmpty()) {
        Map.Entry<Long, byte[]> e = s.pending.firstEntry();
        long rel = e.getKey();
        byte[] p = e.getValue();
        if (rel > s.next) {
          return;
        }
        s.pending.pollFirstEntry();
        long end = rel + p.length;
        if (end <= s.next) {
          continue; // retransmission
        }
        byte[] fresh = Arrays.copyOfRange(p, (int) (s.next - rel), p.length);
        chunks.add(new Chunk(fromOrig, s.next, fresh, 0));
        s.next = end;
      }
    }

    /** End of capture: what is held behind holes is delivered after a gap. */
    void finish() {
      for (boolean fromOrig : new boolean[] {true, false}) {
        Side s = fromOrig ? orig : resp;
        while (!s.pending.isEmpty()) {
          long rel = s.pending.firstKey();
          if (rel > s.next) {
            chunks.add(new Chunk(fromOrig, s.next, null, rel - s.next));
            s.next = rel;
          }
          drain(fromOrig, s);
        }
      }
    }
  }

  static final class Side {
    boolean started;
    long base;
    long next;
    final TreeMap<Long, byte[]> pending = new TreeMap<>();
  }

  /** The TCP connections of a capture, in order of their first packet. */
  static List<Conn> read(Path capture) throws IOException {
    byte[] file = Files.readAllBytes(capture);
    List<Frame> frames = frames(file);
    PacketDecoder decoder = new PacketDecoder(new IpDefragmenter());
    DecodedPacket p = new DecodedPacket();
    Map<String, Conn> conns = new LinkedHashMap<>();
    for (Frame f : frames) {
      DecodeResult r = decoder.decode(f.data, f.data.length, f.wireLen, f.linkType, f.tsNanos, p);
      if (r != DecodeResult.OK || !p.isTcp() || p.l4Offset < 0) {
        continue;
      }
      String src = addr(p.src, p.addrLen());
      String dst = addr(p.dst, p.addrLen());
      String k1 = src + "|" + p.srcPort + "|" + dst + "|" + p.dstPort;
      String k2 = dst + "|" + p.dstPort + "|" + src + "|" + p.srcPort;
      boolean syn = (p.tcpFlags & DecodedPacket.TCP_SYN) != 0;
      boolean ack = (p.tcpFlags & DecodedPacket.TCP_ACK) != 0;
      Conn c = conns.get(k1);
      boolean fromOrig = true;
      if (c == null) {
        c = conns.get(k2);
        fromOrig = false;
      }
      if (c == null) {
        // the SYN+ACK sender is the responder
        if (syn && ack) {
          c = new Conn(dst, p.dstPort, src, p.srcPort);
          conns.put(k2, c);
          fromOrig = false;
        } else {
          c = new Conn(src, p.srcPort, dst, p.dstPort);
          conns.put(k1, c);
          fromOrig = true;
        }
      }
      byte[] payload = Arrays.copyOfRange(p.buf, p.payloadOffset, p.payloadOffset + p.payloadCaptured);
      c.segment(fromOrig, p.seq, syn, payload);
    }
    List<Conn> out = new ArrayList<>(conns.values());
    out.forEach(Conn::finish);
    return out;
  }

  private static String addr(byte[] a, int len) {
    try {
      String s = InetAddress.getByAddress(Arrays.copyOf(a, len)).getHostAddress();
      return len == 16 ? compress(s) : s;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Java writes IPv6 uncompressed ("fd42:0:0:..."); compress it as Zeek and tshark do. */
  static String compress(String v6) {
    String[] g = v6.split(":");
    for (int i = 0; i < g.length; i++) {
      g[i] = g[i].replaceFirst("^0+(?=.)", "");
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < g.length; ) {
      if (g[i].equals("0")) {
        int j = i;
        while (j < g.length && g[j].equals("0")) {
          j++;
        }
        if (j - i > bestLen) {
          bestLen = j - i;
          bestStart = i;
        }
        i = j;
      } else {
        i++;
      }
    }
    if (bestStart < 0) {
      return String.join(":", g);
    }
    String left = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
    String right = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, g.length));
    return left + "::" + right;
  }

  // ------------------------------------------------------------------ capture files

  record Frame(int linkType, long tsNanos, int wireLen, byte[] data) {}

  static List<Frame> frames(byte[] f) {
    ByteBuffer b = ByteBuffer.wrap(f);
    int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
    List<Frame> out = new ArrayList<>();
    if (magic == 0x0A0D0D0A) {
      pcapng(b, out);
      return out;
    }
    boolean nano;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
      b.order(ByteOrder.BIG_ENDIAN);
      nano = magic == 0xa1b23c4d;
    } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
      b.order(ByteOrder.LITTLE_ENDIAN);
      nano = magic == 0x4d3cb2a1;
    } else {
      throw new IllegalArgumentException("not a pcap or pcapng file");
    }
    int linkType = b.getInt(20) & 0x0fffffff;
    int p = 24;
    while (p + 16 <= f.length) {
      long sec = b.getInt(p) & 0xffffffffL;
      long frac = b.getInt(p + 4) & 0xffffffffL;
      int cap = b.getInt(p + 8);
      int wire = b.getInt(p + 12);
      p += 16;
      if (cap < 0 || p + cap > f.length) {
        break;
      }
      out.add(new Frame(linkType, sec * 1_000_000_000L + (nano ? frac : frac * 1000), wire,
          Arrays.copyOfRange(f, p, p + cap)));
      p += cap;
    }
    return out;
  }

  private static void pcapng(ByteBuffer b, List<Frame> out) {
    List<Integer> linkTypes = new ArrayList<>();
    List<Long> tsUnits = new ArrayList<>();
    int p = 0;
    int n = b.capacity();
    while (p + 12 <= n) {
      int type = b.order(ByteOrder.BIG_ENDIAN).getInt(p);
      if (type == 0x0A0D0D0A) {
        int bom = b.getInt(p + 8);
        b.order(bom == 0x1A2B3C4D ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        linkTypes.clear();
        tsUnits.clear();
      } else {
        type = b.getInt(p);
      }
      int len = b.getInt(p + 4);
      if (len < 12 || p + len > n) {
        break;
      }
      if (type == 1) { // IDB
        linkTypes.add(b.getShort(p + 8) & 0xffff);
        long unitsPerSec = 1_000_000; // microseconds unless if_tsresol says otherwise
        int q = p + 16;
        while (q + 4 <= p + len - 4) {
          int code = b.getShort(q) & 0xffff;
          int olen = b.getShort(q + 2) & 0xffff;
          if (code == 0) {
            break;
          }
          if (code == 9 && olen >= 1) { // if_tsresol
            int r = b.get(q + 4) & 0xff;
            unitsPerSec = (r & 0x80) != 0 ? 1L << (r & 0x7f) : (long) Math.pow(10, r);
          }
          q += 4 + ((olen + 3) & ~3);
        }
        tsUnits.add(unitsPerSec);
      } else if (type == 6) { // EPB
        int ifc = b.getInt(p + 8);
        long ts = (b.getInt(p + 12) & 0xffffffffL) << 32 | (b.getInt(p + 16) & 0xffffffffL);
        int cap = b.getInt(p + 20);
        int wire = b.getInt(p + 24);
        long nanos = (long) (ts * (1e9 / tsUnits.get(ifc)));
        out.add(new Frame(linkTypes.get(ifc), nanos, wire, Arrays.copyOfRange(b.array(), p + 28, p + 28 + cap)));
      } else if (type == 3) { // SPB
        int wire = b.getInt(p + 8);
        int cap = Math.min(wire, len - 16);
        out.add(new Frame(linkTypes.get(0), 0, wire, Arrays.copyOfRange(b.array(), p + 12, p + 12 + cap)));
      }
      p += len;
    }
  }
}
