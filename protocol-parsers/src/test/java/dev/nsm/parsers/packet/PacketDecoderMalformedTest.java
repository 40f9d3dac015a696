package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.PacketDecoderTest.C_HDLC_UDP;
import static dev.nsm.parsers.packet.PacketDecoderTest.ETH_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.FABRICPATH_UDP;
import static dev.nsm.parsers.packet.PacketDecoderTest.IPV4_OPTIONS_PING;
import static dev.nsm.parsers.packet.PacketDecoderTest.IPV6_ATOMIC_FRAGMENT;
import static dev.nsm.parsers.packet.PacketDecoderTest.IPV6_EXT_SYNACK;
import static dev.nsm.parsers.packet.PacketDecoderTest.IPV6_HBH_MLD;
import static dev.nsm.parsers.packet.PacketDecoderTest.MPLS3_IPV6_UDP;
import static dev.nsm.parsers.packet.PacketDecoderTest.MPLS_IPV4_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.NULL_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.PBB_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.PPPOE_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.PPP_HDLC_UDP;
import static dev.nsm.parsers.packet.PacketDecoderTest.PPP_IPV6_NS;
import static dev.nsm.parsers.packet.PacketDecoderTest.QINQ_8100_UDP;
import static dev.nsm.parsers.packet.PacketDecoderTest.RAW_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.SLL2_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.SLL_SYN_DATA;
import static dev.nsm.parsers.packet.PacketDecoderTest.SNAP_SYN;
import static dev.nsm.parsers.packet.PacketDecoderTest.TS;
import static dev.nsm.parsers.packet.PacketDecoderTest.VLAN3_ICMP;
import static dev.nsm.parsers.packet.PacketDecoderTest.VNTAG_SYNACK_CUT;
import static dev.nsm.parsers.packet.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * Frames cut at every length, and headers that lie about lengths. The frames are those of
 * {@link PacketDecoderTest} (their hex and provenance are there); the lies are written as byte edits.
 */
class PacketDecoderMalformedTest {
  private final PacketDecoder decoder = new PacketDecoder(new IpDefragmenter());
  private final DecodedPacket p = new DecodedPacket();

  // ================================================================== truncation at every layer

  /**
   * Cuts {@code frame} at every length from 0 to its full length (the wire length stays the full one, as
   * a snaplen would leave it) and checks the result against {@code table}: "from:RESULT ..." pairs, each
   * result holding from its length up to the next one's. Whatever the result, nothing points outside the
   * bytes given.
   */
  private void cutEverywhere(String frameHex, int linkType, String table) {
    byte[] frame = hex(frameHex);
    String[] steps = table.trim().split("\\s+");
    int[] from = new int[steps.length];
    DecodeResult[] want = new DecodeResult[steps.length];
    for (int i = 0; i < steps.length; i++) {
      String[] kv = steps[i].split(":");
      from[i] = Integer.parseInt(kv[0]);
      want[i] = DecodeResult.valueOf(kv[1]);
    }
    assertEquals(0, from[0], "the table starts at length 0");
    assertEquals(DecodeResult.OK, want[want.length - 1], "the whole frame decodes");
    assertTrue(from[from.length - 1] <= frame.length);
    int step = 0;
    for (int len = 0; len <= frame.length; len++) {
      while (step + 1 < from.length && len >= from[step + 1]) {
        step++;
      }
      byte[] cut = java.util.Arrays.copyOf(frame, len); // nothing past capLen to read by mistake
      DecodeResult r;
      try {
        r = decoder.decode(cut, len, frame.length, linkType, TS, p);
      } catch (RuntimeException e) {
        throw new AssertionError(LinkType.name(linkType) + " frame cut at " + len + " threw", e);
      }
      assertEquals(want[step], r, LinkType.name(linkType) + " frame cut at " + len + " of " + frame.length);
      Wire.assertWithinBuffer(p, r, "cut at " + len);
    }
  }

  @Test
  void ethernetIpv4Tcp() {
    // 14 Ethernet | 20 IPv4 | 32 TCP (12 of options)
    cutEverywhere(ETH_SYN, LinkType.ETHERNET, "0:L2_TRUNCATED 14:IPV4_TRUNCATED 34:TCP_TRUNCATED 66:OK");
  }

