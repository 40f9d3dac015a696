package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.Wire.dst;
import static dev.nsm.parsers.packet.Wire.hex;
import static dev.nsm.parsers.packet.Wire.src;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Decodes real frames, one per link type and per shim, and checks every field the flow layer reads.
 * Frames are the {@code tcpdump -xx -e -nn -v} dump of a capture of the conformance corpus
 * ({@code shared/testdata/NAME/capture.pcap}, frame N), named above each; the few the corpus lacks were
 * captured on loopback or written with scapy, and say so.
 */
class PacketDecoderTest {
  static final long TS = 1_700_000_000_000_000_000L;

  private final PacketDecoder decoder = new PacketDecoder(new IpDefragmenter());
  private final DecodedPacket p = new DecodedPacket();

  private DecodeResult decode(byte[] frame, int linkType) {
    DecodeResult r = decoder.decode(frame, frame.length, frame.length, linkType, TS, p);
    Wire.assertWithinBuffer(p, r, "frame");
    return r;
  }

  // ================================================================== Ethernet, IPv4, TCP options

  /**
   * bug-2769--issue_no_icmp frame 1:
   * 00:c1:64:c8:67:00 > 00:d7:8f:f2:83:00, ethertype IPv4 (0x0800), length 66: (tos 0x0, ttl 116, id 22340,
   * offset 0, flags [DF], proto TCP (6), length 52) 3.251.38.200.59921 > 3.235.60.34.8080: Flags [S],
   * seq 3415926115, win 65535, options [mss 1352,nop,wscale 3,nop,nop,sackOK], length 0
   */
  static final String ETH_SYN = """
      0x0000:  00d7 8ff2 8300 00c1 64c8 6700 0800 4500
      0x0010:  0034 5744 4000 7406 44b0 03fb 26c8 03eb
      0x0020:  3c22 ea11 1f90 cb9a e563 0000 0000 8002
      0x0030:  ffff 4a11 0000 0204 0548 0103 0303 0101
      0x0040:  0402
      """;

  /**
   * bug-2769--issue_no_icmp frame 2, the answer: 3.235.60.34.8080 > 3.251.38.200.59921: Flags [S.],
   * seq 953284097, ack 3415926116, win 65535, options [mss 1352,nop,wscale 5,sackOK,eol], ttl 58
   */
  static final String ETH_SYNACK = """
      0x0000:  00c1 64c8 6700 00d7 8ff2 8300 0800 4500
      0x0010:  0034 3000 4000 3a06 a5f4 03eb 3c22 03fb
      0x0020:  26c8 1f90 ea11 38d1 f601 cb9a e564 8012
      0x0030:  ffff 1c2c 0000 0204 0548 0103 0305 0402
      0x0040:  0000
      """;

