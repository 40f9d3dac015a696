package dev.nsm.parsers.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tunnel decapsulation, on frames built here field by field from the RFC layouts drawn above each
 * decoder in {@link PacketDecoder} (the project's namespace captures of real tunnels are replayed by
 * the sensor's golden tests). The inner packet is always the same UDP datagram 10.1.1.1:1234 ->
 * 10.2.2.2:53 with 4 bytes of payload, so each test asserts what the tunnel changed around it.
 */
class TunnelDecoderTest {
  static final long TS = 1_700_000_000_000_000_000L;

  private TunnelSettings settings = TunnelSettings.defaults();
  private PacketDecoder decoder = new PacketDecoder(new IpDefragmenter(), settings);
  private final DecodedPacket p = new DecodedPacket();

  // ------------------------------------------------------------------ frame building

  static byte[] cat(Object... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (Object x : parts) {
      if (x instanceof byte[]) {
        o.writeBytes((byte[]) x);
      } else {
        o.write((Integer) x);
      }
    }
    return o.toByteArray();
  }

  static byte[] u16(int v) {
    return new byte[] {(byte) (v >>> 8), (byte) v};
  }

  static byte[] u32(long v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  static byte[] addr(int a, int b, int c, int d) {
    return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
  }

  static byte[] v6(int last) {
    byte[] a = new byte[16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = (byte) 0xb8;
    a[15] = (byte) last;
    return a;
  }

  static byte[] ipv4(byte[] src, byte[] dst, int proto, byte[] payload) {
    return cat(0x45, 0, u16(20 + payload.length), u16(1), u16(0), 64, proto, u16(0), src, dst, payload);
  }

  static byte[] ipv6(byte[] src, byte[] dst, int next, byte[] payload) {
    return cat(0x60, 0, u16(0), u16(payload.length), next, 64, src, dst, payload);
  }

  static byte[] udp(int sp, int dp, byte[] payload) {
    return cat(u16(sp), u16(dp), u16(8 + payload.length), u16(0), payload);
  }

  static byte[] eth(int type, byte[] payload) {
    return cat(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, u16(type), payload);
  }

  static final byte[] INNER = ipv4(addr(10, 1, 1, 1), addr(10, 2, 2, 2), 17, udp(1234, 53, new byte[] {1, 2, 3, 4}));
  static final byte[] INNER6 = ipv6(v6(1), v6(2), 17, udp(1234, 53, new byte[] {1, 2, 3, 4}));
  static final byte[] ARP = eth(0x0806, new byte[28]);

  static byte[] overUdp(int sp, int dp, byte[] payload) {
    return eth(0x0800, ipv4(addr(192, 0, 2, 1), addr(192, 0, 2, 2), 17, udp(sp, dp, payload)));
  }

  static byte[] overIp(int proto, byte[] payload) {
    return eth(0x0800, ipv4(addr(192, 0, 2, 1), addr(192, 0, 2, 2), proto, payload));
  }

  static byte[] vxlan(long vni, byte[] frame) {
    return cat(0x08, 0, 0, 0, u32(vni << 8), frame);
  }

  // ------------------------------------------------------------------ checks

  private DecodeResult decode(byte[] frame) {
    DecodeResult r = decoder.decode(frame, frame.length, frame.length, LinkType.ETHERNET, TS, p);
    assertEquals(DecodeResult.OK, r);
    return r;
  }

  /** p is the inner datagram, inside {@code depth} tunnels. */
  private void assertInner(int depth) {
    assertEquals(depth, p.tunnelDepth);
    assertEquals(17, p.ipProto);
    assertEquals(1234, p.srcPort);
    assertEquals(53, p.dstPort);
    assertEquals(4, p.payloadLen);
    assertEquals(1, p.buf[p.payloadOffset]);
    assertEquals(4, p.buf[p.payloadOffset + 3]);
  }

  private void assertV4Inner(int depth) {
    assertInner(depth);
    assertEquals(4, p.ipVersion);
    assertArrayEquals(addr(10, 1, 1, 1), java.util.Arrays.copyOf(p.src, 4));
    assertEquals(INNER.length, p.ipLen);
  }

  private long decapsulated(TunnelType t) {
    return decoder.decapsulated[t.ordinal()];
  }

  private long errors(TunnelError e) {
    return decoder.tunnelErrors[e.ordinal()];
  }

  // ------------------------------------------------------------------ tests

  @Test
  void vxlanCarriesEthernet() {
    byte[] frame = overUdp(50000, 4789, vxlan(4242, eth(0x0800, INNER)));
    decode(frame);
    assertV4Inner(1);
    DecodedPacket o = p.outer[0];
    assertEquals(TunnelType.VXLAN, o.carries);
    assertEquals(4242, o.tunnelId);
    assertEquals(50000, o.srcPort);
    assertEquals(4789, o.dstPort);
    assertEquals(frame.length - 14, o.ipLen);
    assertFalse(o.tunnelTransport);
    assertNotEquals(0, p.tunnelKey);
    assertEquals(0, o.tunnelKey);
    assertEquals(1, decapsulated(TunnelType.VXLAN));
  }

  @Test
  void tunnelKeyNamesTheTunnelNotItsPortsOrDirection() {
    decode(overUdp(50000, 4789, vxlan(7, eth(0x0800, INNER))));
    long key = p.tunnelKey;
    int hash = p.flowHash;
    // the other direction of the same VXLAN tunnel: addresses swapped, another source port
    byte[] back = eth(0x0800, ipv4(addr(192, 0, 2, 2), addr(192, 0, 2, 1), 17, udp(40000, 4789, vxlan(7, eth(0x0800, INNER)))));
    decode(back);
    assertEquals(key, p.tunnelKey);
    assertEquals(hash, p.flowHash, "inner flows are sharded by the inner tuple");
    decode(overUdp(50000, 4789, vxlan(8, eth(0x0800, INNER))));
    assertNotEquals(key, p.tunnelKey, "another VNI is another tunnel");
  }

  @Test
  void vxlanPortIsConfigurable() {
    settings.vxlanPort = 8472;
    decoder = new PacketDecoder(new IpDefragmenter(), settings);
    decode(overUdp(50000, 8472, vxlan(1, eth(0x0800, INNER))));
    assertV4Inner(1);
    decode(overUdp(50000, 4789, vxlan(1, eth(0x0800, INNER))));
    assertEquals(0, p.tunnelDepth);
    assertEquals(4789, p.dstPort);
  }

  @Test
  void geneveSkipsOptionsByLength() {
    // ver 0 | opt len 3 words | proto 0x6558 | VNI 99 | one 12-byte option (class, type, length 2 words, data)
    byte[] opts = cat(u16(0x0102), 0x03, 0x02, u32(0xdeadbeefL), u32(0xcafef00dL));
    byte[] gen = cat(0x03, 0x00, u16(0x6558), u32(99L << 8), opts, eth(0x0800, INNER));
    decode(overUdp(12345, 6081, gen));
    assertV4Inner(1);
    assertEquals(TunnelType.GENEVE, p.outer[0].carries);
    assertEquals(99, p.outer[0].tunnelId);
    // the same with an IP payload type
    decode(overUdp(12345, 6081, cat(0x00, 0x00, u16(0x0800), u32(99L << 8), INNER)));
    assertV4Inner(1);
    // options longer than the packet
    decode(overUdp(12345, 6081, cat(0x3f, 0x00, u16(0x6558), u32(99L << 8), eth(0x0800, INNER))));
    assertEquals(0, p.tunnelDepth);
    assertEquals(1, errors(TunnelError.GENEVE_TRUNCATED));
  }

  @Test
  void greWithChecksumKeyAndSequence() {
    byte[] gre = cat(0xb0, 0x00, u16(0x0800), u16(0xbeef), u16(0), u32(0x1234), u32(77), INNER);
    decode(overIp(47, gre));
    assertV4Inner(1);
    assertEquals(TunnelType.GRE, p.outer[0].carries);
    assertEquals(0x1234, p.outer[0].tunnelId);
    assertEquals(47, p.outer[0].ipProto);
    // transparent Ethernet bridging (gretap)
    decode(overIp(47, cat(0x00, 0x00, u16(0x6558), eth(0x0800, INNER))));
    assertV4Inner(1);
    // key flag set but the key cut off
    decode(overIp(47, cat(0x20, 0x00, u16(0x0800), 0x00, 0x01)));
    assertEquals(0, p.tunnelDepth);
    assertEquals(47, p.ipProto);
    assertEquals(1, errors(TunnelError.GRE_TRUNCATED));
    // routing present (RFC 1701) and version 2: refused
    decode(overIp(47, cat(0x40, 0x00, u16(0x0800), u32(0), INNER)));
    decode(overIp(47, cat(0x00, 0x02, u16(0x0800), INNER)));
    assertEquals(2, errors(TunnelError.GRE_BAD_VERSION));
    assertEquals(3, decapsulated(TunnelType.GRE) + 1);
  }

  @Test
  void pptpEnhancedGreCarriesPpp() {
    // version 1: K and S set, A set | proto 0x880B | payload length | call id | seq | ack | ff 03 0021 IPv4
    byte[] ppp = cat(0xff, 0x03, u16(0x0021), INNER);
    byte[] gre = cat(0x30, 0x81, u16(0x880b), u16(ppp.length), u16(0x4d2), u32(1), u32(2), ppp);
    decode(overIp(47, gre));
    assertV4Inner(1);
    assertEquals(-1, p.outer[0].tunnelId, "the call id differs per direction: not the tunnel's id");
    long key = p.tunnelKey;
    byte[] back = eth(0x0800, ipv4(addr(192, 0, 2, 2), addr(192, 0, 2, 1), 47,
        cat(0x30, 0x01, u16(0x880b), u16(ppp.length), u16(0x777), u32(9), ppp)));
    decode(back);
    assertV4Inner(1);
    assertEquals(key, p.tunnelKey, "both directions of one PPTP tunnel");
    // an acknowledgement alone: nothing inside, the packet stays on the GRE flow which still carries GRE
    decode(overIp(47, cat(0x20, 0x81, u16(0x880b), u16(0), u16(0x4d2), u32(2))));
    assertEquals(0, p.tunnelDepth);
    assertEquals(TunnelType.GRE, p.carries);
  }

  @Test
  void erspanTypesOneTwoThree() {
    // type I: GRE 0x88BE without a sequence number, the mirrored frame right after
    decode(overIp(47, cat(0x00, 0x00, u16(0x88be), eth(0x0800, INNER))));
    assertV4Inner(1);
    assertEquals(TunnelType.ERSPAN, p.outer[0].carries);
    // type II: sequence number, then ver 1 | vlan | cos/en/t | session 0x17 | reserved | index
    decode(overIp(47, cat(0x10, 0x00, u16(0x88be), u32(5), u16(0x1000), u16(0x0017), u32(0), eth(0x0800, INNER))));
    assertV4Inner(1);
    assertEquals(0x17, p.outer[0].tunnelId);
    // type III with the platform sub-header (O bit): ver 2 | session 5 | timestamp | SGT | P/FT 0/HwID/D/Gra/O=1 | 8 bytes
    byte[] e3 = cat(u16(0x2000), u16(0x0005), u32(123456), u16(0), 0x00, 0x01, u32(0), u32(0), eth(0x0800, INNER));
    decode(overIp(47, cat(0x10, 0x00, u16(0x22eb), u32(6), e3)));
    assertV4Inner(1);
    assertEquals(5, p.outer[0].tunnelId);
    // type III with frame type 2 (IP), no sub-header
    byte[] e3ip = cat(u16(0x2000), u16(0x0005), u32(1), u16(0), 0x08, 0x00, INNER);
    decode(overIp(47, cat(0x10, 0x00, u16(0x22eb), u32(7), e3ip)));
    assertV4Inner(1);
    // type II header with version 2: refused
    decode(overIp(47, cat(0x10, 0x00, u16(0x88be), u32(5), u16(0x2000), u16(0x0017), u32(0), eth(0x0800, INNER))));
    assertEquals(0, p.tunnelDepth);
    assertEquals(1, errors(TunnelError.ERSPAN_BAD_VERSION));
    assertEquals(4, decapsulated(TunnelType.ERSPAN));
  }

  @Test
  void ipInIpAndSixInFour() {
    decode(overIp(4, INNER));
    assertV4Inner(1);
    assertEquals(TunnelType.IPIP, p.outer[0].carries);
    decode(overIp(41, INNER6));
    assertInner(1);
    assertEquals(6, p.ipVersion);
    assertEquals(INNER6.length, p.ipLen);
  }

  @Test
  void teredoWithOriginAndAuthentication() {
    byte[] origin = cat(u16(0), u16(0x1234 ^ 0xffff), u32(0xc0000201L ^ 0xffffffffL));
    decode(overUdp(3544, 40000, cat(origin, INNER6)));
    assertInner(1);
    assertEquals(TunnelType.TEREDO, p.outer[0].carries);
    // authentication: id-len 2, au-len 3, client id, auth value, nonce 8, confirmation 1; then origin
    byte[] auth = cat(u16(1), 2, 3, new byte[] {9, 9}, new byte[] {8, 8, 8}, new byte[8], 0);
    decode(overUdp(40000, 3544, cat(auth, origin, INNER6)));
    assertInner(1);
    // origin before authentication is not Teredo (Zeek's order), nor a second origin
    decode(overUdp(40000, 3544, cat(origin, auth, INNER6)));
    decode(overUdp(40000, 3544, cat(origin, origin, INNER6)));
    assertEquals(0, p.tunnelDepth);
    assertEquals(2, errors(TunnelError.TEREDO_MALFORMED));
    // an IPv6 payload length beyond the datagram
    byte[] lying = INNER6.clone();
    lying[5] = 100;
    decode(overUdp(40000, 3544, lying));
    assertEquals(0, p.tunnelDepth);
    assertEquals(3, errors(TunnelError.TEREDO_MALFORMED));
  }

  @Test
  void ayiyaForwardsIp() {
    // IDLen 4 (16 bytes) | IDType 1 | SigLen 5 (20 bytes) | HshMeth 2 | AutMeth 2 | OpCode 1 | next 41 | epoch
    byte[] hdr = cat(0x41, 0x52, 0x21, 41, u32(1_700_000_000L), new byte[16], new byte[20]);
    decode(overUdp(5072, 5072, cat(hdr, INNER6)));
    assertInner(1);
    assertEquals(TunnelType.AYIYA, p.outer[0].carries);
    // OpCode 2 (echo request) carries nothing
    byte[] echo = hdr.clone();
    echo[2] = 0x22;
    decode(overUdp(5072, 5072, cat(echo, INNER6)));
    assertEquals(0, p.tunnelDepth);
    assertEquals(1, errors(TunnelError.AYIYA_MALFORMED));
  }

  @Test
  void gtpuWithExtensionHeaders() {
    // ver 1 | PT | E | G-PDU | length | TEID | seq | N-PDU | next ext 0x85 (PDU session container)
    // ext: length 1 (4 bytes) | 2 bytes | next 0
    byte[] body = cat(u16(0), 0, 0x85, 1, 0x10, 0x05, 0, INNER);
    byte[] gtp = cat(0x34, 0xff, u16(body.length), u32(0xabcdef01L), body);
    decode(overUdp(2152, 2152, gtp));
    assertV4Inner(1);
    assertEquals(TunnelType.GTPV1, p.outer[0].carries);
    assertEquals(0xabcdef01L, p.outer[0].tunnelId);
    long key = p.tunnelKey;
    // the downlink: addresses swapped, another TEID (each end picks its own): the same tunnel
    byte[] down = eth(0x0800, ipv4(addr(192, 0, 2, 2), addr(192, 0, 2, 1), 17,
        udp(2152, 2152, cat(0x30, 0xff, u16(INNER.length), u32(0x12345678L), INNER))));
    decode(down);
    assertV4Inner(1);
    assertEquals(key, p.tunnelKey, "GTP-U TEIDs differ per direction: not in the key");
    // echo request: GTP-U, but no user data: stays on the outer flow, which carries GTP
    decode(overUdp(2152, 2152, cat(0x32, 0x01, u16(4), u32(0), u16(1), 0, 0)));
    assertEquals(0, p.tunnelDepth);
    assertEquals(TunnelType.GTPV1, p.carries);
    // an extension header whose length runs past the packet
    decode(overUdp(2152, 2152, cat(0x34, 0xff, u16(8), u32(1), u16(0), 0, 0x85, 9, 0, 0, 0)));
    assertEquals(1, errors(TunnelError.GTPV1_TRUNCATED));
    // GTP version 2 (GTP-C) on the user port: refused
    decode(overUdp(2152, 2152, cat(0x48, 0x20, u16(8), u32(1), u32(0), INNER)));
    assertEquals(1, errors(TunnelError.GTPV1_BAD_VERSION));
  }

  @Test
  void nestingStopsAtMaxDepth() {
    // VXLAN in VXLAN in GRE: the default depth 2 opens GRE and the first VXLAN only
    byte[] innermost = overUdp(1, 4789, vxlan(2, eth(0x0800, INNER)));
    byte[] frame = overIp(47, cat(0x00, 0x00, u16(0x6558), overUdp(2, 4789, vxlan(1, innermost))));
    decode(frame);
    assertEquals(2, p.tunnelDepth);
    assertEquals(TunnelType.GRE, p.outer[0].carries);
    assertEquals(TunnelType.VXLAN, p.outer[1].carries);
    assertEquals(17, p.ipProto);
    assertEquals(4789, p.dstPort, "the third tunnel's outer UDP is the packet");
    assertNull(p.carries);
    assertEquals(1, errors(TunnelError.DEPTH_EXCEEDED));
    settings.maxDepth = 3;
    decoder = new PacketDecoder(new IpDefragmenter(), settings);
    decode(frame);
    assertV4Inner(3);
    assertEquals(0, errors(TunnelError.DEPTH_EXCEEDED));
  }

  @Test
  void badInnerLeavesThePacketOnItsOuterFlow() {
    decode(overUdp(50000, 4789, vxlan(1, ARP)));
    assertEquals(0, p.tunnelDepth);
    assertEquals(4789, p.dstPort);
    assertEquals(TunnelType.VXLAN, p.carries, "the outer flow is still VXLAN (Zeek logs its service)");
    assertEquals(1, errors(TunnelError.INNER_NOT_IP));
    byte[] cut = java.util.Arrays.copyOf(INNER, 20 + 4);
    cut[2] = 0;
    cut[3] = 24;
    decode(overUdp(50000, 4789, vxlan(1, eth(0x0800, cut))));
    assertEquals(0, p.tunnelDepth);
    assertEquals(1, errors(TunnelError.INNER_MALFORMED));
    decode(overUdp(50000, 4789, new byte[] {8, 0, 0}));
    assertEquals(1, errors(TunnelError.VXLAN_TRUNCATED));
    assertNull(p.carries);
    byte[] noI = vxlan(1, eth(0x0800, INNER));
    noI[0] = 0;
    decode(overUdp(50000, 4789, noI));
    assertEquals(0, p.tunnelDepth);
    assertEquals(1, errors(TunnelError.VXLAN_NO_VNI));
  }

  @Test
  void mirrorTransportKeysInnerAsNative() {
    decode(eth(0x0800, INNER));
    int nativeHash = p.flowHash;
    settings.mirrorTransport = TunnelType.VXLAN;
    decoder = new PacketDecoder(new IpDefragmenter(), settings);
    decode(overUdp(50000, 4789, vxlan(1, eth(0x0800, INNER))));
    assertV4Inner(1);
    assertTrue(p.outer[0].tunnelTransport);
    assertEquals(0, p.tunnelKey);
    assertEquals(nativeHash, p.flowHash);
    assertEquals(1, decoder.mirrorTransportPackets);
    // GENEVE is not the transport: an ordinary tunnel
    decode(overUdp(1, 6081, cat(0x00, 0x00, u16(0x0800), u32(0), INNER)));
    assertFalse(p.outer[0].tunnelTransport);
    assertNotEquals(0, p.tunnelKey);
  }

  /** Random changes to every tunnel frame above: no exception, nothing pointed at outside the buffer. */
  @Test
  void mutatedTunnelsNeverThrowNorPointOutside() {
    byte[] origin = cat(u16(0), u16(0), u32(0));
    byte[][] seeds = {
      overUdp(50000, 4789, vxlan(4242, eth(0x0800, INNER))),
      overUdp(1, 6081, cat(0x01, 0x00, u16(0x6558), u32(0), u32(0), eth(0x0800, INNER))),
      overIp(47, cat(0xb0, 0x00, u16(0x0800), u16(0), u16(0), u32(1), u32(1), INNER)),
      overIp(47, cat(0x30, 0x81, u16(0x880b), u16(INNER.length + 4), u16(1), u32(1), u32(2), 0xff, 0x03, u16(0x21), INNER)),
      overIp(47, cat(0x10, 0x00, u16(0x22eb), u32(6), u16(0x2000), u16(5), u32(0), u16(0), 0x00, 0x01, u32(0), u32(0), eth(0x0800, INNER))),
      overIp(4, INNER),
      overUdp(3544, 1, cat(origin, INNER6)),
      overUdp(5072, 5072, cat(0x41, 0x52, 0x21, 41, u32(0), new byte[16], new byte[20], INNER6)),
      overUdp(2152, 2152, cat(0x34, 0xff, u16(INNER.length + 8), u32(1), u16(0), 0, 0x85, 1, 0, 0, 0, INNER)),
    };
    Random rnd = new Random(11);
    for (int round = 0; round < 20000; round++) {
      byte[] f = seeds[round % seeds.length].clone();
      int n = 1 + rnd.nextInt(4);
      for (int i = 0; i < n; i++) {
        f[14 + 20 + rnd.nextInt(f.length - 34)] = (byte) rnd.nextInt(256);
      }
      int len = rnd.nextInt(4) == 0 ? 14 + rnd.nextInt(f.length - 14) : f.length;
      DecodeResult r = decoder.decode(f, len, len, LinkType.ETHERNET, TS, p);
      if (r == DecodeResult.OK) {
        Wire.assertWithinBuffer(p, r, "round " + round);
        for (int i = 0; i < p.tunnelDepth; i++) {
          assertTrue(p.outer[i].payloadOffset + p.outer[i].payloadCaptured <= len, "layer " + i);
        }
      }
    }
    long counted = 0;
    for (long c : decoder.decapsulated) {
      counted += c;
    }
    for (long c : decoder.tunnelErrors) {
      counted += c;
    }
    assertTrue(counted > 20000 / 2, "every tunnel seen is counted one way or the other: " + counted);
  }
}
