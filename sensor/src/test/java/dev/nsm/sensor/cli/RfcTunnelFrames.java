package dev.nsm.sensor.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test helper: captures of tunnels that Linux cannot make here, built byte by byte from their
 * specifications around REAL inner packets.
 *
 * <p>Teredo, AYIYA and GTP-U have no Linux tunnel device (and this kernel has none of GRE, SIT or
 * GENEVE either, see testdata/README.md), so unlike testdata/tunnel-*.pcap these frames are not
 * recorded from a running tunnel. The inner packets are: every IP packet of one of the project's
 * own captures (testdata/, recorded from curl, dig and nginx by make-captures.sh), unchanged,
 * with their original timestamps. Around each one this class writes an outer Ethernet / IPv4 /
 * UDP header (IPv4 checksum computed, UDP checksum 0 as IPv4 allows) and the tunnel header laid
 * out below, from:
 * <ul>
 *   <li>Teredo: RFC 4380 section 5.1.1 (UDP port 3544; the optional authentication and origin
 *       indications before the IPv6 packet);
 *   <li>AYIYA: draft-massar-v6ops-ayiya-02 section 5 (UDP port 5072);
 *   <li>GTP-U version 1: 3GPP TS 29.281 section 5 (UDP port 2152; G-PDU, message type 255; the
 *       optional sequence number / N-PDU / next-extension-type word and extension headers).
 * </ul>
 * Packets from the inner client travel outer 192.0.2.1 -> 192.0.2.2, the others back.
 */
final class RfcTunnelFrames {
  static final int TEREDO_PORT = 3544;
  static final int AYIYA_PORT = 5072;
  static final int GTPU_PORT = 2152;
  static final byte[] OUTER_A = {(byte) 192, 0, 2, 1};
  static final byte[] OUTER_B = {(byte) 192, 0, 2, 2};
  static final int OUTER_PORT_A = 40001;

  /** One inner IP packet of a capture, with its time. */
  record Packet(long sec, long usec, byte[] ip) {}

  private RfcTunnelFrames() {}