  @Test
  void ethernetIpv4TcpSynWithOptions() {
    assertEquals(DecodeResult.OK, decode(hex(ETH_SYN), LinkType.ETHERNET));
    assertEquals(0, p.vlanCount);
    assertEquals(4, p.ipVersion);
    assertEquals("3.251.38.200", src(p));
    assertEquals("3.235.60.34", dst(p));
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(14, p.ipOffset);
    assertEquals(52, p.ipLen);
    assertEquals(116, p.ttl);
    assertEquals(34, p.l4Offset);
    assertEquals(59921, p.srcPort);
    assertEquals(8080, p.dstPort);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(3415926115L, p.seq);
    assertEquals(0, p.ack);
    assertEquals(65535, p.window);
    assertEquals(1352, p.mss);
    assertEquals(3, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(0, p.sackBlocks);
    assertEquals(66, p.payloadOffset);
    assertEquals(0, p.payloadLen);
    assertEquals(0, p.payloadCaptured);
    assertEquals(-1, p.icmpType);
    assertFalse(p.reassembled);
    assertTrue(p.isTcp());
  }

  @Test
  void ethernetSynAckAndFlowHashIsSymmetric() {
    assertEquals(DecodeResult.OK, decode(hex(ETH_SYN), LinkType.ETHERNET));
    int synHash = p.flowHash;

    assertEquals(DecodeResult.OK, decode(hex(ETH_SYNACK), LinkType.ETHERNET));
    assertEquals("3.235.60.34", src(p));
    assertEquals(8080, p.srcPort);
    assertEquals(59921, p.dstPort);
    assertEquals(DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, p.tcpFlags);
    assertEquals(953284097L, p.seq);
    assertEquals(3415926116L, p.ack);
    assertEquals(58, p.ttl);
    assertEquals(1352, p.mss);
    assertEquals(5, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(synHash, p.flowHash, "the answer of a connection hashes like its first packet");

    // the SYN with addresses and ports swapped by hand: B->A must hash like A->B
    byte[] swapped = hex(ETH_SYN);
    swap(swapped, 14 + 12, 14 + 16, 4); // IPv4 source <-> destination
    swap(swapped, 34, 36, 2); // TCP source port <-> destination port
    assertEquals(DecodeResult.OK, decode(swapped, LinkType.ETHERNET));
    assertEquals("3.235.60.34", src(p));
    assertEquals(8080, p.srcPort);
    assertEquals(synHash, p.flowHash);

    // ... and a different port, protocol or VLAN is another flow
    byte[] otherPort = hex(ETH_SYN);
    otherPort[35] ^= 1; // source port 59921 -> 59920
    decode(otherPort, LinkType.ETHERNET);
    assertNotEquals(synHash, p.flowHash);
  }

  private static void swap(byte[] b, int i, int j, int n) {
    for (int k = 0; k < n; k++) {
      byte t = b[i + k];
      b[i + k] = b[j + k];
      b[j + k] = t;
    }
  }

  /**
   * ARP is not IP: ethernet-eve frame 1, 0a:00:27:00:00:00 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806),
   * length 42: Request who-has 192.168.56.101 tell 192.168.56.1
   */
  static final String ETH_ARP = """
      0x0000:  ffff ffff ffff 0a00 2700 0000 0806 0001
      0x0010:  0800 0604 0001 0a00 2700 0000 c0a8 3801
      0x0020:  0000 0000 0000 c0a8 3865
      """;

  @Test
  void arpIsNotIp() {
    assertEquals(DecodeResult.NOT_IP, decode(hex(ETH_ARP), LinkType.ETHERNET));
    assertEquals(0, p.ipVersion);
    assertEquals(0, p.flowHash);
    assertFalse(DecodeResult.NOT_IP.isMalformed());
  }

  // ================================================================== 802.1Q, QinQ

  /**
   * eve-flow-vlan-02 frames 1 to 3: the same ICMP echo request under one, two and three 802.1Q tags.
   * 00:01:02:03:04:05 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 6, p 0,
   * ethertype IPv4 (0x0800), (ttl 64, id 1, proto ICMP (1), length 28) 192.168.0.1 > 255.255.255.255:
   * ICMP echo request, id 0, seq 0, length 8
   */
  static final String VLAN1_ICMP = """
      0x0000:  ffff ffff ffff 0001 0203 0405 8100 0006
      0x0010:  0800 4500 001c 0001 0000 4001 ba37 c0a8
      0x0020:  0001 ffff ffff 0800 f7ff 0000 0000
      """;

  /** ... length 50: vlan 1, p 0, ethertype 802.1Q (0x8100), vlan 10, p 0, ethertype IPv4 (0x0800) ... */
  static final String VLAN2_ICMP = """
      0x0000:  ffff ffff ffff 0001 0203 0405 8100 0001
      0x0010:  8100 000a 0800 4500 001c 0001 0000 4001
      0x0020:  ba37 c0a8 0001 ffff ffff 0800 f7ff 0000
      0x0030:  0000
      """;

  /** ... length 54: vlan 1, ethertype 802.1Q, vlan 10, ethertype 802.1Q, vlan 100, ethertype IPv4 ... */
  static final String VLAN3_ICMP = """
      0x0000:  ffff ffff ffff 0001 0203 0405 8100 0001
      0x0010:  8100 000a 8100 0064 0800 4500 001c 0001
      0x0020:  0000 4001 ba37 c0a8 0001 ffff ffff 0800
      0x0030:  f7ff 0000 0000
      """;

  @Test
  void vlanTagsOneTwoThree() {
    assertEquals(DecodeResult.OK, decode(hex(VLAN1_ICMP), LinkType.ETHERNET));
    assertEquals(1, p.vlanCount);
    assertEquals(6, p.vlans[0]);
    assertEquals(0, p.vlans[1]);
    assertEquals(18, p.ipOffset);
    assertIcmpEcho(46);
    int oneTagHash = p.flowHash;

    assertEquals(DecodeResult.OK, decode(hex(VLAN2_ICMP), LinkType.ETHERNET));
    assertEquals(2, p.vlanCount);
    assertEquals(1, p.vlans[0]);
    assertEquals(10, p.vlans[1]);
    assertEquals(22, p.ipOffset);
    assertIcmpEcho(50);
    assertEquals(oneTagHash, p.flowHash,
        "VLAN ids are not part of the shard hash: both directions of a routed flow may use two VLANs");

    assertEquals(DecodeResult.OK, decode(hex(VLAN3_ICMP), LinkType.ETHERNET));
    assertEquals(3, p.vlanCount, "every tag is counted");
    assertEquals(1, p.vlans[0], "the outer two are kept");
    assertEquals(10, p.vlans[1]);
    assertEquals(26, p.ipOffset);
    assertIcmpEcho(54);
  }

  private void assertIcmpEcho(int frameLen) {
    assertEquals(4, p.ipVersion);
    assertEquals("192.168.0.1", src(p));
    assertEquals("255.255.255.255", dst(p));
    assertEquals(DecodedPacket.PROTO_ICMP, p.ipProto);
    assertEquals(28, p.ipLen);
    assertEquals(64, p.ttl);
    assertEquals(8, p.icmpType);
    assertEquals(0, p.icmpCode);
    assertEquals(0, p.srcPort);
    assertEquals(0, p.dstPort);
    assertEquals(frameLen - 8, p.l4Offset);
    assertEquals(frameLen, p.payloadOffset);
    assertEquals(0, p.payloadLen);
    assertEquals(0, p.payloadCaptured);
    assertTrue(p.isIcmp());
  }

  /**
   * zeek-core.q-in-q frame 1, two 0x8100 tags:
   * 00:c0:e4:01:2c:ed > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 68: vlan 13, p 0,
   * ethertype 802.1Q (0x8100), vlan 10, p 0, ethertype IPv4 (0x0800), (ttl 64, id 18326, proto UDP (17),
   * length 46) 172.19.51.37.47808 > 172.19.51.63.47808: UDP, length 18
   */
  static final String QINQ_8100_UDP = """
      0x0000:  ffff ffff ffff 00c0 e401 2ced 8100 000d
      0x0010:  8100 000a 0800 4500 002e 4796 0000 4011
      0x0020:  749e ac13 3325 ac13 333f bac0 bac0 001a
      0x0030:  b9da 810b 0012 0120 ffff 00ff 1008 0a1b
      0x0040:  591a 1b59
      """;

  @Test
  void qinqTwo8100Tags() {
    assertEquals(DecodeResult.OK, decode(hex(QINQ_8100_UDP), LinkType.ETHERNET));
    assertEquals(2, p.vlanCount);
    assertEquals(13, p.vlans[0]);
    assertEquals(10, p.vlans[1]);
    assertEquals(4, p.ipVersion);
    assertEquals("172.19.51.37", src(p));
    assertEquals("172.19.51.63", dst(p));
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(22, p.ipOffset);
    assertEquals(46, p.ipLen);
    assertEquals(42, p.l4Offset);
    assertEquals(47808, p.srcPort);
    assertEquals(47808, p.dstPort);
    assertEquals(50, p.payloadOffset);
    assertEquals(18, p.payloadLen);
    assertEquals(18, p.payloadCaptured);
    assertTrue(p.isUdp());
  }

  /**
   * 802.1ad: an S-tag (TPID 0x88a8) over a C-tag. None in the corpus; written with scapy:
   * 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q-QinQ (0x88a8), length 62: vlan 100, p 0,
   * ethertype 802.1Q (0x8100), vlan 200, p 0, ethertype IPv4 (0x0800), (ttl 64, id 1, proto UDP (17),
   * length 40) 192.0.2.1.40000 > 198.51.100.7.53: 4660+ [|domain]
   */
  static final String QINQ_88A8_UDP = """
      0x0000:  0200 0000 0002 0200 0000 0001 88a8 0064
      0x0010:  8100 00c8 0800 4500 0028 0001 0000 4011
      0x0020:  8e88 c000 0201 c633 6407 9c40 0035 0014
      0x0030:  63df 1234 0100 0001 0000 0000 0000
      """;

  @Test
  void qinq88a8STagOverCTag() {
    assertEquals(DecodeResult.OK, decode(hex(QINQ_88A8_UDP), LinkType.ETHERNET));
    assertEquals(2, p.vlanCount);
    assertEquals(100, p.vlans[0]);
    assertEquals(200, p.vlans[1]);
    assertEquals("192.0.2.1", src(p));
    assertEquals("198.51.100.7", dst(p));
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(40, p.ipLen);
    assertEquals(40000, p.srcPort);
    assertEquals(53, p.dstPort);
    assertEquals(50, p.payloadOffset);
    assertEquals(12, p.payloadLen);
    assertEquals(12, p.payloadCaptured);

    // the old pre-standard QinQ TPIDs 0x9100 and 0x9200 are read the same way
    for (int tpid : new int[] {0x9100, 0x9200}) {
      byte[] old = hex(QINQ_88A8_UDP);
      old[12] = (byte) (tpid >>> 8);
      old[13] = (byte) tpid;
      assertEquals(DecodeResult.OK, decode(old, LinkType.ETHERNET));
      assertEquals(100, p.vlans[0]);
      assertEquals(200, p.vlans[1]);
      assertEquals(53, p.dstPort);
    }
  }

  // ================================================================== MPLS

  /**
   * zeek-core.vlan-mpls frame 1, one label:
   * 00:30:96:05:28:38 > 00:30:96:e6:fc:39, ethertype MPLS unicast (0x8847), length 62: MPLS (label 29, tc 6,
   * [S], ttl 255) (tos 0xc0, ttl 255, id 0, proto TCP (6), length 44) 10.1.2.1.11001 > 10.34.0.1.23:
   * Flags [S], seq 2553417723, win 4128, options [mss 536], length 0
   */
  static final String MPLS_IPV4_SYN = """
      0x0000:  0030 96e6 fc39 0030 9605 2838 8847 0001
      0x0010:  ddff 45c0 002c 0000 0000 ff06 a4e7 0a01
      0x0020:  0201 0a22 0001 2af9 0017 9832 0ffb 0000
      0x0030:  0000 6002 1020 a240 0000 0204 0218
      """;

  @Test
  void mplsSingleLabelIpv4() {
    assertEquals(DecodeResult.OK, decode(hex(MPLS_IPV4_SYN), LinkType.ETHERNET));
    assertEquals(0, p.vlanCount);
    assertEquals(4, p.ipVersion);
    assertEquals(18, p.ipOffset);
    assertEquals("10.1.2.1", src(p));
    assertEquals("10.34.0.1", dst(p));
    assertEquals(44, p.ipLen);
    assertEquals(255, p.ttl);
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(11001, p.srcPort);
    assertEquals(23, p.dstPort);
    assertEquals(2553417723L, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(4128, p.window);
    assertEquals(536, p.mss);
    assertEquals(-1, p.windowScale);
    assertFalse(p.sackPermitted);
    assertEquals(62, p.payloadOffset);
    assertEquals(0, p.payloadLen);
  }

  /**
   * zeek-core.mpls-in-vlan frame 3, two labels inside a VLAN:
   * 00:08:e3:41:41:41 > 00:08:e3:41:41:41, ethertype 802.1Q (0x8100), length 736: vlan 3399, p 0,
   * ethertype MPLS unicast (0x8847), MPLS (label 254, tc 0, ttl 60) (label 99, tc 0, [S], ttl 60)
   * (ttl 61, id 22774, flags [DF], proto TCP (6), length 710) 65.65.65.65.61193 > 65.65.65.65.80:
   * Flags [P.], seq 2629953142:2629953800, ack 1594306258, win 25480, options [nop,nop,TS val 10772702
   * ecr 1220236824], length 658: HTTP: GET /AAAA... HTTP/1.1
   */
  static final String VLAN_MPLS2_HTTP = """
      0x0000:  0008 e341 4141 0008 e341 4141 8100 0d47
      0x0010:  8847 000f e03c 0006 313c 4500 02c6 58f6
      0x0020:  4000 3d06 b72c 4141 4141 4141 4141 ef09
      0x0030:  0050 9cc1 e676 5f07 2ed2 8018 6388 c194
      0x0040:  0000 0101 080a 00a4 60de 48bb 5618 4745
      0x0050:  5420 2f41 4141 4141 4141 4141 4141 4141
      0x0060:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0070:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0080:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0090:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00a0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00b0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00c0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00d0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00e0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x00f0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0100:  4141 4141 4141 2048 5454 502f 312e 310d
      0x0110:  0a48 6f73 743a 2077 772e 6578 616d 706c
      0x0120:  652e 6f72 670d 0a43 6f6e 6e65 6374 696f
      0x0130:  6e3a 206b 6565 702d 616c 6976 650d 0a55
      0x0140:  7365 722d 4167 656e 743a 2041 4141 4141
      0x0150:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0160:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0170:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0180:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0190:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01a0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01b0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01c0:  4141 410d 0a41 6363 6570 743a 202a 2f2a
      0x01d0:  0d0a 5265 6665 7265 723a 2041 4141 4141
      0x01e0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01f0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0200:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0210:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0220:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0230:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0240:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0250:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0260:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0270:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0280:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0290:  4141 4141 4141 410d 0a41 6363 6570 742d
      0x02a0:  456e 636f 6469 6e67 3a20 677a 6970 2c64
      0x02b0:  6566 6c61 7465 2c73 6463 680d 0a41 6363
      0x02c0:  6570 742d 4c61 6e67 7561 6765 3a20 656e
      0x02d0:  2d55 532c 656e 3b71 3d30 2e38 0d0a 0d0a
      """;

  @Test
  void mplsTwoLabelsInVlan() {
    byte[] frame = hex(VLAN_MPLS2_HTTP);
    assertEquals(736, frame.length);
    assertEquals(DecodeResult.OK, decode(frame, LinkType.ETHERNET));
    assertEquals(1, p.vlanCount);
    assertEquals(3399, p.vlans[0]);
    assertEquals(26, p.ipOffset);
    assertEquals("65.65.65.65", src(p));
    assertEquals("65.65.65.65", dst(p));
    assertEquals(710, p.ipLen);
    assertEquals(61, p.ttl);
    assertEquals(61193, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(2629953142L, p.seq);
    assertEquals(1594306258L, p.ack);
    assertEquals(DecodedPacket.TCP_PSH | DecodedPacket.TCP_ACK, p.tcpFlags);
    assertEquals(25480, p.window);
    assertEquals(-1, p.mss);
    assertEquals(78, p.payloadOffset);
    assertEquals(658, p.payloadLen);
    assertEquals(658, p.payloadCaptured);
    assertEquals('G', frame[p.payloadOffset]);
  }

  /**
   * IPv6 under one label (none in the corpus; scapy):
   * 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype MPLS unicast (0x8847), length 90: MPLS (label 100,
   * tc 0, [S], ttl 64) (hlim 63, next-header TCP (6) payload length: 32) 2001:db8::1.33000 >
   * 2001:db8::2.443: Flags [S], seq 1000, win 8192, options [mss 1440,sackOK,wscale 8,eol], length 0
   */
  static final String MPLS_IPV6_SYN = """
      0x0000:  0200 0000 0002 0200 0000 0001 8847 0006
      0x0010:  4140 6000 0000 0020 063f 2001 0db8 0000
      0x0020:  0000 0000 0000 0000 0001 2001 0db8 0000
      0x0030:  0000 0000 0000 0000 0002 80e8 01bb 0000
      0x0040:  03e8 0000 0000 8002 2000 672d 0000 0204
      0x0050:  05a0 0402 0303 0800 0000
      """;

  /**
   * IPv6 under three labels (scapy): ... ethertype MPLS unicast (0x8847), length 78: MPLS (label 16, ttl 64)
   * (label 17, ttl 64) (label 18, [S], ttl 64) (hlim 63, next-header UDP (17) payload length: 12)
   * 2001:db8::1.5000 > 2001:db8::2.5001: UDP, length 4
   */
  static final String MPLS3_IPV6_UDP = """
      0x0000:  0200 0000 0002 0200 0000 0001 8847 0001
      0x0010:  0040 0001 1040 0001 2140 6000 0000 000c
      0x0020:  113f 2001 0db8 0000 0000 0000 0000 0000
      0x0030:  0001 2001 0db8 0000 0000 0000 0000 0000
      0x0040:  0002 1388 1389 000c b889 6162 6364
      """;

  @Test
  void mplsIpv6SingleAndStacked() {
    assertEquals(DecodeResult.OK, decode(hex(MPLS_IPV6_SYN), LinkType.ETHERNET));
    assertEquals(6, p.ipVersion);
    assertEquals(18, p.ipOffset);
    assertEquals("2001:db8::1", src(p));
    assertEquals("2001:db8::2", dst(p));
    assertEquals(72, p.ipLen);
    assertEquals(63, p.ttl);
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(58, p.l4Offset);
    assertEquals(33000, p.srcPort);
    assertEquals(443, p.dstPort);
    assertEquals(1000, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(1440, p.mss);
    assertEquals(8, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(90, p.payloadOffset);
    assertEquals(0, p.payloadLen);

    assertEquals(DecodeResult.OK, decode(hex(MPLS3_IPV6_UDP), LinkType.ETHERNET));
    assertEquals(6, p.ipVersion);
    assertEquals(26, p.ipOffset);
    assertEquals(52, p.ipLen);
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(5000, p.srcPort);
    assertEquals(5001, p.dstPort);
    assertEquals(74, p.payloadOffset);
    assertEquals(4, p.payloadLen);
    assertEquals(4, p.payloadCaptured);
  }

  /**
   * Sixteen labels, the last with [S] (scapy): the most the decoder follows. ... ethertype MPLS unicast
   * (0x8847), length 106: MPLS (label 100) ... (label 115, [S]) 192.0.2.1.1000 > 192.0.2.2.2000: UDP, length 0
   */
  static final String MPLS16_UDP = """
      0x0000:  0200 0000 0002 0200 0000 0001 8847 0006
      0x0010:  4040 0006 5040 0006 6040 0006 7040 0006
      0x0020:  8040 0006 9040 0006 a040 0006 b040 0006
      0x0030:  c040 0006 d040 0006 e040 0006 f040 0007
      0x0040:  0040 0007 1040 0007 2040 0007 3140 4500
      0x0050:  001c 0007 0000 4011 f6c6 c000 0201 c000
      0x0060:  0202 03e8 07d0 0008 7022
      """;

  @Test
  void mplsSixteenLabels() {
    assertEquals(DecodeResult.OK, decode(hex(MPLS16_UDP), LinkType.ETHERNET));
    assertEquals(14 + 16 * 4, p.ipOffset);
    assertEquals("192.0.2.1", src(p));
    assertEquals(1000, p.srcPort);
    assertEquals(2000, p.dstPort);
    assertEquals(0, p.payloadLen);
  }

  // ================================================================== PPPoE, PBB, VNTag, FabricPath, LLC/SNAP

  /**
   * bug-4810--pppoe-session-http frame 1. The PPP protocol is one byte (0x21: protocol field compression,
   * RFC 1661 6.5), so the IPv4 header starts at 21:
   * 00:0c:29:20:8e:a1 > 00:0c:29:39:f3:c3, ethertype PPPoE S (0x8864), length 81: PPPoE [ses 0x2d]
   * IP (0x0021), length 61: (ttl 64, id 0, flags [DF], proto TCP (6), length 60) 10.100.0.0.57013 >
   * 142.250.179.131.80: Flags [S], seq 3569186388, win 65228, options [mss 1452,nop,wscale 7,sackOK,
   * TS val 3417215587 ecr 0], length 0
   */
  static final String PPPOE_SYN = """
      0x0000:  000c 2939 f3c3 000c 2920 8ea1 8864 1100
      0x0010:  002d 003d 2145 0000 3c00 0040 0040 06ed
      0x0020:  da0a 6400 008e fab3 83de b500 50d4 bd76
      0x0030:  5400 0000 00a0 02fe cc74 2f00 0002 0405
      0x0040:  ac01 0303 0704 0208 0acb ae92 6300 0000
      0x0050:  00
      """;

  @Test
  void pppoeSessionWithCompressedProtocol() {
    assertEquals(DecodeResult.OK, decode(hex(PPPOE_SYN), LinkType.ETHERNET));
    assertEquals(21, p.ipOffset);
    assertEquals("10.100.0.0", src(p));
    assertEquals("142.250.179.131", dst(p));
    assertEquals(60, p.ipLen);
    assertEquals(57013, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(3569186388L, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(65228, p.window);
    assertEquals(1452, p.mss);
    assertEquals(7, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(81, p.payloadOffset);
    assertEquals(0, p.payloadLen);
  }

  @Test
  void pppoeSessionWithTwoByteProtocol() {
    // the same frame with the protocol written in full (0x0021), as most PPPoE stacks send it
    byte[] c = hex(PPPOE_SYN);
    byte[] full = new byte[c.length + 1];
    System.arraycopy(c, 0, full, 0, 20);
    full[20] = 0x00;
    System.arraycopy(c, 20, full, 21, c.length - 20);
    assertEquals(DecodeResult.OK, decode(full, LinkType.ETHERNET));
    assertEquals(22, p.ipOffset);
    assertEquals(57013, p.srcPort);
    assertEquals(1452, p.mss);
    assertEquals(82, p.payloadOffset);
  }

  /**
   * zeek-core.pbb frame 5: 802.1Q, then 802.1ah (I-TAG, customer MACs), then 802.1Q again:
   * 02:cc:cc:00:3a:ff > 02:cc:cc:00:3c:ff, ethertype 802.1Q (0x8100), length 92: vlan 4051, p 0,
   * ethertype Unknown (0x88e7), [I-SID 0x1ebb44, 10:60:4b:7f:2d:27 > ..., 802.1Q vlan 4020, IPv4]
   * (ttl 128, flags [DF], proto TCP (6), length 52) 10.199.249.11.49601 > 10.199.249.12.49416: Flags [S],
   * seq 2151987126, win 8192, options [mss 1460,nop,wscale 2,nop,nop,sackOK]
   */
  static final String PBB_SYN = """
      0x0000:  02cc cc00 3cff 02cc cc00 3aff 8100 0fd3
      0x0010:  88e7 001e bb44 1060 4b7d ba75 1060 4b7f
      0x0020:  2d27 8100 0fb4 0800 4500 0034 4320 4000
      0x0030:  8006 affd 0ac7 f90b 0ac7 f90c c1c1 c108
      0x0040:  8044 b7b6 0000 0000 8002 2000 8caa 0000
      0x0050:  0204 05b4 0103 0302 0101 0402
      """;

  /**
   * zeek-core.pbb frame 3: OSPF (IP protocol 89) in PBB in 802.1Q, vlan 4052 p 7:
   * 10.199.242.132 > 224.0.0.5: OSPFv2, Hello, length 56 (ttl 1, proto 89, length 76)
   */
  static final String PBB_OSPF = """
      0x0000:  c300 3d1e bb4d 02cc cc00 3d00 8100 efd4
      0x0010:  88e7 001e bb4d 0100 5e00 0005 001c ebab
      0x0020:  c208 0800 45e0 004c 8ad8 0000 0159 5050
      0x0030:  0ac7 f284 e000 0005 0201 0038 ebab c265
      0x0040:  0000 0000 bbb3 0000 0000 0000 0000 0000
      0x0050:  ffff fff8 000a 0201 0000 0028 0ac7 f283
      0x0060:  0ac7 f284 ebaa b265 ebaf 5265 e8b2 d265
      """;

  /** zeek-core.pbb frame 2: ARP in PBB in 802.1Q (vlan 4051 p 2). */
  static final String PBB_ARP = """
      0x0000:  c300 3a1e bb3b 02cc cc00 3a00 8100 4fd3
      0x0010:  88e7 001e bb3b ffff ffff ffff 001c ebaf
      0x0020:  5205 0806 0001 0800 0604 0001 001c ebaf
      0x0030:  5205 0ac7 f502 0000 0000 0000 0ac7 f564
      0x0040:  0000 0000 0000 0000 0000 0000 0000 0000
      0x0050:  0000
      """;

  @Test
  void pbbWithVlansAroundIt() {
    assertEquals(DecodeResult.OK, decode(hex(PBB_SYN), LinkType.ETHERNET));
    assertEquals(2, p.vlanCount);
    assertEquals(4051, p.vlans[0]);
    assertEquals(4020, p.vlans[1]);
    assertEquals(40, p.ipOffset);
    assertEquals("10.199.249.11", src(p));
    assertEquals("10.199.249.12", dst(p));
    assertEquals(52, p.ipLen);
    assertEquals(128, p.ttl);
    assertEquals(49601, p.srcPort);
    assertEquals(49416, p.dstPort);
    assertEquals(2151987126L, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(8192, p.window);
    assertEquals(1460, p.mss);
    assertEquals(2, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(92, p.payloadOffset);

    // another IP protocol: no ports, the IP payload is the payload
    assertEquals(DecodeResult.OK, decode(hex(PBB_OSPF), LinkType.ETHERNET));
    assertEquals(1, p.vlanCount);
    assertEquals(4052, p.vlans[0], "PCP 7 is not part of the id");
    assertEquals(36, p.ipOffset);
    assertEquals("10.199.242.132", src(p));
    assertEquals("224.0.0.5", dst(p));
    assertEquals(89, p.ipProto);
    assertEquals(76, p.ipLen);
    assertEquals(1, p.ttl);
    assertEquals(56, p.l4Offset);
    assertEquals(0, p.srcPort);
    assertEquals(0, p.dstPort);
    assertEquals(-1, p.icmpType);
    assertEquals(56, p.payloadOffset);
    assertEquals(56, p.payloadLen);
    assertEquals(56, p.payloadCaptured);
    assertNotEquals(0, p.flowHash);

    assertEquals(DecodeResult.NOT_IP, decode(hex(PBB_ARP), LinkType.ETHERNET));
    assertEquals(1, p.vlanCount);
  }

  /**
   * zeek-core.vntag-in-vlan frame 1: 802.1Q, VNTag (0x8926), 802.1Q again, IPv4. Captured 70 of 88
   * bytes: the SYN-ACK's TCP header (40 bytes with options) is cut after 22.
   * 00:00:00:00:00:01 > 00:00:00:00:00:02, ethertype 802.1Q (0x8100), length 88: vlan 250, p 0,
   * ethertype Unknown (0x8926), [VNTag 0000 0033, 802.1Q vlan 250, IPv4 (ttl 58, flags [DF],
   * proto TCP (6), length 60) 10.10.10.1.443 > 10.10.10.2.56960: Flags [S.], data offset 40]
   */
  static final String VNTAG_SYNACK_CUT = """
      0x0000:  0000 0000 0002 0000 0000 0001 8100 00fa
      0x0010:  8926 0000 0033 8100 00fa 0800 4500 003c
      0x0020:  0000 4000 3a06 8248 0a0a 0a01 0a0a 0a02
      0x0030:  01bb de80 26dc f281 7b67 833f a012 ffff
      0x0040:  6fb5 0000 0204
      """;

  @Test
  void vntagInVlan() {
    byte[] frame = hex(VNTAG_SYNACK_CUT);
    DecodeResult r = decoder.decode(frame, frame.length, 88, LinkType.ETHERNET, TS, p);
    // Zeek logs this connection (conn_state OTH, 0 packets: it also refuses the cut TCP header)
    assertEquals(DecodeResult.TCP_TRUNCATED, r);
    assertTrue(r.isMalformed());
    assertEquals(2, p.vlanCount);
    assertEquals(250, p.vlans[0]);
    assertEquals(250, p.vlans[1]);
    assertEquals(28, p.ipOffset);
    assertEquals("10.10.10.1", src(p));
    assertEquals("10.10.10.2", dst(p));
    assertEquals(60, p.ipLen);
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(48, p.l4Offset);

    // the same frame with a 20-byte TCP header (data offset 5) decodes: the shims were right
    frame[0x3c] = 0x50;
    assertEquals(DecodeResult.OK, decoder.decode(frame, frame.length, 88, LinkType.ETHERNET, TS, p));
    assertEquals(443, p.srcPort);
    assertEquals(56960, p.dstPort);
    assertEquals(DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, p.tcpFlags);
    assertEquals(0x26dcf281L, p.seq);
    assertEquals(0x7b67833fL, p.ack);
    assertEquals(68, p.payloadOffset);
    assertEquals(20, p.payloadLen); // 60 - 20 - 20 by the headers
    assertEquals(2, p.payloadCaptured); // 70 - 68
  }

  /**
   * zeek-core.cisco-fabric-path frame 2: a 16-byte FabricPath header (0x8903) before the customer frame:
   * 96:4e:bf:4e:52:1d > f3:51:d6:4e:62:00, ethertype Unknown (0x8903), length 60: [1a:ac:fa:e2:a8:f4 >
   * 63:93:70:b7:c7:0c, IPv4 (ttl 64, id 1, proto UDP (17), length 28) 1.1.1.6.57005 > 2.2.2.2.48879:
   * UDP, length 0] + 2 bytes of Ethernet padding
   */
  static final String FABRICPATH_UDP = """
      0x0000:  f351 d64e 6200 964e bf4e 521d 8903 0000
      0x0010:  6393 70b7 c70c 1aac fae2 a8f4 0800 4500
      0x0020:  001c 0001 0000 4011 74c6 0101 0106 0202
      0x0030:  0202 dead beef 0008 5c36 0000
      """;

  @Test
  void ciscoFabricPath() {
    assertEquals(DecodeResult.OK, decode(hex(FABRICPATH_UDP), LinkType.ETHERNET));
    assertEquals(0, p.vlanCount);
    assertEquals(30, p.ipOffset);
    assertEquals("1.1.1.6", src(p));
    assertEquals("2.2.2.2", dst(p));
    assertEquals(28, p.ipLen);
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(57005, p.srcPort);
    assertEquals(48879, p.dstPort);
    assertEquals(58, p.payloadOffset);
    assertEquals(0, p.payloadLen);
    assertEquals(0, p.payloadCaptured, "the Ethernet padding is not payload");
  }

  /**
   * zeek-scripts.base.protocols.snap.snap-tcp frame 1: 802.3 with LLC/SNAP:
   * 00:11:22:33:44:55 > 66:77:88:99:aa:bb, 802.3, length 48: LLC, dsap SNAP (0xaa), ssap SNAP (0xaa),
   * ctrl 0x03: oui Ethernet (0x000000), ethertype IPv4 (0x0800), length 40: (ttl 64, id 1, proto TCP (6),
   * length 40) 192.168.1.1.12345 > 192.168.1.2.80: Flags [S], seq 100, win 8192, length 0
   */
  static final String SNAP_SYN = """
      0x0000:  6677 8899 aabb 0011 2233 4455 0030 aaaa
      0x0010:  0300 0000 0800 4500 0028 0001 0000 4006
      0x0020:  f77b c0a8 0101 c0a8 0102 3039 0050 0000
      0x0030:  0064 0000 0000 5002 2000 dba1 0000
      """;

  @Test
  void llcSnap() {
    assertEquals(DecodeResult.OK, decode(hex(SNAP_SYN), LinkType.ETHERNET));
    assertEquals(22, p.ipOffset);
    assertEquals("192.168.1.1", src(p));
    assertEquals("192.168.1.2", dst(p));
    assertEquals(40, p.ipLen);
    assertEquals(12345, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(100, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(8192, p.window);
    assertEquals(-1, p.mss);
    assertEquals(62, p.payloadOffset);

    // 802.3 with plain LLC (STP's DSAP 0x42) is not IP
    byte[] stp = hex(SNAP_SYN);
    stp[14] = 0x42;
    stp[15] = 0x42;
    assertEquals(DecodeResult.NOT_IP, decode(stp, LinkType.ETHERNET));
  }

  // ================================================================== IPv4 options, ICMP

  /**
   * IPv4 with options (IHL 15): none in the corpus; `ping -R -c 1 -s 8 127.0.0.1` captured on lo:
   * 00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 90: (tos 0x0, ttl 64, id 6351,
   * flags [DF], proto ICMP (1), length 76, options (NOP,RR 127.0.0.1, 0.0.0.0 ...)) 127.0.0.1 > 127.0.0.1:
   * ICMP echo request, id 29368, seq 1, length 16
   */
  static final String IPV4_OPTIONS_PING = """
      0x0000:  0000 0000 0000 0000 0000 0000 0800 4f00
      0x0010:  004c 18cf 4000 4001 72cf 7f00 0001 7f00
      0x0020:  0001 0107 2708 7f00 0001 0000 0000 0000
      0x0030:  0000 0000 0000 0000 0000 0000 0000 0000
      0x0040:  0000 0000 0000 0000 0000 0800 7936 72b8
      0x0050:  0001 0001 0203 0405 0607
      """;

  @Test
  void ipv4WithOptions() {
    assertEquals(DecodeResult.OK, decode(hex(IPV4_OPTIONS_PING), LinkType.ETHERNET));
    assertEquals(4, p.ipVersion);
    assertEquals("127.0.0.1", src(p));
    assertEquals(76, p.ipLen);
    assertEquals(DecodedPacket.PROTO_ICMP, p.ipProto);
    assertEquals(14 + 60, p.l4Offset, "the transport header follows the 60-byte IPv4 header");
    assertEquals(8, p.icmpType);
    assertEquals(0, p.icmpCode);
    assertEquals(82, p.payloadOffset);
    assertEquals(8, p.payloadLen);
    assertEquals(8, p.payloadCaptured);
  }

  /**
   * flow-drop-iponly-02 frame 7, an ICMP error quoting a UDP datagram:
   * 08:00:27:7f:b5:8b > 08:00:27:16:66:59, ethertype IPv4 (0x0800), length 114: (ttl 128, id 6194,
   * proto ICMP (1), length 100) 192.168.10.31 > 192.168.10.10: ICMP 192.168.10.31 udp port 58186
   * unreachable, length 80
   */
  static final String ICMP_UNREACHABLE = """
      0x0000:  0800 2716 6659 0800 277f b58b 0800 4500
      0x0010:  0064 1832 0000 8001 8ced c0a8 0a1f c0a8
      0x0020:  0a0a 0303 92bc 0000 0000 4500 0048 4d0c
      0x0030:  4000 8011 181f c0a8 0a0a c0a8 0a1f 0035
      0x0040:  e34a 0034 b5a3 c5a5 8182 0001 0000 0000
      0x0050:  0000 0864 6f77 6e6c 6f61 640d 7769 6e64
      0x0060:  6f77 7375 7064 6174 6503 636f 6d00 0001
      0x0070:  0001
      """;

  @Test
  void icmpPortUnreachable() {
    assertEquals(DecodeResult.OK, decode(hex(ICMP_UNREACHABLE), LinkType.ETHERNET));
    assertEquals("192.168.10.31", src(p));
    assertEquals("192.168.10.10", dst(p));
    assertEquals(DecodedPacket.PROTO_ICMP, p.ipProto, "the outer protocol, not the quoted UDP");
    assertEquals(100, p.ipLen);
    assertEquals(128, p.ttl);
    assertEquals(3, p.icmpType);
    assertEquals(3, p.icmpCode);
    assertEquals(0, p.srcPort);
    assertEquals(0, p.dstPort);
    assertEquals(42, p.payloadOffset);
    assertEquals(72, p.payloadLen);
    assertEquals(72, p.payloadCaptured);
  }

  // ================================================================== IPv6

  /**
   * bug-4571-02--ipv6 frame 1:
   * 0a:00:27:00:00:00 > 0a:00:27:00:00:01, ethertype IPv6 (0x86dd), length 86: (hlim 127, next-header TCP (6)
   * payload length: 32) 2001:db8:85a3::8a2e:370:7334.80 > 2001:db8:85a3::8a2e:370:7335.80: Flags [none],
   * seq 129018:129030, win 1024, length 12: HTTP
   */
  static final String IPV6_TCP_DATA = """
      0x0000:  0a00 2700 0001 0a00 2700 0000 86dd 6000
      0x0010:  0000 0020 067f 2001 0db8 85a3 0000 0000
      0x0020:  8a2e 0370 7334 2001 0db8 85a3 0000 0000
      0x0030:  8a2e 0370 7335 0050 0050 0001 f7fa 0000
      0x0040:  0000 5000 0400 0a91 0000 6865 6c6c 6f2c
      0x0050:  2077 6f72 6c64
      """;

  @Test
  void ipv6TcpWithPayload() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_TCP_DATA), LinkType.ETHERNET));
    assertEquals(6, p.ipVersion);
    assertEquals("2001:db8:85a3::8a2e:370:7334", src(p));
    assertEquals("2001:db8:85a3::8a2e:370:7335", dst(p));
    assertEquals(16, p.addrLen());
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(72, p.ipLen);
    assertEquals(127, p.ttl);
    assertEquals(54, p.l4Offset);
    assertEquals(80, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(129018, p.seq);
    assertEquals(0, p.tcpFlags);
    assertEquals(1024, p.window);
    assertEquals(74, p.payloadOffset);
    assertEquals(12, p.payloadLen);
    assertEquals(12, p.payloadCaptured);
  }

  /**
   * ipv6-evasion--frag-22 frame 6, a SYN with ECE and CWR:
   * a8:60:b6:0b:27:cd > 64:00:6a:5b:8e:b3, ethertype IPv6 (0x86dd), length 98: (flowlabel 0x85e34, hlim 64,
   * next-header TCP (6) payload length: 44) 2001:db8:1:0:703a:5332:47f3:1d22.52308 >
   * 2620:100:6022:3::a27d:4203.443: Flags [SEW], seq 3127929912, win 65535, options [mss 1440,nop,wscale 5,
   * nop,nop,TS val 896845857 ecr 0,sackOK,eol], length 0
   */
  static final String IPV6_SYN_ECN = """
      0x0000:  6400 6a5b 8eb3 a860 b60b 27cd 86dd 6008
      0x0010:  5e34 002c 0640 2001 0db8 0001 0000 703a
      0x0020:  5332 47f3 1d22 2620 0100 6022 0003 0000
      0x0030:  0000 a27d 4203 cc54 01bb ba70 6c38 0000
      0x0040:  0000 b0c2 ffff 8200 0000 0204 05a0 0103
      0x0050:  0305 0101 080a 3574 c821 0000 0000 0402
      0x0060:  0000
      """;

  @Test
  void ipv6SynWithEcnFlags() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_SYN_ECN), LinkType.ETHERNET));
    assertEquals("2001:db8:1:0:703a:5332:47f3:1d22", src(p));
    assertEquals("2620:100:6022:3::a27d:4203", dst(p));
    assertEquals(84, p.ipLen);
    assertEquals(52308, p.srcPort);
    assertEquals(443, p.dstPort);
    assertEquals(3127929912L, p.seq);
    assertEquals(0xc2, p.tcpFlags, "CWR|ECE|SYN");
    assertEquals(65535, p.window);
    assertEquals(1440, p.mss);
    assertEquals(5, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(98, p.payloadOffset);
  }

  /**
   * Hop-by-hop, routing and destination options before TCP (none in the corpus; scapy):
   * 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv6 (0x86dd), length 126: (hlim 64, next-header
   * Options (0) payload length: 72) 2001:db8::a > 2001:db8::b: HBH (rtalert: 0x0000) (padn) RT6 (len=2,
   * type=0, segleft=1, [0]2001:db8::c) DSTOPT (padn) 1234 > 80: Flags [S.], seq 7, ack 8, win 512,
   * options [mss 1220,nop,wscale 2,sackOK,eol], length 0
   */
  static final String IPV6_EXT_SYNACK = """
      0x0000:  0200 0000 0002 0200 0000 0001 86dd 6000
      0x0010:  0000 0048 0040 2001 0db8 0000 0000 0000
      0x0020:  0000 0000 000a 2001 0db8 0000 0000 0000
      0x0030:  0000 0000 000b 2b00 0502 0000 0100 3c02
      0x0040:  0001 0000 0000 2001 0db8 0000 0000 0000
      0x0050:  0000 0000 000c 0600 0104 0000 0000 04d2
      0x0060:  0050 0000 0007 0000 0008 8012 0200 0e3f
      0x0070:  0000 0204 04c4 0103 0302 0402 0000
      """;

  @Test
  void ipv6HopByHopRoutingDestinationOptions() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_EXT_SYNACK), LinkType.ETHERNET));
    assertEquals(6, p.ipVersion);
    assertEquals("2001:db8::a", src(p));
    assertEquals("2001:db8::b", dst(p), "the destination field, not the routing header's next hop");
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto, "the protocol after the extension headers");
    assertEquals(112, p.ipLen);
    assertEquals(54 + 8 + 24 + 8, p.l4Offset);
    assertEquals(1234, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(7, p.seq);
    assertEquals(8, p.ack);
    assertEquals(DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, p.tcpFlags);
    assertEquals(512, p.window);
    assertEquals(1220, p.mss);
    assertEquals(2, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(126, p.payloadOffset);
    assertEquals(0, p.payloadLen);
  }

  /**
   * ipv6-evasion--frag-17 frame 4, an MLDv2 report behind a hop-by-hop header (router alert):
   * 00:23:55:9c:73:26 > 33:33:00:00:00:16, ethertype IPv6 (0x86dd), length 190: (hlim 1, next-header
   * Options (0) payload length: 136) fe80::223:55ff:fe9c:7326 > ff02::16: HBH (rtalert: 0x0000) (padn)
   * ICMP6, multicast listener report v2, 6 group record(s)
   */
  static final String IPV6_HBH_MLD = """
      0x0000:  3333 0000 0016 0023 559c 7326 86dd 6000
      0x0010:  0000 0088 0001 fe80 0000 0000 0000 0223
      0x0020:  55ff fe9c 7326 ff02 0000 0000 0000 0000
      0x0030:  0000 0000 0016 3a00 0502 0000 0100 8f00
      0x0040:  24e2 0000 0006 0400 0000 ff02 0000 0000
      0x0050:  0000 0000 0000 0000 00fb 0400 0000 ff02
      0x0060:  0000 0000 0000 0000 0001 ff00 0002 0400
      0x0070:  0000 ff02 0000 0000 0000 0000 0000 0001
      0x0080:  0003 0400 0000 ff02 0000 0000 0000 0000
      0x0090:  0001 ff00 0000 0400 0000 ff02 0000 0000
      0x00a0:  0000 0000 0001 ff9c 7326 0400 0000 ff02
      0x00b0:  0000 0000 0000 0000 0000 0000 0002
      """;

  @Test
  void ipv6HopByHopIcmpv6() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_HBH_MLD), LinkType.ETHERNET));
    assertEquals("fe80::223:55ff:fe9c:7326", src(p));
    assertEquals("ff02::16", dst(p));
    assertEquals(DecodedPacket.PROTO_ICMPV6, p.ipProto);
    assertEquals(176, p.ipLen);
    assertEquals(1, p.ttl);
    assertEquals(62, p.l4Offset);
    assertEquals(143, p.icmpType, "MLDv2 report");
    assertEquals(0, p.icmpCode);
    assertEquals(70, p.payloadOffset);
    assertEquals(120, p.payloadLen);
    assertEquals(120, p.payloadCaptured);
  }

