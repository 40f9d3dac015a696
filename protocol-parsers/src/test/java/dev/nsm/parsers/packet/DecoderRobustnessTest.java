package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_DNS_FRAG1_CUT;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_DNS_FRAG2_CUT;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_DNS_FRAG3_CUT;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG17_5;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG17_6;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG17_11;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG29_5_CUT;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG29_7_CUT;
import static dev.nsm.parsers.packet.IpDefragmenterTest.IPV6_FRAG29_8;
import static dev.nsm.parsers.packet.IpDefragmenterTest.SYN_TCP_HEADER;
import static dev.nsm.parsers.packet.IpDefragmenterTest.V4_FRAG1;
import static dev.nsm.parsers.packet.IpDefragmenterTest.V4_FRAG1_WITH_OPTIONS;
import static dev.nsm.parsers.packet.IpDefragmenterTest.V4_FRAG2;
import static dev.nsm.parsers.packet.IpDefragmenterTest.V4_FRAG3;
import static dev.nsm.parsers.packet.PacketDecoderTest.*;
import static dev.nsm.parsers.packet.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 200 000 frames made from the real frames of the other tests (bytes flipped, cut, extended), random bytes
 * under every link type, and storms of IPv4/IPv6 fragments, through {@link PacketDecoder#decode}. Fixed
 * seed: a failure names the iteration and prints the frame's hex, to paste into a test of its own.
 *
 * <p>Checked for every frame: no exception escapes; every offset and length the decoder leaves lies inside
 * the bytes it was given; the defragmenter holds no more than its byte and datagram limits; and the frame
 * decodes exactly alike in a buffer of its own size and in a larger one with junk after {@code capLen}
 * (a read past {@code capLen} would show as a difference).
 */
class DecoderRobustnessTest {
  static final long SEED = 0x6e736d_2024L;
  static final int FRAMES = 200_000;

  static final int MAX_DATAGRAMS = 16;
  static final long MAX_BYTES = 4 * 65535;
  static final long TIMEOUT = 5_000_000_000L;

  record Seed(int linkType, byte[] frame) {}

  static final int[] LINK_TYPES = {
    LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14,
    LinkType.PPP_HDLC, LinkType.C_HDLC, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.LOOP, LinkType.IPV4,
    LinkType.IPV6, 105, 147,
  };

  static List<Seed> seeds() {
    List<Seed> s = new ArrayList<>();
    for (String f : List.of(ETH_SYN, ETH_SYNACK, ETH_ARP, VLAN1_ICMP, VLAN2_ICMP, VLAN3_ICMP, QINQ_8100_UDP,
        QINQ_88A8_UDP, MPLS_IPV4_SYN, VLAN_MPLS2_HTTP, MPLS_IPV6_SYN, MPLS3_IPV6_UDP, MPLS16_UDP, PPPOE_SYN,
        PBB_SYN, PBB_OSPF, PBB_ARP, VNTAG_SYNACK_CUT, FABRICPATH_UDP, SNAP_SYN, IPV4_OPTIONS_PING,
        ICMP_UNREACHABLE, IPV6_TCP_DATA, IPV6_SYN_ECN, IPV6_EXT_SYNACK, IPV6_HBH_MLD, IPV6_ECHO,
        IPV6_ATOMIC_FRAGMENT, IPV6_16_DSTOPTS, PacketDecoderMalformedTest.IPV6_17_DSTOPTS,
        PacketDecoderMalformedTest.MPLS17_NO_BOTTOM, V4_FRAG1, V4_FRAG2, V4_FRAG3, V4_FRAG1_WITH_OPTIONS,
        IPV6_FRAG17_5, IPV6_FRAG17_6, IPV6_FRAG17_11, IPV6_FRAG29_5_CUT, IPV6_FRAG29_7_CUT, IPV6_FRAG29_8,
        IPV6_DNS_FRAG1_CUT, IPV6_DNS_FRAG2_CUT, IPV6_DNS_FRAG3_CUT)) {
      s.add(new Seed(LinkType.ETHERNET, hex(f)));
    }
    s.add(new Seed(LinkType.NULL, hex(NULL_SYN)));
    s.add(new Seed(LinkType.NULL, hex(NULL_IPV6_NS)));
    s.add(new Seed(LinkType.LOOP, hex(LOOP_SYN)));
    s.add(new Seed(LinkType.RAW, hex(RAW_SYN)));
    s.add(new Seed(LinkType.RAW, hex(RAW_IPV6_NS)));
    s.add(new Seed(LinkType.IPV4, hex(RAW_SYN)));
    s.add(new Seed(LinkType.IPV6, hex(RAW_IPV6_NS)));
    s.add(new Seed(LinkType.LINUX_SLL, hex(SLL_SYN_DATA)));
    s.add(new Seed(LinkType.LINUX_SLL2, hex(SLL2_SYN)));
    s.add(new Seed(LinkType.PPP, hex(PPP_IPV6_NS)));
    s.add(new Seed(LinkType.PPP, hex(PPP_IPV4_UDP)));
    s.add(new Seed(LinkType.PPP_HDLC, hex(PPP_HDLC_UDP)));
    s.add(new Seed(LinkType.C_HDLC, hex(C_HDLC_UDP)));
    return s;
  }

  private final SplittableRandom rnd = new SplittableRandom(SEED);

  @Test
  void twoHundredThousandFramesNeverBreakTheDecoder() {
    List<Seed> seeds = seeds();
    // A sees each frame in an array of its own size; B in a larger one with junk after capLen
    IpDefragmenter defragA = new IpDefragmenter(MAX_DATAGRAMS, MAX_BYTES, TIMEOUT);
    IpDefragmenter defragB = new IpDefragmenter(MAX_DATAGRAMS, MAX_BYTES, TIMEOUT);
    PacketDecoder a = new PacketDecoder(defragA);
    PacketDecoder b = new PacketDecoder(defragB);
    DecodedPacket pa = new DecodedPacket();
    DecodedPacket pb = new DecodedPacket();
    Map<DecodeResult, Integer> seen = new EnumMap<>(DecodeResult.class);
    long ts = PacketDecoderTest.TS;
    long maxHeld = 0;

    for (int i = 0; i < FRAMES; i++) {
      int linkType;
      byte[] frame;
      int kind = rnd.nextInt(100);
      if (kind < 55) { // a real frame with bytes changed
        Seed s = seeds.get(rnd.nextInt(seeds.size()));
        linkType = rnd.nextInt(10) == 0 ? LINK_TYPES[rnd.nextInt(LINK_TYPES.length)] : s.linkType();
        frame = mutate(s.frame());
      } else if (kind < 70) { // a real frame cut or extended
        Seed s = seeds.get(rnd.nextInt(seeds.size()));
        linkType = s.linkType();
        frame = Arrays.copyOf(s.frame(), rnd.nextInt(s.frame().length + 33));
        for (int j = s.frame().length; j < frame.length; j++) {
          frame[j] = (byte) rnd.nextInt(256);
        }
      } else if (kind < 80) { // noise
        linkType = LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
        frame = new byte[rnd.nextInt(257)];
        for (int j = 0; j < frame.length; j++) {
          frame[j] = (byte) rnd.nextInt(256);
        }
      } else { // fragments of a few datagrams at once, sometimes damaged
        linkType = LinkType.ETHERNET;
        frame = rnd.nextBoolean() ? v4Fragment() : v6Fragment();
        if (rnd.nextInt(8) == 0) {
          frame = mutate(frame);
        }
      }
      int capLen = frame.length;
      int wireLen = capLen + (rnd.nextInt(4) == 0 ? rnd.nextInt(2000) : 0);
      ts += rnd.nextInt(500) == 0 ? rnd.nextLong(-1_000_000_000L, 8_000_000_000L) : rnd.nextLong(5_000_000L);

      byte[] padded = Arrays.copyOf(frame, capLen + 1 + rnd.nextInt(64));
      for (int j = capLen; j < padded.length; j++) {
        padded[j] = (byte) rnd.nextInt(256);
      }

      String what = "frame " + i + " (link type " + linkType + ", " + capLen + " bytes: "
          + HexFormat.of().formatHex(frame) + ")";
      DecodeResult ra;
      DecodeResult rb;
      try {
        ra = a.decode(frame, capLen, wireLen, linkType, ts, pa);
        rb = b.decode(padded, capLen, wireLen, linkType, ts, pb);
      } catch (RuntimeException e) {
        throw new AssertionError(what + " threw", e);
      }
      seen.merge(ra, 1, Integer::sum);
      Wire.assertWithinBuffer(pa, ra, what);
      assertEquals(ra, rb, what + ": read past capLen?");
      assertArrayEquals(fields(pa), fields(pb), what + ": read past capLen?");
      if (ra == DecodeResult.OK && pa.reassembled) {
        assertArrayEquals(Arrays.copyOf(pa.buf, pa.ipLen), Arrays.copyOf(pb.buf, pb.ipLen), what);
      }
      assertTrue(defragA.bytesHeld() >= 0 && defragA.bytesHeld() <= MAX_BYTES,
          what + ": bytesHeld " + defragA.bytesHeld());
      assertTrue(defragA.inProgress() <= MAX_DATAGRAMS, what + ": inProgress " + defragA.inProgress());
      maxHeld = Math.max(maxHeld, defragA.bytesHeld());
    }

    // the run went where it should: every layer's malformations, reassembly, evictions and timeouts
    System.out.println("robustness: " + seen + ", reassembled " + defragA.datagramsReassembled + ", evicted "
        + defragA.datagramsEvicted + ", timed out " + defragA.datagramsTimedOut + ", max bytes held " + maxHeld);
    for (DecodeResult r : List.of(DecodeResult.OK, DecodeResult.NOT_IP, DecodeResult.FRAGMENT_HELD,
        DecodeResult.FRAGMENT_INVALID, DecodeResult.UNSUPPORTED_LINKTYPE, DecodeResult.L2_TRUNCATED,
        DecodeResult.VLAN_TRUNCATED, DecodeResult.MPLS_TRUNCATED, DecodeResult.PPPOE_TRUNCATED,
        DecodeResult.PPP_TRUNCATED, DecodeResult.SHIM_TRUNCATED, DecodeResult.IPV4_TRUNCATED,
        DecodeResult.IPV4_BAD_HEADER_LENGTH, DecodeResult.IPV4_BAD_TOTAL_LENGTH, DecodeResult.IPV6_TRUNCATED,
        DecodeResult.IPV6_EXT_TRUNCATED, DecodeResult.IP_BAD_VERSION, DecodeResult.TCP_TRUNCATED,
        DecodeResult.TCP_BAD_DATA_OFFSET, DecodeResult.UDP_TRUNCATED, DecodeResult.ICMP_TRUNCATED)) {
      assertTrue(seen.getOrDefault(r, 0) > 0, "never produced " + r + ": " + seen);
    }
    assertTrue(defragA.datagramsReassembled > 500, "reassembled " + defragA.datagramsReassembled);
    assertTrue(defragA.datagramsEvicted > 0);
    assertTrue(defragA.datagramsTimedOut > 0);
    assertTrue(defragA.overlappingFragments > 0);
  }

  /** Changes 1 to 8 bytes, mostly in the first 80 (where the headers are). */
  private byte[] mutate(byte[] frame) {
    byte[] f = frame.clone();
    if (f.length == 0) {
      return f;
    }
    int n = 1 + rnd.nextInt(8);
    for (int k = 0; k < n; k++) {
      int at = rnd.nextInt(4) == 0 ? rnd.nextInt(f.length) : rnd.nextInt(Math.min(f.length, 80));
      switch (rnd.nextInt(4)) {
        case 0 -> f[at] = (byte) rnd.nextInt(256);
        case 1 -> f[at] ^= (byte) (1 << rnd.nextInt(8));
        case 2 -> f[at] = 0;
        default -> f[at] = (byte) 0xff;
      }
    }
    return f;
  }

  /**
   * A fragment of one of a few IPv4 datagrams (ids 1 to 4): offsets over the first 64 units mostly,
   * lengths of 1 to 8 units, MF on 3 out of 4; the first fragment carries the SYN's TCP header.
   */
  private byte[] v4Fragment() {
    int id = 1 + rnd.nextInt(4);
    int offset = 8 * (rnd.nextInt(200) == 0 ? rnd.nextInt(8192) : rnd.nextInt(8));
    boolean more = rnd.nextInt(4) != 0;
    byte[] data = fragmentData(offset, more);
    byte[] f = IpDefragmenterTest.v4Fragment(id, offset, more, data);
    return rnd.nextInt(10) == 0 && offset == 0 ? IpDefragmenterTest.withIpv4Options(f, 4 * rnd.nextInt(11)) : f;
  }

  /** The same for IPv6, on the header of ipv6-evasion--frag-17 frame 5 (ids 1 to 4). */
  private byte[] v6Fragment() {
    byte[] template = hex(IPV6_FRAG17_5);
    int offset = 8 * (rnd.nextInt(200) == 0 ? rnd.nextInt(8192) : rnd.nextInt(8));
    boolean more = rnd.nextInt(4) != 0;
    byte[] data = fragmentData(offset, more);
    byte[] f = Arrays.copyOf(template, 62 + data.length);
    int payload = 8 + data.length;
    f[18] = (byte) (payload >>> 8);
    f[19] = (byte) payload;
    f[54] = DecodedPacket.PROTO_TCP; // the fragment header's next header
    int offMore = offset | (more ? 1 : 0);
    f[56] = (byte) (offMore >>> 8);
    f[57] = (byte) offMore;
    f[61] = (byte) (1 + rnd.nextInt(4)); // identification 0xfacef001..4
    System.arraycopy(data, 0, f, 62, data.length);
    return f;
  }

  private byte[] fragmentData(int offset, boolean more) {
    int len = more ? 8 * (1 + rnd.nextInt(8)) : rnd.nextInt(70);
    if (rnd.nextInt(40) == 0) {
      len = rnd.nextInt(70); // MF with a length not a multiple of 8: invalid
    }
    byte[] data = new byte[len];
    for (int j = 0; j < len; j++) {
      int at = offset + j;
      data[j] = at < SYN_TCP_HEADER.length ? SYN_TCP_HEADER[at] : (byte) rnd.nextInt(256);
    }
    return data;
  }

  /** Every field of the decoded packet but the buffer reference, for comparing two decodes. */
  static long[] fields(DecodedPacket p) {
    long[] f = new long[64];
    int i = 0;
    f[i++] = p.capLen;
    f[i++] = p.wireLen;
    f[i++] = p.vlanCount;
    f[i++] = p.vlans[0];
    f[i++] = p.vlans[1];
    f[i++] = p.ipVersion;
    for (int k = 0; k < 16; k += 4) {
      f[i++] = Bytes.s32(p.src, k);
      f[i++] = Bytes.s32(p.dst, k);
    }
    f[i++] = p.ipProto;
    f[i++] = p.ipOffset;
    f[i++] = p.ipLen;
    f[i++] = p.ttl;
    f[i++] = p.reassembled ? 1 : 0;
    f[i++] = p.l4Offset;
    f[i++] = p.srcPort;
    f[i++] = p.dstPort;
    f[i++] = p.icmpType;
    f[i++] = p.icmpCode;
    f[i++] = p.tcpFlags;
    f[i++] = p.seq;
    f[i++] = p.ack;
    f[i++] = p.window;
    f[i++] = p.mss;
    f[i++] = p.windowScale;
    f[i++] = p.sackPermitted ? 1 : 0;
    f[i++] = p.sackBlocks;
    f[i++] = p.payloadOffset;
    f[i++] = p.payloadLen;
    f[i++] = p.payloadCaptured;
    f[i] = p.flowHash;
    return f;
  }
}