  /** Every IPv4/IPv6 packet of an Ethernet classic-pcap capture (microseconds), in order. */
  static List<Packet> innerPackets(Path pcap) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != 0xa1b2c3d4 || b.getInt(20) != 1) {
      throw new IOException(pcap + ": not a little-endian microsecond Ethernet pcap");
    }
    List<Packet> out = new ArrayList<>();
    int p = 24;
    while (p + 16 <= b.limit()) {
      long sec = b.getInt(p) & 0xffffffffL;
      long usec = b.getInt(p + 4) & 0xffffffffL;
      int caplen = b.getInt(p + 8);
      int type = ((b.get(p + 16 + 12) & 0xff) << 8) | (b.get(p + 16 + 13) & 0xff);
      if (type == 0x0800 || type == 0x86dd) {
        out.add(new Packet(sec, usec, Arrays.copyOfRange(b.array(), p + 16 + 14, p + 16 + caplen)));
      }
      p += 16 + caplen;
    }
    return out;
  }

  // ------------------------------------------------------------------------------------- Teredo
  //
  // RFC 4380 5.1.1: the IPv6 packet is the UDP payload, optionally preceded by indications.
  //
  //  Authentication indication (first; only in exchanges with the Teredo server):
  //  +--------+--------+--------+--------+
  //  |  0x00  | 0x01   | ID-len | AU-len |
  //  +--------+--------+--------+--------+
  //  |  Client identifier (ID-len octets) |
  //  |  Authentication value (AU-len)     |
  //  |  Nonce value (8 octets)            |
  //  |  Confirmation byte (1 octet)       |
  //  +------------------------------------+
  //
  //  Origin indication (second):
  //  +--------+--------+-----------------+
  //  |  0x00  | 0x00   | Origin port #   |   port and address XOR-ed with all ones
  //  +--------+--------+-----------------+
  //  |  Origin IPv4 address              |
  //  +-----------------------------------+
  //
  // The first packet of each direction carries an origin indication, the very first also an
  // authentication indication (no identifier, no authentication value): both forms occur.

  static byte[] teredo(Path capture) throws IOException {
    List<Packet> inner = innerPackets(capture);
    byte[] client = src(inner.get(0).ip);
    boolean[] firstOfDirection = {true, true};
    return wrap(inner, TEREDO_PORT, (ip, fromClient, i) -> {
      ByteArrayOutputStream h = new ByteArrayOutputStream();
      int dir = fromClient ? 0 : 1;
      if (i == 0) {
        h.writeBytes(new byte[] {0, 1, 0, 0});
        h.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // nonce
        h.write(0); // confirmation
      }
      if (firstOfDirection[dir]) {
        firstOfDirection[dir] = false;
        int port = ~(fromClient ? OUTER_PORT_A : TEREDO_PORT) & 0xffff;
        byte[] addr = fromClient ? OUTER_A : OUTER_B;
        h.writeBytes(new byte[] {0, 0, (byte) (port >> 8), (byte) port,
            (byte) ~addr[0], (byte) ~addr[1], (byte) ~addr[2], (byte) ~addr[3]});
      }
      h.writeBytes(ip);
      return h.toByteArray();
    }, client);
  }

  // -------------------------------------------------------------------------------------- AYIYA
  //
  // draft-massar-v6ops-ayiya-02, section 5:
  //   0                   1                   2                   3
  //   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
  //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  //  | IDlen |  IDtype |siglen |HshMeth|AutMeth|OpCode | Next Header  |
  //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  //  |                          Epoch Time                           |
  //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  //  |            Identity (2^IDlen octets)                          |
  //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  //  |            Signature (siglen * 4 octets)                      |
  //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  //  (IDlen, IDtype and the other 4-bit fields share bytes: IDlen|IDtype, siglen|HshMeth,
  //   AutMeth|OpCode.) Here: identity 16 octets (IDlen 4, IDtype 1 = IPv6 address), SHA-1
  //   signature 20 octets (siglen 5, HshMeth 2), AutMeth 1 (shared secret), OpCode 1 (forward),
  //   Next Header 41 (IPv6) or 4 (IPv4) after the inner packet's version.

  static byte[] ayiya(Path capture) throws IOException {
    List<Packet> inner = innerPackets(capture);
    return wrap(inner, AYIYA_PORT, (ip, fromClient, i) -> {
      ByteBuffer h = ByteBuffer.allocate(8 + 16 + 20 + ip.length);
      h.put((byte) 0x41).put((byte) 0x52).put((byte) 0x11).put((byte) ((ip[0] >> 4) == 6 ? 41 : 4));
      h.putInt((int) inner.get(i).sec);
      byte[] identity = new byte[16];
      identity[0] = 0x20;
      identity[1] = 0x01;
      identity[15] = (byte) (fromClient ? 1 : 2);
      h.put(identity);
      byte[] sig = new byte[20];
      Arrays.fill(sig, (byte) 0x5a);
      h.put(sig);
      h.put(ip);
      return h.array();
    }, src(inner.get(0).ip));
  }

  // -------------------------------------------------------------------------------------- GTP-U
  //
  // 3GPP TS 29.281 section 5.1 (version 1):
  //   Octet 1    | Version (3) = 1 | PT = 1 | (*) | E | S | PN |
  //   Octet 2    | Message Type = 255 (G-PDU)                  |
  //   Octet 3-4  | Length: octets after the first 8            |
  //   Octet 5-8  | Tunnel Endpoint Identifier                  |
  //   Octet 9-10 | Sequence Number        } present when any
  //   Octet 11   | N-PDU Number           } of E, S, PN is set
  //   Octet 12   | Next Extension Header Type                  |
  //   then extension headers (5.2): | Length (4-octet units) | Content | Next Extension Header Type |
  //
  // Uplink (from the inner client) TEID 0x1001, downlink 0x2002. Every third packet carries
  // a sequence number (S); every fourth a PDU Session Container extension header (type 0x85,
  // length 1: 2 octets of content) with E set; the others the 8-octet header alone.

  static byte[] gtpu(Path capture) throws IOException {
    List<Packet> inner = innerPackets(capture);
    return wrap(inner, GTPU_PORT, (ip, fromClient, i) -> {
      boolean ext = i % 4 == 3;
      boolean seq = i % 3 == 2;
      int optional = (ext || seq) ? 4 : 0;
      int extLen = ext ? 4 : 0;
      ByteBuffer h = ByteBuffer.allocate(8 + optional + extLen + ip.length);
      int flags = 0x30 | (ext ? 0x04 : 0) | (seq ? 0x02 : 0);
      h.put((byte) flags).put((byte) 0xff).putShort((short) (optional + extLen + ip.length));
      h.putInt(fromClient ? 0x1001 : 0x2002);
      if (optional > 0) {
        h.putShort((short) (seq ? i : 0)).put((byte) 0).put((byte) (ext ? 0x85 : 0));
      }
      if (ext) {
        h.put((byte) 1).put((byte) (fromClient ? 0x10 : 0x00)).put((byte) 9).put((byte) 0); // QFI 9, no next
      }
      h.put(ip);
      return h.array();
    }, src(inner.get(0).ip));
  }

  // ------------------------------------------------------------------------------ outer headers

  interface Header {
    byte[] payload(byte[] ip, boolean fromClient, int index);
  }

  private static byte[] src(byte[] ip) {
    return (ip[0] >> 4) == 6 ? Arrays.copyOfRange(ip, 8, 24) : Arrays.copyOfRange(ip, 12, 16);
  }

  /** A whole pcap: each inner packet in Ethernet / IPv4 / UDP(port) / tunnel header. */
  private static byte[] wrap(List<Packet> inner, int port, Header header, byte[] client) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer gh = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    gh.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(1);
    out.writeBytes(gh.array());
    int id = 0;
    for (int i = 0; i < inner.size(); i++) {
      Packet p = inner.get(i);
      boolean fromClient = Arrays.equals(src(p.ip), client);
      byte[] payload = header.payload(p.ip, fromClient, i);
      int ipLen = 20 + 8 + payload.length;
      ByteBuffer f = ByteBuffer.allocate(14 + ipLen);
      f.put(new byte[] {2, 0, 0x29, 0, 0, (byte) (fromClient ? 2 : 1)});
      f.put(new byte[] {2, 0, 0x29, 0, 0, (byte) (fromClient ? 1 : 2)});
      f.putShort((short) 0x0800);
      int ipOff = f.position();
      f.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) ++id).putShort((short) 0x4000);
      f.put((byte) 64).put((byte) 17).putShort((short) 0);
      f.put(fromClient ? OUTER_A : OUTER_B).put(fromClient ? OUTER_B : OUTER_A);
      f.putShort(ipOff + 10, (short) checksum(f.array(), ipOff, 20));
      int clientPort = port == GTPU_PORT ? GTPU_PORT : OUTER_PORT_A; // GTP-U: 2152 on both sides
      f.putShort((short) (fromClient ? clientPort : port)).putShort((short) (fromClient ? port : clientPort));
      f.putShort((short) (8 + payload.length)).putShort((short) 0);
      f.put(payload);
      ByteBuffer rec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      rec.putInt((int) p.sec).putInt((int) p.usec).putInt(f.capacity()).putInt(f.capacity());
      out.writeBytes(rec.array());
      out.writeBytes(f.array());
    }
    return out.toByteArray();
  }

  private static int checksum(byte[] b, int off, int len) {
    int s = 0;
    for (int i = 0; i < len; i += 2) {
      s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
    }
    while ((s >> 16) != 0) {
      s = (s & 0xffff) + (s >> 16);
    }
    return ~s & 0xffff;
  }
}