  /**
   * ipv6-evasion--frag-17 frame 1:
   * 00:23:55:9c:73:26 > 64:00:6a:5b:8f:4a, ethertype IPv6 (0x86dd), length 72: (hlim 255, next-header
   * ICMPv6 (58) payload length: 18) 2001:db8:1::2 > 2001:db8:1::1: ICMP6, echo request, id 64206, seq 47806
   */
  static final String IPV6_ECHO = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  0000 0012 3aff 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 8000 2868 face babe 4141
      0x0040:  4141 4141 4141 4141
      """;

  @Test
  void icmpv6Echo() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_ECHO), LinkType.ETHERNET));
    assertEquals("2001:db8:1::2", src(p));
    assertEquals("2001:db8:1::1", dst(p));
    assertEquals(DecodedPacket.PROTO_ICMPV6, p.ipProto);
    assertEquals(58, p.ipLen);
    assertEquals(255, p.ttl);
    assertEquals(128, p.icmpType);
    assertEquals(0, p.icmpCode);
    assertEquals(62, p.payloadOffset);
    assertEquals(10, p.payloadLen);
    assertEquals(10, p.payloadCaptured);
    assertTrue(p.isIcmp());
  }

  /**
   * An atomic fragment (offset 0, M clear; RFC 6946): nothing to reassemble (scapy):
   * ... ethertype IPv6 (0x86dd), length 75: (hlim 64, next-header Fragment (44) payload length: 21)
   * 2001:db8::a > 2001:db8::b: frag (0x00001234:0|13) 53 > 3333: UDP, length 5
   */
  static final String IPV6_ATOMIC_FRAGMENT = """
      0x0000:  0200 0000 0002 0200 0000 0001 86dd 6000
      0x0010:  0000 0015 2c40 2001 0db8 0000 0000 0000
      0x0020:  0000 0000 000a 2001 0db8 0000 0000 0000
      0x0030:  0000 0000 000b 1100 0000 0000 1234 0035
      0x0040:  0d05 000d 5341 6865 6c6c 6f
      """;

  @Test
  void ipv6AtomicFragmentIsNotHeld() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_ATOMIC_FRAGMENT), LinkType.ETHERNET));
    assertFalse(p.reassembled);
    assertEquals(0, decoder.defragmenter().fragmentsSeen);
    assertEquals(0, decoder.defragmenter().inProgress());
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(61, p.ipLen);
    assertEquals(62, p.l4Offset);
    assertEquals(53, p.srcPort);
    assertEquals(3333, p.dstPort);
    assertEquals(70, p.payloadOffset);
    assertEquals(5, p.payloadLen);
    assertEquals(5, p.payloadCaptured);
  }

  /**
   * Sixteen destination-options headers before TCP: the most the decoder follows (scapy):
   * ... ethertype IPv6 (0x86dd), length 202: (hlim 64, next-header unknown (60) payload length: 148)
   * 2001:db8::a > 2001:db8::b: DSTOPT (padn) x16 1 > 2: Flags [S], seq 0, win 8192, length 0
   */
  static final String IPV6_16_DSTOPTS = """
      0x0000:  0200 0000 0002 0200 0000 0001 86dd 6000
      0x0010:  0000 0094 3c40 2001 0db8 0000 0000 0000
      0x0020:  0000 0000 000a 2001 0db8 0000 0000 0000
      0x0030:  0000 0000 000b 3c00 0104 0000 0000 3c00
      0x0040:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0050:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0060:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0070:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0080:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0090:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x00a0:  0104 0000 0000 3c00 0104 0000 0000 0600
      0x00b0:  0104 0000 0000 0001 0002 0000 0000 0000
      0x00c0:  0000 5002 2000 3459 0000
      """;

  @Test
  void ipv6SixteenExtensionHeaders() {
    assertEquals(DecodeResult.OK, decode(hex(IPV6_16_DSTOPTS), LinkType.ETHERNET));
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(54 + 16 * 8, p.l4Offset);
    assertEquals(1, p.srcPort);
    assertEquals(2, p.dstPort);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
  }

  // ================================================================== link types

  /**
   * datasets-10-unset--unset frame 1, BSD loopback (LINKTYPE_NULL, family 2 little-endian):
   * AF IPv4 (2), length 68: (ttl 64, id 0, flags [DF], proto TCP (6), length 64) 127.0.0.1.58012 >
   * 127.0.0.1.8001: Flags [S], seq 894774881, win 65535, options [mss 16344,nop,wscale 6,nop,nop,
   * TS val 4030376880 ecr 0,sackOK,eol], length 0
   */
  static final String NULL_SYN = """
      0x0000:  0200 0000 4500 0040 0000 4000 4006 0000
      0x0010:  7f00 0001 7f00 0001 e29c 1f41 3555 2e61
      0x0020:  0000 0000 b002 ffff fe34 0000 0204 3fd8
      0x0030:  0103 0306 0101 080a f03a abb0 0000 0000
      0x0040:  0402 0000
      """;

  /** The same SYN under LINKTYPE_LOOP (OpenBSD: the family in network byte order); tcpdump reads it alike. */
  static final String LOOP_SYN = """
      0x0000:  0000 0002 4500 0040 0000 4000 4006 0000
      0x0010:  7f00 0001 7f00 0001 e29c 1f41 3555 2e61
      0x0020:  0000 0000 b002 ffff fe34 0000 0204 3fd8
      0x0030:  0103 0306 0101 080a f03a abb0 0000 0000
      0x0040:  0402 0000
      """;

  @Test
  void bsdLoopbackNullAndLoop() {
    for (int lt : new int[] {LinkType.NULL, LinkType.LOOP}) {
      String frame = lt == LinkType.NULL ? NULL_SYN : LOOP_SYN;
      assertEquals(DecodeResult.OK, decode(hex(frame), lt), LinkType.name(lt));
      assertEquals(4, p.ipOffset);
      assertEquals("127.0.0.1", src(p));
      assertEquals("127.0.0.1", dst(p));
      assertEquals(64, p.ipLen);
      assertEquals(58012, p.srcPort);
      assertEquals(8001, p.dstPort);
      assertEquals(894774881L, p.seq);
      assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
      assertEquals(16344, p.mss);
      assertEquals(6, p.windowScale);
      assertTrue(p.sackPermitted);
      assertEquals(68, p.payloadOffset);
    }
    // a NULL file written on a big-endian host carries 00 00 00 02: read as well
    assertEquals(DecodeResult.OK, decode(hex(LOOP_SYN), LinkType.NULL));
    assertEquals(8001, p.dstPort);
  }

  /**
   * IPv6 under BSD loopback: the address family differs by OS (10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD,
   * 30 Darwin). The ICMPv6 neighbour solicitation of zeek-core.ppp frame 1 under a NULL header with family
   * 30 written big-endian; tcpdump: AF IPv6 (30), length 76: (hlim 255, next-header ICMPv6 (58) payload
   * length: 32) :: > ff02::1:ff00:3: ICMP6, neighbor solicitation, who has fd00:cafe:cafe:50:200:ff:fe00:3
   */
  static final String NULL_IPV6_NS = """
      0x0000:  0000 001e 6000 0001 0020 3aff 0000 0000
      0x0010:  0000 0000 0000 0000 0000 0000 ff02 0000
      0x0020:  0000 0000 0000 0001 ff00 0003 8700 e547
      0x0030:  0000 0000 fd00 cafe cafe 0050 0200 00ff
      0x0040:  fe00 0003 0101 0000 0000 0003
      """;

  @Test
  void bsdLoopbackIpv6Families() {
    for (int family : new int[] {10, 24, 28, 30}) {
      for (boolean littleEndian : new boolean[] {true, false}) {
        byte[] frame = hex(NULL_IPV6_NS);
        frame[0] = (byte) (littleEndian ? family : 0);
        frame[3] = (byte) (littleEndian ? 0 : family);
        assertEquals(DecodeResult.OK, decode(frame, LinkType.NULL), "family " + family);
        assertEquals(6, p.ipVersion);
        assertEquals("::", src(p));
        assertEquals("ff02::1:ff00:3", dst(p));
        assertEquals(135, p.icmpType, "neighbour solicitation");
        assertEquals(72, p.ipLen);
        assertEquals(52, p.payloadOffset);
        assertEquals(24, p.payloadLen);
      }
    }
    byte[] unknown = hex(NULL_IPV6_NS);
    unknown[3] = 7; // AF 7: neither IPv4 nor IPv6
    assertEquals(DecodeResult.NOT_IP, decode(unknown, LinkType.NULL));
  }

  /**
   * bug-5758 frame 1, raw IP (LINKTYPE_RAW 101):
   * ip: (ttl 62, id 12527, flags [DF], proto TCP (6), length 60) 10.84.1.13.34792 > 145.220.21.40.443:
   * Flags [S], seq 625439176, win 64240, options [mss 1460,sackOK,TS val 3061245494 ecr 0,nop,wscale 7]
   */
  static final String RAW_SYN = """
      0x0000:  4500 003c 30ef 4000 3e06 5968 0a54 010d
      0x0010:  91dc 1528 87e8 01bb 2547 71c8 0000 0000
      0x0020:  a002 faf0 dd49 0000 0204 05b4 0402 080a
      0x0030:  b676 e636 0000 0000 0103 0307
      """;

  /** zeek-core.ppp frame 1 without its PPP protocol field: raw IPv6, an ICMPv6 neighbour solicitation. */
  static final String RAW_IPV6_NS = """
      0x0000:  6000 0001 0020 3aff 0000 0000 0000 0000
      0x0010:  0000 0000 0000 0000 ff02 0000 0000 0000
      0x0020:  0000 0001 ff00 0003 8700 e547 0000 0000
      0x0030:  fd00 cafe cafe 0050 0200 00ff fe00 0003
      0x0040:  0101 0000 0000 0003
      """;

  @Test
  void rawIpUnderEveryRawLinkType() {
    for (int lt : new int[] {LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14, LinkType.IPV4}) {
      assertEquals(DecodeResult.OK, decode(hex(RAW_SYN), lt), "link type " + lt);
      assertEquals(0, p.ipOffset);
      assertEquals("10.84.1.13", src(p));
      assertEquals("145.220.21.40", dst(p));
      assertEquals(60, p.ipLen);
      assertEquals(62, p.ttl);
      assertEquals(34792, p.srcPort);
      assertEquals(443, p.dstPort);
      assertEquals(625439176L, p.seq);
      assertEquals(64240, p.window);
      assertEquals(1460, p.mss);
      assertEquals(7, p.windowScale);
      assertTrue(p.sackPermitted);
      assertEquals(60, p.payloadOffset);
    }
    for (int lt : new int[] {LinkType.RAW, LinkType.IPV6}) {
      assertEquals(DecodeResult.OK, decode(hex(RAW_IPV6_NS), lt), "link type " + lt);
      assertEquals(6, p.ipVersion);
      assertEquals("ff02::1:ff00:3", dst(p));
      assertEquals(135, p.icmpType);
      assertEquals(48, p.payloadOffset);
    }
    byte[] v5 = hex(RAW_SYN);
    v5[0] = 0x55;
    assertEquals(DecodeResult.IP_BAD_VERSION, decode(v5, LinkType.RAW));
  }

  /**
   * tcp-fastopen-05--tfo frame 1, Linux cooked v1 (LINKTYPE_LINUX_SLL), a SYN carrying data and a TFO cookie:
   * In 00:00:00:00:00:00 ethertype IPv4 (0x0800), length 91: (ttl 64, id 27983, flags [DF], proto TCP (6),
   * length 75) 127.0.0.1.42856 > 127.0.0.1.12345: Flags [S], seq 2484001825:2484001828, win 43690,
   * options [mss 65495,sackOK,TS val 14463342 ecr 0,nop,wscale 10,exp-tfo cookie a46fd54e0905784a], length 3
   */
  static final String SLL_SYN_DATA = """
      0x0000:  0000 0304 0006 0000 0000 0000 0000 0800
      0x0010:  4500 004b 6d4f 4000 4006 cf5b 7f00 0001
      0x0020:  7f00 0001 a768 3039 940e dc21 0000 0000
      0x0030:  d002 aaaa fe3f 0000 0204 ffd7 0402 080a
      0x0040:  00dc b16e 0000 0000 0103 030a fe0c f989
      0x0050:  a46f d54e 0905 784a 4869 21
      """;

  @Test
  void linuxCookedV1() {
    assertEquals(DecodeResult.OK, decode(hex(SLL_SYN_DATA), LinkType.LINUX_SLL));
    assertEquals(16, p.ipOffset);
    assertEquals("127.0.0.1", src(p));
    assertEquals(75, p.ipLen);
    assertEquals(42856, p.srcPort);
    assertEquals(12345, p.dstPort);
    assertEquals(2484001825L, p.seq);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(43690, p.window);
    assertEquals(65495, p.mss);
    assertEquals(10, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(36 + 52, p.payloadOffset);
    assertEquals(3, p.payloadLen);
    assertEquals(3, p.payloadCaptured);
  }

  /**
   * Linux cooked v2 (LINKTYPE_LINUX_SLL2): none in the corpus; captured with `tcpdump -i any -y LINUX_SLL2`
   * during a connect to 127.0.0.1:18765:
   * lo In ifindex 1 00:00:00:00:00:00 ethertype IPv4 (0x0800), length 80: (ttl 64, id 36257, flags [DF],
   * proto TCP (6), length 60) 127.0.0.1.58472 > 127.0.0.1.18765: Flags [S], seq 2511225282, win 65495,
   * options [mss 65495,sackOK,TS val 2222111010 ecr 0,nop,wscale 10], length 0
   */
  static final String SLL2_SYN = """
      0x0000:  0800 0000 0000 0001 0304 0006 0000 0000
      0x0010:  0000 0000 4500 003c 8da1 4000 4006 af18
      0x0020:  7f00 0001 7f00 0001 e468 494d 95ae 41c2
      0x0030:  0000 0000 a002 ffd7 fe30 0000 0204 ffd7
      0x0040:  0402 080a 8472 b922 0000 0000 0103 030a
      """;

  @Test
  void linuxCookedV2() {
    assertEquals(DecodeResult.OK, decode(hex(SLL2_SYN), LinkType.LINUX_SLL2));
    assertEquals(20, p.ipOffset);
    assertEquals("127.0.0.1", src(p));
    assertEquals(60, p.ipLen);
    assertEquals(58472, p.srcPort);
    assertEquals(18765, p.dstPort);
    assertEquals(2511225282L, p.seq);
    assertEquals(65495, p.window);
    assertEquals(65495, p.mss);
    assertEquals(10, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(80, p.payloadOffset);
  }

  /**
   * zeek-core.ppp frame 1 (LINKTYPE_PPP): IP6 (0x0057), length 74: (hlim 255, next-header ICMPv6 (58)
   * payload length: 32) :: > ff02::1:ff00:3: ICMP6, neighbor solicitation, who has fd00:cafe:cafe:50:200:ff:fe00:3
   */
  static final String PPP_IPV6_NS = """
      0x0000:  0057 6000 0001 0020 3aff 0000 0000 0000
      0x0010:  0000 0000 0000 0000 0000 ff02 0000 0000
      0x0020:  0000 0000 0001 ff00 0003 8700 e547 0000
      0x0030:  0000 fd00 cafe cafe 0050 0200 00ff fe00
      0x0040:  0003 0101 0000 0000 0003
      """;

  /**
   * zeek-core.ppp frame 16: IP (0x0021), length 58: (ttl 63, id 0, flags [DF], proto UDP (17), length 56)
   * 193.167.0.100.42834 > 193.167.100.100.443: UDP, length 28
   */
  static final String PPP_IPV4_UDP = """
      0x0000:  0021 4500 0038 0000 4000 3f11 539e c1a7
      0x0010:  0064 c1a7 6464 a752 01bb 0024 9381 4cef
      0x0020:  3a4e 06a8 11a3 11c1 078a 4eba 1128 861e
      0x0030:  17d9 d8d5 9b89 13dd 9c15
      """;

  /**
   * The UDP datagram of PPP_IPV4_UDP in HDLC-like framing (LINKTYPE_PPP_HDLC 50: address 0xff, control
   * 0x03, protocol 0x0021); tcpdump: ff 03 60 IP: ... 193.167.0.100.42834 > 193.167.100.100.443: UDP, length 28
   */
  static final String PPP_HDLC_UDP = """
      0x0000:  ff03 0021 4500 0038 0000 4000 3f11 539e
      0x0010:  c1a7 0064 c1a7 6464 a752 01bb 0024 9381
      0x0020:  4cef 3a4e 06a8 11a3 11c1 078a 4eba 1128
      0x0030:  861e 17d9 d8d5 9b89 13dd 9c15
      """;

  /**
   * ... and in Cisco HDLC (LINKTYPE_C_HDLC 104: address 0x0f, control 0x00, ethertype 0x0800); tcpdump:
   * unicast, ethertype IPv4 (0x0800), length 60: ... 193.167.0.100.42834 > 193.167.100.100.443: UDP, length 28
   */
  static final String C_HDLC_UDP = """
      0x0000:  0f00 0800 4500 0038 0000 4000 3f11 539e
      0x0010:  c1a7 0064 c1a7 6464 a752 01bb 0024 9381
      0x0020:  4cef 3a4e 06a8 11a3 11c1 078a 4eba 1128
      0x0030:  861e 17d9 d8d5 9b89 13dd 9c15
      """;

  @Test
  void pppAndHdlc() {
    assertEquals(DecodeResult.OK, decode(hex(PPP_IPV6_NS), LinkType.PPP));
    assertEquals(2, p.ipOffset);
    assertEquals(6, p.ipVersion);
    assertEquals("::", src(p));
    assertEquals("ff02::1:ff00:3", dst(p));
    assertEquals(135, p.icmpType);
    assertEquals(50, p.payloadOffset);

    assertEquals(DecodeResult.OK, decode(hex(PPP_IPV4_UDP), LinkType.PPP));
    assertPppUdp(2);

    // PPP with address/control (ff 03) and the protocol compressed to one byte (0x21)
    byte[] acfc = hex(PPP_HDLC_UDP);
    byte[] pfc = new byte[acfc.length - 1];
    pfc[0] = (byte) 0xff;
    pfc[1] = 0x03;
    System.arraycopy(acfc, 3, pfc, 2, acfc.length - 3);
    assertEquals(DecodeResult.OK, decode(pfc, LinkType.PPP));
    assertPppUdp(3);

    assertEquals(DecodeResult.OK, decode(hex(PPP_HDLC_UDP), LinkType.PPP_HDLC));
    assertPppUdp(4);
    assertEquals(DecodeResult.OK, decode(hex(C_HDLC_UDP), LinkType.C_HDLC));
    assertPppUdp(4);

    byte[] lcp = hex(PPP_IPV4_UDP);
    lcp[0] = (byte) 0xc0; // 0xc021: LCP
    assertEquals(DecodeResult.NOT_IP, decode(lcp, LinkType.PPP));
  }

  private void assertPppUdp(int ipOffset) {
    assertEquals(ipOffset, p.ipOffset);
    assertEquals("193.167.0.100", src(p));
    assertEquals("193.167.100.100", dst(p));
    assertEquals(56, p.ipLen);
    assertEquals(63, p.ttl);
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(42834, p.srcPort);
    assertEquals(443, p.dstPort);
    assertEquals(ipOffset + 28, p.payloadOffset);
    assertEquals(28, p.payloadLen);
    assertEquals(28, p.payloadCaptured);
  }

  @Test
  void everySupportedLinkTypeIsNamedAndDecodes() {
    int[] linkTypes = {
      LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14,
      LinkType.PPP_HDLC, LinkType.C_HDLC, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.LOOP,
      LinkType.IPV4, LinkType.IPV6,
    };
    String[] frames = {
      NULL_SYN, ETH_SYN, PPP_IPV4_UDP, RAW_SYN, RAW_SYN, RAW_SYN, PPP_HDLC_UDP, C_HDLC_UDP, SLL_SYN_DATA,
      SLL2_SYN, LOOP_SYN, RAW_SYN, RAW_IPV6_NS,
    };
    for (int i = 0; i < linkTypes.length; i++) {
      int lt = linkTypes[i];
      assertTrue(LinkType.isSupported(lt), LinkType.name(lt));
      assertFalse(LinkType.name(lt).startsWith("LINKTYPE_"), "named: " + lt);
      assertEquals(DecodeResult.OK, decode(hex(frames[i]), lt), LinkType.name(lt));
    }
    // 802.11 (105) and USER0 (147) are not decoded
    for (int lt : new int[] {105, 147, -1}) {
      assertFalse(LinkType.isSupported(lt));
      assertEquals("LINKTYPE_" + lt, LinkType.name(lt));
      assertEquals(DecodeResult.UNSUPPORTED_LINKTYPE, decode(hex(ETH_SYN), lt));
      assertTrue(DecodeResult.UNSUPPORTED_LINKTYPE.isMalformed());
    }
  }

  @Test
  void decodeResultsHaveCounterNamesAndMeanings() {
    for (DecodeResult r : DecodeResult.values()) {
      assertEquals(r.name().toLowerCase(java.util.Locale.ROOT), r.counterName());
      assertFalse(r.meaning().isBlank(), r.name());
    }
    assertFalse(DecodeResult.OK.isMalformed());
    assertFalse(DecodeResult.FRAGMENT_HELD.isMalformed());
    assertTrue(DecodeResult.TCP_TRUNCATED.isMalformed());
  }

  @Test
  void aPacketForgetsThePreviousOne() {
    assertEquals(DecodeResult.OK, decode(hex(VLAN2_ICMP), LinkType.ETHERNET));
    assertEquals(DecodeResult.OK, decode(hex(RAW_SYN), LinkType.RAW));
    assertEquals(0, p.vlanCount);
    assertEquals(0, p.vlans[0]);
    assertEquals(0, p.vlans[1]);
    assertEquals(-1, p.icmpType);
    assertEquals(-1, p.icmpCode);
    assertEquals(DecodeResult.OK, decode(hex(VLAN1_ICMP), LinkType.ETHERNET));
    assertEquals(0, p.srcPort);
    assertEquals(0, p.tcpFlags);
    assertEquals(0, p.seq);
    assertEquals(-1, p.mss);
    assertEquals(-1, p.windowScale);
    assertFalse(p.sackPermitted);
    assertEquals(DecodeResult.NOT_IP, decode(hex(ETH_ARP), LinkType.ETHERNET));
    assertEquals(0, p.ipVersion);
    assertEquals(-1, p.ipOffset);
    assertEquals(-1, p.l4Offset);
  }
}