  @Test
  void threeVlanTagsIcmp() {
    // 14 Ethernet | 3 x 4 802.1Q | 20 IPv4 | 8 ICMP: type and code need 4
    cutEverywhere(VLAN3_ICMP, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:VLAN_TRUNCATED 26:IPV4_TRUNCATED 46:ICMP_TRUNCATED 50:OK");
  }

  @Test
  void qinqUdp() {
    // 14 | 2 x 4 802.1Q | 20 IPv4 | 8 UDP | 18 payload (cut payload is still OK, payloadCaptured tells)
    cutEverywhere(QINQ_8100_UDP, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:VLAN_TRUNCATED 22:IPV4_TRUNCATED 42:UDP_TRUNCATED 50:OK");
  }

  @Test
  void udpPayloadCutShort() {
    byte[] frame = hex(QINQ_8100_UDP);
    assertEquals(DecodeResult.OK, decoder.decode(frame, 55, 68, LinkType.ETHERNET, TS, p));
    assertEquals(50, p.payloadOffset);
    assertEquals(18, p.payloadLen, "by the header");
    assertEquals(5, p.payloadCaptured, "what was captured");
  }

  @Test
  void mplsIpv4() {
    // 14 | 4 MPLS [S] | then at least the IP version nibble | 20 IPv4 | 24 TCP
    cutEverywhere(MPLS_IPV4_SYN, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:MPLS_TRUNCATED 19:IPV4_TRUNCATED 38:TCP_TRUNCATED 62:OK");
  }

  @Test
  void mplsStackIpv6Udp() {
    cutEverywhere(MPLS3_IPV6_UDP, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:MPLS_TRUNCATED 27:IPV6_TRUNCATED 66:UDP_TRUNCATED 74:OK");
  }

  @Test
  void pppoe() {
    // 14 | 6 PPPoE + 1 PPP protocol (compressed) | 20 IPv4 | 40 TCP
    cutEverywhere(PPPOE_SYN, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:PPPOE_TRUNCATED 21:IPV4_TRUNCATED 41:TCP_TRUNCATED 81:OK");
  }

  @Test
  void pbb() {
    // 14 | 4 802.1Q | 18 PBB | 4 802.1Q | 20 IPv4 | 32 TCP
    cutEverywhere(PBB_SYN, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:VLAN_TRUNCATED 18:SHIM_TRUNCATED 36:VLAN_TRUNCATED 40:IPV4_TRUNCATED"
            + " 60:TCP_TRUNCATED 92:OK");
  }

  @Test
  void vntag() {
    // 14 | 4 802.1Q | 6 VNTag | 4 802.1Q | 20 IPv4 | TCP (never whole: the capture cut it)
    byte[] frame = hex(VNTAG_SYNACK_CUT);
    for (int len = 0; len <= frame.length; len++) {
      DecodeResult r = decoder.decode(frame, len, 88, LinkType.ETHERNET, TS, p);
      DecodeResult want = len < 14 ? DecodeResult.L2_TRUNCATED
          : len < 18 ? DecodeResult.VLAN_TRUNCATED
          : len < 24 ? DecodeResult.SHIM_TRUNCATED
          : len < 28 ? DecodeResult.VLAN_TRUNCATED
          : len < 48 ? DecodeResult.IPV4_TRUNCATED
          : DecodeResult.TCP_TRUNCATED;
      assertEquals(want, r, "cut at " + len);
      // the 20-byte TCP header is whole from 68 on (its options never are): the flow key is known
      assertEquals(len >= 68, p.keyOnly, "keyOnly cut at " + len);
    }
    // as captured (70 of 88 bytes): ports, flags and the hash of the flow, as Zeek makes its connection
    decoder.decode(frame, 70, 88, LinkType.ETHERNET, TS, p);
    assertEquals(443, p.srcPort);
    assertEquals(56960, p.dstPort);
    assertEquals(DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, p.tcpFlags);
    assertEquals(PacketDecoder.flowHash(p), p.flowHash);
    assertTrue(p.flowHash != 0);
  }

  @Test
  void fabricPath() {
    // 16 FabricPath | 14 inner Ethernet | 20 IPv4 | 8 UDP | 2 padding
    cutEverywhere(FABRICPATH_UDP, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:SHIM_TRUNCATED 30:IPV4_TRUNCATED 50:UDP_TRUNCATED 58:OK");
  }

  @Test
  void llcSnap() {
    // 14 802.3 | 8 LLC/SNAP: a cut SNAP header leaves an 802.3 frame we can't tell from non-IP LLC
    cutEverywhere(SNAP_SYN, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:NOT_IP 22:IPV4_TRUNCATED 42:TCP_TRUNCATED 62:OK");
  }

  @Test
  void ipv4Options() {
    // 14 | 60 IPv4 (40 of options) | 8 ICMP + 8 data
    cutEverywhere(IPV4_OPTIONS_PING, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:IPV4_TRUNCATED 74:ICMP_TRUNCATED 78:OK");
  }

  @Test
  void ipv6ExtensionHeaders() {
    // 14 | 40 IPv6 | 8 hop-by-hop | 24 routing | 8 destination options | 32 TCP
    cutEverywhere(IPV6_EXT_SYNACK, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:IPV6_TRUNCATED 54:IPV6_EXT_TRUNCATED 94:TCP_TRUNCATED 126:OK");
  }

  @Test
  void ipv6HopByHopIcmpv6() {
    cutEverywhere(IPV6_HBH_MLD, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:IPV6_TRUNCATED 54:IPV6_EXT_TRUNCATED 62:ICMP_TRUNCATED 66:OK");
  }

  @Test
  void ipv6AtomicFragment() {
    cutEverywhere(IPV6_ATOMIC_FRAGMENT, LinkType.ETHERNET,
        "0:L2_TRUNCATED 14:IPV6_TRUNCATED 54:IPV6_EXT_TRUNCATED 62:UDP_TRUNCATED 70:OK");
  }

  @Test
  void otherLinkTypes() {
    cutEverywhere(NULL_SYN, LinkType.NULL, "0:L2_TRUNCATED 4:IPV4_TRUNCATED 24:TCP_TRUNCATED 68:OK");
    cutEverywhere(RAW_SYN, LinkType.RAW, "0:IPV4_TRUNCATED 20:TCP_TRUNCATED 60:OK");
    cutEverywhere(SLL_SYN_DATA, LinkType.LINUX_SLL, "0:L2_TRUNCATED 16:IPV4_TRUNCATED 36:TCP_TRUNCATED 88:OK");
    cutEverywhere(SLL2_SYN, LinkType.LINUX_SLL2, "0:L2_TRUNCATED 20:IPV4_TRUNCATED 40:TCP_TRUNCATED 80:OK");
    cutEverywhere(PPP_IPV6_NS, LinkType.PPP, "0:PPP_TRUNCATED 2:IPV6_TRUNCATED 42:ICMP_TRUNCATED 46:OK");
    cutEverywhere(PPP_HDLC_UDP, LinkType.PPP_HDLC, "0:PPP_TRUNCATED 4:IPV4_TRUNCATED 24:UDP_TRUNCATED 32:OK");
    cutEverywhere(C_HDLC_UDP, LinkType.C_HDLC, "0:L2_TRUNCATED 4:IPV4_TRUNCATED 24:UDP_TRUNCATED 32:OK");
  }

  // ================================================================== headers that lie

  @Test
  void ipv4HeaderLengthBelowFive() {
    byte[] f = hex(ETH_SYN);
    for (int ihl = 0; ihl < 5; ihl++) {
      f[14] = (byte) (0x40 | ihl);
      assertEquals(DecodeResult.IPV4_BAD_HEADER_LENGTH, decode(f), "IHL " + ihl);
    }
  }

  @Test
  void ipv4TotalLengthBelowHeaderLength() {
    byte[] f = hex(ETH_SYN);
    f[16] = 0;
    f[17] = 19; // total length 19 < IHL 20
    assertEquals(DecodeResult.IPV4_BAD_TOTAL_LENGTH, decode(f));

    // IHL 15 (60 bytes) in a 52-byte datagram, all of it captured: the header lies, nothing was cut
    byte[] g = hex(ETH_SYN);
    g[14] = 0x4f;
    assertEquals(DecodeResult.IPV4_BAD_TOTAL_LENGTH, decode(g));
  }

  @Test
  void ipv4TotalLengthZeroMeansWhatWasCaptured() {
    // segmentation offload on the capturing host writes 0: the length is what was captured
    byte[] f = hex(ETH_SYN);
    f[16] = 0;
    f[17] = 0;
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(52, p.ipLen);
    assertEquals(8080, p.dstPort);
    assertEquals(0, p.payloadLen);
  }

  @Test
  void ipv4TotalLengthPastTheCapture() {
    // the SYN's IPv4 header claims 1000 bytes: they count as payload by header, none captured
    byte[] f = hex(ETH_SYN);
    f[16] = 0x03;
    f[17] = (byte) 0xe8;
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(1000, p.ipLen);
    assertEquals(1000 - 20 - 32, p.payloadLen);
    assertEquals(0, p.payloadCaptured);
  }

  @Test
  void tcpDataOffsetBelowFive() {
    byte[] f = hex(ETH_SYN);
    for (int doff = 0; doff < 5; doff++) {
      f[46] = (byte) (doff << 4);
      assertEquals(DecodeResult.TCP_BAD_DATA_OFFSET, decode(f), "data offset " + doff);
    }
  }

  @Test
  void tcpDataOffsetPastTheSegment() {
    // data offset 15 (60 bytes) in a 32-byte segment: a lie, not a cut
    byte[] f = hex(ETH_SYN);
    f[46] = (byte) 0xf0;
    assertEquals(DecodeResult.TCP_BAD_DATA_OFFSET, decode(f));
    // data offset 8 (32 bytes), the segment cut by the capture after 30: a cut
    byte[] g = hex(ETH_SYN);
    assertEquals(DecodeResult.TCP_TRUNCATED, decoder.decode(g, 64, 66, LinkType.ETHERNET, TS, p));
  }

  @Test
  void tcpOptionsThatLie() {
    // the SYN's options are mss(4) nop wscale(3) nop nop sackOK(2); make the MSS option's length 40:
    // the option runs past the header, reading stops there and the segment stands
    byte[] f = hex(ETH_SYN);
    f[55] = 40;
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(-1, p.mss);
    assertEquals(-1, p.windowScale);
    assertEquals(8080, p.dstPort);
    // an option length below 2 would loop forever if trusted
    f[55] = 0;
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(-1, p.mss);
    // an MSS option of length 3 is not read as an MSS
    byte[] g = hex(ETH_SYN);
    g[55] = 3;
    assertEquals(DecodeResult.OK, decode(g));
    assertEquals(-1, p.mss);
  }

  @Test
  void udpLengthSmallerThanIpSays() {
    // QinQ UDP: IP says 46 (26 for UDP), UDP says 26; make UDP say 18: 10 bytes of payload, 8 of trailer
    byte[] f = hex(QINQ_8100_UDP);
    f[47] = 18;
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(10, p.payloadLen);
    assertEquals(10, p.payloadCaptured);
  }

  @Test
  void udpLengthLargerThanIpSays() {
    byte[] f = hex(QINQ_8100_UDP);
    f[47] = 64; // UDP claims 64, IP leaves 26: the IP length wins
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(18, p.payloadLen);
    assertEquals(18, p.payloadCaptured);
    f[47] = 4; // below the UDP header itself
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(18, p.payloadLen);
    f[47] = 0; // 0 (IPv6 jumbograms): IP length
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(18, p.payloadLen);
  }

  @Test
  void ipv6ExtensionHeaderLengthPastTheEnd() {
    // the routing header (at 62) claims (255 + 1) * 8 bytes
    byte[] f = hex(IPV6_EXT_SYNACK);
    f[63] = (byte) 0xff;
    assertEquals(DecodeResult.IPV6_EXT_TRUNCATED, decode(f));
    // the hop-by-hop header (at 54) claims (255 + 1) * 8 bytes
    byte[] g = hex(IPV6_EXT_SYNACK);
    g[55] = (byte) 0xff;
    assertEquals(DecodeResult.IPV6_EXT_TRUNCATED, decode(g));
    // the IPv6 payload length says 16: the chain runs past the datagram's end (the rest is trailer)
    byte[] h = hex(IPV6_EXT_SYNACK);
    h[19] = 16;
    assertEquals(DecodeResult.IPV6_EXT_TRUNCATED, decode(h));
  }

  /**
   * Seventeen destination-options headers before TCP (scapy), one more than the decoder follows:
   * ... ethertype IPv6 (0x86dd), length 210: (hlim 64, next-header unknown (60) payload length: 156)
   * 2001:db8::a > 2001:db8::b: DSTOPT (padn) x17 1 > 2: Flags [S], seq 0, win 8192, length 0
   */
  static final String IPV6_17_DSTOPTS = """
      0x0000:  0200 0000 0002 0200 0000 0001 86dd 6000
      0x0010:  0000 009c 3c40 2001 0db8 0000 0000 0000
      0x0020:  0000 0000 000a 2001 0db8 0000 0000 0000
      0x0030:  0000 0000 000b 3c00 0104 0000 0000 3c00
      0x0040:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0050:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0060:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0070:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0080:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x0090:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x00a0:  0104 0000 0000 3c00 0104 0000 0000 3c00
      0x00b0:  0104 0000 0000 0600 0104 0000 0000 0001
      0x00c0:  0002 0000 0000 0000 0000 5002 2000 3459
      0x00d0:  0000
      """;

  @Test
  void ipv6SeventeenExtensionHeadersAreTooMany() {
    assertEquals(DecodeResult.IPV6_TOO_MANY_EXT, decode(hex(IPV6_17_DSTOPTS)));
    assertTrue(DecodeResult.IPV6_TOO_MANY_EXT.isMalformed());
  }

  /**
   * Seventeen MPLS labels, none with the bottom-of-stack bit, then IPv4 (scapy): the decoder stops after 16.
   * ... ethertype MPLS unicast (0x8847), length 110: MPLS (label 100, ttl 64) ... (label 116, ttl 64) ...
   */
  static final String MPLS17_NO_BOTTOM = """
      0x0000:  0200 0000 0002 0200 0000 0001 8847 0006
      0x0010:  4040 0006 5040 0006 6040 0006 7040 0006
      0x0020:  8040 0006 9040 0006 a040 0006 b040 0006
      0x0030:  c040 0006 d040 0006 e040 0006 f040 0007
      0x0040:  0040 0007 1040 0007 2040 0007 3040 0007
      0x0050:  4040 4500 001c 0007 0000 4011 f6c6 c000
      0x0060:  0201 c000 0202 03e8 07d0 0008 7022
      """;

  /** Two labels without the bottom-of-stack bit, and the frame ends (scapy; tcpdump: "(invalid)"). */
  static final String MPLS_NO_BOTTOM_END = """
      0x0000:  0200 0000 0002 0200 0000 0001 8847 0006
      0x0010:  4040 0006 5040
      """;

  @Test
  void mplsStackWithoutBottomOfStack() {
    assertEquals(DecodeResult.MPLS_TRUNCATED, decode(hex(MPLS17_NO_BOTTOM)));
    assertEquals(DecodeResult.MPLS_TRUNCATED, decode(hex(MPLS_NO_BOTTOM_END)));
    // a bottom label followed by neither IPv4 nor IPv6 (e.g. an Ethernet pseudowire without control word)
    byte[] f = hex(MPLS_IPV4_SYN);
    f[18] = 0x00;
    assertEquals(DecodeResult.NOT_IP, decode(f));
  }

  @Test
  void tooManyVlanTags() {
    // twenty 802.1Q tags (every ethertype 0x8100) before anything: the decoder gives up, counted
    byte[] f = new byte[14 + 20 * 4 + 20];
    f[12] = (byte) 0x81;
    for (int i = 0; i < 20; i++) {
      f[14 + 4 * i + 1] = (byte) (i + 1); // VID i + 1
      f[14 + 4 * i + 2] = (byte) (i < 19 ? 0x81 : 0x08);
    }
    f[14 + 80] = 0x45;
    assertEquals(DecodeResult.SHIM_TRUNCATED, decode(f));
    assertEquals(1, p.vlans[0]);
    assertEquals(2, p.vlans[1]);
  }

  @Test
  void ipVersionNibbleDisagreesWithTheEthertype() {
    // ethertype IPv4 with an IPv6 packet inside is read as IPv6 (and the other way round), as Zeek does
    byte[] v6 = hex(PacketDecoderTest.IPV6_ECHO);
    v6[12] = 0x08;
    v6[13] = 0x00;
    assertEquals(DecodeResult.OK, decode(v6));
    assertEquals(6, p.ipVersion);
    assertEquals(128, p.icmpType);
    byte[] v4 = hex(ETH_SYN);
    v4[12] = (byte) 0x86;
    v4[13] = (byte) 0xdd;
    assertEquals(DecodeResult.OK, decode(v4));
    assertEquals(4, p.ipVersion);
    assertEquals(8080, p.dstPort);
    byte[] v7 = hex(ETH_SYN);
    v7[14] = 0x75;
    assertEquals(DecodeResult.IP_BAD_VERSION, decode(v7));
  }

  @Test
  void ipv6NoNextHeader() {
    byte[] f = hex(PacketDecoderTest.IPV6_ECHO);
    f[20] = 59; // next header: none
    assertEquals(DecodeResult.OK, decode(f));
    assertEquals(59, p.ipProto);
    assertEquals(-1, p.l4Offset);
    assertEquals(0, p.srcPort);
  }

  private DecodeResult decode(byte[] frame) {
    DecodeResult r;
    try {
      r = decoder.decode(frame, frame.length, frame.length, LinkType.ETHERNET, TS, p);
    } catch (RuntimeException e) {
      fail("threw", e);
      return null;
    }
    Wire.assertWithinBuffer(p, r, "lying frame");
    return r;
  }
}
