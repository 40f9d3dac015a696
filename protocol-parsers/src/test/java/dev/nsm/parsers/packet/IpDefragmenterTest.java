package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.Wire.dst;
import static dev.nsm.parsers.packet.Wire.hex;
import static dev.nsm.parsers.packet.Wire.src;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IP reassembly through {@link PacketDecoder}: real fragments from the corpus, and variants of them
 * (other offsets, ids, data) built by {@link #v4Fragment} where the corpus has none.
 */
class IpDefragmenterTest {
  static final long SECOND = 1_000_000_000L;
  static final long T0 = PacketDecoderTest.TS;

  private IpDefragmenter defrag = new IpDefragmenter();
  private PacketDecoder decoder = new PacketDecoder(defrag);
  private final DecodedPacket p = new DecodedPacket();

  private DecodeResult decode(byte[] frame, long ts) {
    return decode(frame, frame.length, frame.length, ts);
  }

  private DecodeResult decode(byte[] frame, int capLen, int wireLen, long ts) {
    DecodeResult r = decoder.decode(frame, capLen, wireLen, LinkType.ETHERNET, ts, p);
    Wire.assertWithinBuffer(p, r, "fragment");
    assertTrue(defrag.bytesHeld() >= 0);
    return r;
  }

  private void use(IpDefragmenter d) {
    defrag = d;
    decoder = new PacketDecoder(d);
  }

  // ================================================================== IPv4: defrag--frag-eth-vlan-ip-tcp-syn

  /*
   * A TCP SYN (24-byte header) in three 8-byte fragments, in 802.1Q vlan 6:
   * 00:01:02:03:04:05 > 05:04:03:02:01:00, ethertype 802.1Q (0x8100), length 46: vlan 6, p 0,
   * ethertype IPv4 (0x0800), (ttl 64, id 1, offset 0, flags [+], proto TCP (6), length 28)
   * 1.1.1.1.12345 > 2.2.2.2.8080: [|tcp]
   */
  static final String V4_FRAG1 = """
      0x0000:  0504 0302 0100 0001 0203 0405 8100 0006
      0x0010:  0800 4500 001c 0001 2000 4006 54d6 0101
      0x0020:  0101 0202 0202 3039 1f90 0000 0001
      """;

  /** ... (ttl 64, id 1, offset 8, flags [+], proto TCP (6), length 28) 1.1.1.1 > 2.2.2.2: ip-proto-6 */
  static final String V4_FRAG2 = """
      0x0000:  0504 0302 0100 0001 0203 0405 8100 0006
      0x0010:  0800 4500 001c 0001 2001 4006 54d5 0101
      0x0020:  0101 0202 0202 0000 0000 6002 2000
      """;

  /** ... (ttl 64, id 1, offset 16, flags [none], proto TCP (6), length 28) 1.1.1.1 > 2.2.2.2: ip-proto-6 */
  static final String V4_FRAG3 = """
      0x0000:  0504 0302 0100 0001 0203 0405 8100 0006
      0x0010:  0800 4500 001c 0001 0002 4006 74d4 0101
      0x0020:  0101 0202 0202 190c 0000 0303 0e00
      """;

  /** The 24 bytes the three fragments carry: the SYN's TCP header. */
  static final byte[] SYN_TCP_HEADER = {
    0x30, 0x39, 0x1f, (byte) 0x90, 0x00, 0x00, 0x00, 0x01, // ports 12345 -> 8080, seq 1
    0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0x20, 0x00, // ack 0, data offset 6, SYN, window 8192
    0x19, 0x0c, 0x00, 0x00, 0x03, 0x03, 0x0e, 0x00, // checksum, urgent, wscale 14, eol
  };

  private void assertReassembledSyn(int ipHeaderLen) {
    assertTrue(p.reassembled);
    assertSame(defrag.buffer(), p.buf);
    assertEquals(0, p.ipOffset);
    assertEquals(4, p.ipVersion);
    assertEquals("1.1.1.1", src(p));
    assertEquals("2.2.2.2", dst(p));
    assertEquals(DecodedPacket.PROTO_TCP, p.ipProto);
    assertEquals(ipHeaderLen + 24, p.ipLen, "header + data");
    assertEquals(1, p.vlanCount);
    assertEquals(6, p.vlans[0]);
    assertEquals(ipHeaderLen, p.l4Offset);
    assertEquals(12345, p.srcPort);
    assertEquals(8080, p.dstPort);
    assertEquals(1, p.seq);
    assertEquals(0, p.ack);
    assertEquals(DecodedPacket.TCP_SYN, p.tcpFlags);
    assertEquals(8192, p.window);
    assertEquals(14, p.windowScale);
    assertEquals(-1, p.mss);
    assertEquals(ipHeaderLen + 24, p.payloadOffset);
    assertEquals(0, p.payloadLen);
    // the datagram's IPv4 header: total length patched, MF and offset cleared
    byte[] b = p.buf;
    assertEquals(0x40 | ipHeaderLen / 4, b[0] & 0xff);
    assertEquals(ipHeaderLen + 24, ((b[2] & 0xff) << 8) | (b[3] & 0xff));
    assertEquals(0, b[6]);
    assertEquals(0, b[7]);
    assertEquals(6, b[9]);
    assertArrayEquals(SYN_TCP_HEADER, Arrays.copyOfRange(b, ipHeaderLen, ipHeaderLen + 24));
  }

  @Test
  void ipv4InOrder() {
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), T0));
    assertEquals(1, defrag.inProgress());
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG2), T0));
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertReassembledSyn(20);
    assertEquals(3, defrag.fragmentsSeen);
    assertEquals(1, defrag.datagramsReassembled);
    assertEquals(0, defrag.inProgress());
    assertEquals(0, defrag.bytesHeld());
    assertEquals(0, defrag.overlappingFragments);
  }

  @Test
  void ipv4EveryOrder() {
    List<String> frags = List.of(V4_FRAG1, V4_FRAG2, V4_FRAG3);
    int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int[] order : orders) {
      use(new IpDefragmenter());
      assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(frags.get(order[0])), T0));
      assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(frags.get(order[1])), T0));
      assertEquals(DecodeResult.OK, decode(hex(frags.get(order[2])), T0), Arrays.toString(order));
      assertReassembledSyn(20);
    }
  }

  @Test
  void ipv4Duplicate() {
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG2), T0));
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertReassembledSyn(20);
    assertEquals(1, defrag.overlappingFragments);
    // after completion a late duplicate starts a new datagram, which never completes
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG2), T0));
    assertEquals(1, defrag.inProgress());
  }

  @Test
  void ipv4OverlapFirstWins() {
    // fragment 2 again with another window (0xffff instead of 0x2000)
    byte[] frag2b = hex(V4_FRAG2);
    frag2b[44] = (byte) 0xff;
    frag2b[45] = (byte) 0xff;

    decode(hex(V4_FRAG1), T0);
    decode(hex(V4_FRAG2), T0);
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(frag2b, T0));
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertEquals(8192, p.window, "the first copy of bytes 8..16 wins");
    assertEquals(1, defrag.overlappingFragments);

    use(new IpDefragmenter());
    decode(hex(V4_FRAG1), T0);
    decode(frag2b, T0);
    decode(hex(V4_FRAG2), T0);
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertEquals(65535, p.window);

    // a partial overlap: 16 bytes at offset 0 after fragment 1, other ports (0xdddd) and another ack
    // (0xeeeeeeee): its first unit is ignored, its second kept
    use(new IpDefragmenter());
    byte[] data16 = Arrays.copyOf(SYN_TCP_HEADER, 16);
    Arrays.fill(data16, 0, 8, (byte) 0xdd);
    Arrays.fill(data16, 8, 12, (byte) 0xee);
    decode(hex(V4_FRAG1), T0);
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(1, 0, true, data16), T0));
    assertEquals(1, defrag.overlappingFragments);
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    byte[] want = SYN_TCP_HEADER.clone();
    Arrays.fill(want, 8, 12, (byte) 0xee);
    assertArrayEquals(want, Arrays.copyOfRange(p.buf, 20, 44));
    assertEquals(12345, p.srcPort);
    assertEquals(0xeeeeeeeeL, p.ack);
  }

  @Test
  void ipv4MissingMiddleTimesOutOnPacketTime() {
    use(new IpDefragmenter(4096, 64L << 20, 30 * SECOND));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG3), T0 + SECOND));
    assertEquals(1, defrag.inProgress());
    assertEquals(24, defrag.bytesHeld(), "up to the end of fragment 3");
    // other traffic, and fragments of another datagram within the timeout, leave it waiting
    assertEquals(DecodeResult.OK, decode(hex(PacketDecoderTest.ETH_SYN), T0 + 40 * SECOND));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(2, 0, true, new byte[8]), T0 + 30 * SECOND));
    assertEquals(2, defrag.inProgress());
    assertEquals(0, defrag.datagramsTimedOut);
    // the next fragment more than 30 s after the first one's time drops it, counted
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(3, 0, true, new byte[8]), T0 + 30 * SECOND + 1));
    assertEquals(1, defrag.datagramsTimedOut);
    assertEquals(2, defrag.inProgress());
    // the missing middle arrives too late: it starts a datagram of its own
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG2), T0 + 31 * SECOND));
    assertEquals(3, defrag.inProgress());
    assertEquals(0, defrag.datagramsReassembled);
    // end of input: what is left is dropped and counted
    defrag.flush();
    assertEquals(4, defrag.datagramsTimedOut);
    assertEquals(0, defrag.inProgress());
    assertEquals(0, defrag.bytesHeld());
  }

  @Test
  void ipv4PastMaximumSizeIsInvalid() {
    // offset 65496 + 24 bytes = 65520 > 65535 - 20
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 65496, false, new byte[24]), T0));
    assertEquals(1, defrag.fragmentsInvalid);
    assertEquals(0, defrag.inProgress());
    assertTrue(DecodeResult.FRAGMENT_INVALID.isMalformed());
    // the largest offset a fragment can have (8191 * 8), with MF and 8 bytes: past the maximum too
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 65528, true, new byte[8]), T0));
    // ending exactly at 65535 - 20 is allowed
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(1, 65512, false, new byte[3]), T0));
    assertEquals(2, defrag.fragmentsInvalid);
  }

  @Test
  void ipv4ReassembledPastMaximumSizeIsInvalid() {
    // the first fragment's header has 40 bytes of options, the last one's none: each fragment fits on
    // its own (65512 + 3 <= 65535 - 20) but the datagram, 60 + 65515 bytes, does not
    byte[] first = withIpv4Options(v4Fragment(1, 0, true, new byte[8]), 40);
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(first, T0));
    for (int off = 8; off < 65512; off += 1480) {
      int len = Math.min(1480, 65512 - off);
      assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(1, off, true, new byte[len]), T0), "at " + off);
    }
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 65512, false, new byte[3]), T0));
    assertEquals(0, defrag.datagramsReassembled);
    assertEquals(0, defrag.inProgress());
    assertEquals(0, defrag.bytesHeld());
  }

  @Test
  void ipv4ImpossibleFragments() {
    // MF set but a length that is not a multiple of 8
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 0, true, new byte[7]), T0));
    // no data at all
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 8, true, new byte[0]), T0));
    assertEquals(2, defrag.fragmentsInvalid);
    assertEquals(0, defrag.inProgress());
  }

  @Test
  void ipv4FragmentPastTheKnownEndLeavesNoHole() {
    // the last fragment first: the datagram ends at 24
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG3), T0));
    // a fragment at 24..32 with MF: past the end, refused
    byte[] past = new byte[8];
    Arrays.fill(past, (byte) 0x77);
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 24, true, past), T0));
    // fragment 1: units 0 and 2 of 3 are here, 8..16 is missing: not complete
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), T0));
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG2), T0));
    assertReassembledSyn(20);
    // a second "last" fragment with another end is refused too
    use(new IpDefragmenter());
    decode(hex(V4_FRAG3), T0);
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(v4Fragment(1, 8, false, new byte[8]), T0));
    decode(hex(V4_FRAG1), T0);
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG2), T0));
    assertReassembledSyn(20);
  }

  /**
   * The first fragment with IPv4 options (IHL 6: nop, nop, nop, eol), the others without, as RFC 791
   * allows for options not copied into later fragments. Fragment 1 above rewritten (python), tcpdump:
   * ... length 50: vlan 6, p 0, ethertype IPv4 (0x0800), (ttl 64, id 1, offset 0, flags [+], proto TCP (6),
   * length 32, options (NOP,NOP,NOP,EOL)) 1.1.1.1.12345 > 2.2.2.2.8080: [|tcp]
   */
  static final String V4_FRAG1_WITH_OPTIONS = """
      0x0000:  0504 0302 0100 0001 0203 0405 8100 0006
      0x0010:  0800 4600 0020 0001 2000 4006 51d1 0101
      0x0020:  0101 0202 0202 0101 0100 3039 1f90 0000
      0x0030:  0001
      """;

  @Test
  void ipv4FirstFragmentWithOptionsLastFragmentWithout() {
    for (int[] order : new int[][] {{0, 1, 2}, {2, 0, 1}, {0, 2, 1}}) {
      use(new IpDefragmenter());
      List<String> frags = List.of(V4_FRAG1_WITH_OPTIONS, V4_FRAG2, V4_FRAG3);
      decode(hex(frags.get(order[0])), T0);
      decode(hex(frags.get(order[1])), T0);
      assertEquals(DecodeResult.OK, decode(hex(frags.get(order[2])), T0), Arrays.toString(order));
      assertReassembledSyn(24); // the header is the first fragment's, options and all
      assertEquals(1, p.buf[20]);
    }
  }

  @Test
  void ipv4FragmentCutBySnaplen() {
    // fragment 1 captured up to 42 of its 46 bytes: its missing 4 bytes (the sequence number) count,
    // as zeros
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(V4_FRAG1), 42, 46, T0));
    decode(hex(V4_FRAG2), T0);
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertEquals(44, p.ipLen);
    byte[] want = SYN_TCP_HEADER.clone();
    Arrays.fill(want, 4, 8, (byte) 0);
    assertArrayEquals(want, Arrays.copyOfRange(p.buf, 20, 44));
    assertEquals(12345, p.srcPort);
    assertEquals(0, p.seq, "not captured");
    assertEquals(14, p.windowScale);
  }

  @Test
  void withoutDefragmenterFragmentsAreHeldAndDropped() {
    PacketDecoder noDefrag = new PacketDecoder(null);
    byte[] f = hex(V4_FRAG1);
    assertEquals(DecodeResult.FRAGMENT_HELD, noDefrag.decode(f, f.length, f.length, LinkType.ETHERNET, T0, p));
    assertEquals(DecodeResult.FRAGMENT_HELD, noDefrag.decode(hex(IPV6_FRAG17_5), 470, 470, LinkType.ETHERNET, T0, p));
  }

  // ================================================================== limits

  @Test
  void maxDatagramsEvictsTheOldest() {
    use(new IpDefragmenter(2, 1 << 20, 30 * SECOND));
    decode(v4Fragment(1, 0, true, new byte[8]), T0);
    decode(v4Fragment(2, 0, true, new byte[8]), T0 + 1);
    assertEquals(2, defrag.inProgress());
    decode(v4Fragment(3, 0, true, Arrays.copyOfRange(SYN_TCP_HEADER, 0, 8)), T0 + 2);
    assertEquals(2, defrag.inProgress());
    assertEquals(1, defrag.datagramsEvicted);
    assertEquals(16, defrag.bytesHeld());
    // id 1 was the oldest: its remaining fragments no longer complete it
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(1, 8, false, new byte[8]), T0 + 3));
    assertEquals(2, defrag.datagramsEvicted, "and storing them evicted id 2");
    // id 3 is still there
    assertEquals(DecodeResult.OK, decode(v4Fragment(3, 8, false, Arrays.copyOfRange(SYN_TCP_HEADER, 8, 24)), T0 + 4));
    assertEquals(44, p.ipLen);
    assertEquals(8080, p.dstPort);
  }

  @Test
  void maxBytesIsNeverExceeded() {
    long max = 2 * 65535;
    use(new IpDefragmenter(64, max, 30 * SECOND));
    for (int id = 1; id <= 3; id++) {
      decode(v4Fragment(id, 0, true, new byte[8]), T0 + id);
    }
    assertEquals(24, defrag.bytesHeld());
    // each datagram then grows to 60008 bytes: three would hold 180024
    for (int id = 1; id <= 3; id++) {
      assertEquals(DecodeResult.FRAGMENT_HELD, decode(v4Fragment(id, 60000, true, new byte[8]), T0 + 10 + id));
      assertTrue(defrag.bytesHeld() <= max, "bytesHeld " + defrag.bytesHeld() + " > " + max);
    }
    assertEquals(1, defrag.datagramsEvicted);
    assertEquals(2, defrag.inProgress());
    assertEquals(2 * 60008, defrag.bytesHeld());
  }

  @Test
  void limitsOutOfRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new IpDefragmenter(0, 1 << 20, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new IpDefragmenter(1, 65534, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new IpDefragmenter(1, 1 << 20, 0));
  }

  /**
   * Fragment 1 above with another id, offset, MF flag and data: total length, id and flags patched; the
   * header checksum is left stale (the decoder does not check it, as Zeek with -C).
   */
  static byte[] v4Fragment(int id, int offset, boolean more, byte[] data) {
    byte[] f = Arrays.copyOf(hex(V4_FRAG1), 38 + data.length);
    int total = 20 + data.length;
    f[20] = (byte) (total >>> 8);
    f[21] = (byte) total;
    f[22] = (byte) (id >>> 8);
    f[23] = (byte) id;
    int flagsOffset = (more ? 0x2000 : 0) | (offset / 8);
    f[24] = (byte) (flagsOffset >>> 8);
    f[25] = (byte) flagsOffset;
    System.arraycopy(data, 0, f, 38, data.length);
    return f;
  }

  /** Inserts {@code n} bytes of NOP options into the IPv4 header of an Ethernet + 802.1Q frame. */
  static byte[] withIpv4Options(byte[] frame, int n) {
    byte[] f = new byte[frame.length + n];
    System.arraycopy(frame, 0, f, 0, 38);
    Arrays.fill(f, 38, 38 + n, (byte) 1);
    System.arraycopy(frame, 38, f, 38 + n, frame.length - 38);
    f[18] = (byte) (0x40 | (20 + n) / 4);
    int total = (((f[20] & 0xff) << 8) | (f[21] & 0xff)) + n;
    f[20] = (byte) (total >>> 8);
    f[21] = (byte) total;
    return f;
  }

  // ================================================================== IPv6: ipv6-evasion--frag-17

  /*
   * An ICMPv6 echo request of 1208 bytes in fragments 0|408, 408|400 ('Z' bytes), 408|400 again ('A' bytes:
   * the overlap the evasion test plays), 808|400 (last), id 0xfacef09e.
   * 00:23:55:9c:73:26 > 64:00:6a:5b:8f:4a, ethertype IPv6 (0x86dd), length 470: (flowlabel 0x00011, hlim 64,
   * next-header Fragment (44) payload length: 416) 2001:db8:1::2 > 2001:db8:1::1: frag (0xfacef09e:0|408)
   * ICMP6, echo request, id 64206, seq 47806
   */
  static final String IPV6_FRAG17_5 = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  0011 01a0 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0001 face f09e 8000
      0x0040:  7917 face babe 4141 4141 4141 4141 4141
      0x0050:  4141 4141 4141 4141 4141 4141 4141 4141
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
      0x0100:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0110:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0120:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0130:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0140:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0150:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0160:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0170:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0180:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0190:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01a0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01b0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01c0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01d0:  4141 4141 4141
      """;

  /** frame 6: ... length 462: (... payload length: 408) 2001:db8:1::2 > 2001:db8:1::1: frag (0xfacef09e:408|400) */
  static final String IPV6_FRAG17_6 = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  0011 0198 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0199 face f09e 5a5a
      0x0040:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0050:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0060:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0070:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0080:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0090:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00a0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00b0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00c0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00d0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00e0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x00f0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0100:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0110:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0120:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0130:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0140:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0150:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0160:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0170:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0180:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x0190:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x01a0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x01b0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      0x01c0:  5a5a 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a
      """;

  /** frame 10: the same fragment header (0xfacef09e:408|400), 'A' bytes this time */
  static final String IPV6_FRAG17_10 = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  0011 0198 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0199 face f09e 4141
      0x0040:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0050:  4141 4141 4141 4141 4141 4141 4141 4141
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
      0x0100:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0110:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0120:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0130:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0140:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0150:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0160:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0170:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0180:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0190:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01a0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01b0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01c0:  4141 4141 4141 4141 4141 4141 4141
      """;

  /** frame 11: ... frag (0xfacef09e:808|400), M clear: the last fragment */
  static final String IPV6_FRAG17_11 = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  0011 0198 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0328 face f09e 4141
      0x0040:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0050:  4141 4141 4141 4141 4141 4141 4141 4141
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
      0x0100:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0110:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0120:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0130:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0140:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0150:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0160:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0170:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0180:  4141 4141 4141 4141 4141 4141 4141 4141
      0x0190:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01a0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01b0:  4141 4141 4141 4141 4141 4141 4141 4141
      0x01c0:  4141 4141 4141 4141 4141 4141 4141
      """;

  @Test
  void ipv6OverlappingFragmentsFirstWins() {
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_FRAG17_5), T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_FRAG17_6), T0 + 1));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_FRAG17_10), T0 + SECOND));
    assertEquals(1, defrag.overlappingFragments);
    assertEquals(DecodeResult.OK, decode(hex(IPV6_FRAG17_11), T0 + 2 * SECOND));
    assertTrue(p.reassembled);
    assertEquals(6, p.ipVersion);
    assertEquals("2001:db8:1::2", src(p));
    assertEquals("2001:db8:1::1", dst(p));
    assertEquals(DecodedPacket.PROTO_ICMPV6, p.ipProto);
    assertEquals(40 + 1208, p.ipLen);
    assertEquals(40, p.l4Offset);
    assertEquals(128, p.icmpType, "echo request");
    assertEquals(0, p.icmpCode);
    assertEquals(48, p.payloadOffset);
    assertEquals(1200, p.payloadLen);
    assertEquals(1200, p.payloadCaptured);
    byte[] b = p.buf;
    assertEquals(58, b[6], "next header: the fragment header's");
    assertEquals(1208, ((b[4] & 0xff) << 8) | (b[5] & 0xff), "payload length patched");
    // data 0..408 from frame 5, 408..808 from frame 6 (its 'Z's, not frame 10's 'A's), 808..1208 frame 11
    for (int i = 48; i < 40 + 408; i++) {
      assertEquals('A', b[i], "at " + i);
    }
    for (int i = 40 + 408; i < 40 + 808; i++) {
      assertEquals('Z', b[i], "at " + i);
    }
    for (int i = 40 + 808; i < 40 + 1208; i++) {
      assertEquals('A', b[i], "at " + i);
    }
    assertEquals(0, defrag.inProgress());
  }

  /*
   * ipv6-evasion--frag-29 frames 5, 7 and 8, captured here up to 80 bytes (editcap -s 80): fragments 0|408
   * and 408|400, then a "last" fragment 8|1 that would end the datagram at 9 bytes, inside data already
   * received. It is refused; the datagram waits for a true end.
   * ... length 470: (flowlabel 0x0001d, hlim 64, next-header Fragment (44) payload length: 416)
   * 2001:db8:1::2 > 2001:db8:1::1: frag (0xfacef103:0|408) ICMP6, echo request, id 64206, seq 47806
   */
  static final String IPV6_FRAG29_5_CUT = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  001d 01a0 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0001 face f103 8000
      0x0040:  7917 face babe 4141 4141 4141 4141 4141
      """;

  /** ... length 462: (... payload length: 408) ... frag (0xfacef103:408|400) */
  static final String IPV6_FRAG29_7_CUT = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  001d 0198 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0199 face f103 4141
      0x0040:  4141 4141 4141 4141 4141 4141 4141 4141
      """;

  /** ... length 63: (... payload length: 9) ... frag (0xfacef103:8|1), whole */
  static final String IPV6_FRAG29_8 = """
      0x0000:  6400 6a5b 8f4a 0023 559c 7326 86dd 6000
      0x0010:  001d 0009 2c40 2001 0db8 0001 0000 0000
      0x0020:  0000 0000 0002 2001 0db8 0001 0000 0000
      0x0030:  0000 0000 0001 3a00 0008 face f103 41
      """;

  @Test
  void ipv6LastFragmentEndingInsideReceivedDataIsRefused() {
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_FRAG29_5_CUT), 80, 470, T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_FRAG29_7_CUT), 80, 462, T0 + SECOND));
    assertEquals(808, defrag.bytesHeld());
    assertEquals(DecodeResult.FRAGMENT_INVALID, decode(hex(IPV6_FRAG29_8), T0 + 2 * SECOND));
    assertEquals(1, defrag.fragmentsInvalid);
    assertEquals(0, defrag.datagramsReassembled);
    assertEquals(1, defrag.inProgress());
    defrag.flush();
    assertEquals(1, defrag.datagramsTimedOut);
  }

  /*
   * zeek-core.ipv6-frag frames 6, 7, 8: a 3238-byte DNS answer in fragments 0|1432, 1432|1432, 2864|374,
   * captured here up to 128 bytes each (editcap -s 128): reassembly counts the missing bytes as zeros.
   * d8:30:62:48:c5:b5 > c4:2c:03:3b:6c:aa, ethertype IPv6 (0x86dd), length 1494: (hlim 53, next-header
   * Fragment (44) payload length: 1440) 2607:f740:b::f93 > 2001:470:1f11:81f:d138:5f55:6d4:1fe2:
   * frag (0x00000002:0|1432) 53 > 51851: 40849*- [|domain]
   */
  static final String IPV6_DNS_FRAG1_CUT = """
      0x0000:  c42c 033b 6caa d830 6248 c5b5 86dd 6000
      0x0010:  0000 05a0 2c35 2607 f740 000b 0000 0000
      0x0020:  0000 0000 0f93 2001 0470 1f11 081f d138
      0x0030:  5f55 06d4 1fe2 1100 0001 0000 0002 0035
      0x0040:  ca8b 0ca6 688f 9f91 8500 0001 0001 0001
      0x0050:  0002 0f74 7874 7061 6464 696e 675f 3332
      0x0060:  3330 026e 3108 6e65 7461 6c79 7a72 0469
      0x0070:  6373 6908 6265 726b 656c 6579 0365 6475
      """;

  /** ... length 1494: (... payload length: 1440) ... frag (0x00000002:1432|1432) */
  static final String IPV6_DNS_FRAG2_CUT = """
      0x0000:  c42c 033b 6caa d830 6248 c5b5 86dd 6000
      0x0010:  0000 05a0 2c35 2607 f740 000b 0000 0000
      0x0020:  0000 0000 0f93 2001 0470 1f11 081f d138
      0x0030:  5f55 06d4 1fe2 1100 0599 0000 0002 5858
      0x0040:  5858 5858 5858 5858 5858 5858 5858 5858
      0x0050:  5858 5858 5858 5858 5858 5858 5858 5858
      0x0060:  5858 58bd 5858 5858 5858 5858 5858 5858
      0x0070:  5858 5858 5858 5858 5858 5858 5858 5858
      """;

  /** ... length 436: (... payload length: 382) ... frag (0x00000002:2864|374) */
  static final String IPV6_DNS_FRAG3_CUT = """
      0x0000:  c42c 033b 6caa d830 6248 c5b5 86dd 6000
      0x0010:  0000 017e 2c35 2607 f740 000b 0000 0000
      0x0020:  0000 0000 0f93 2001 0470 1f11 081f d138
      0x0030:  5f55 06d4 1fe2 1100 0b30 0000 0002 5858
      0x0040:  5858 5858 5858 5858 5858 5858 5858 5858
      0x0050:  5858 5858 5858 5858 5858 5858 5858 5858
      0x0060:  5858 5858 5858 5858 5858 5858 5858 5858
      0x0070:  5858 5858 5858 5858 5858 5858 5858 5858
      """;

  @Test
  void ipv6UdpReassembledFromSnaplenCutFragments() {
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_DNS_FRAG1_CUT), 128, 1494, T0));
    assertEquals(DecodeResult.FRAGMENT_HELD, decode(hex(IPV6_DNS_FRAG2_CUT), 128, 1494, T0 + 1));
    assertEquals(DecodeResult.OK, decode(hex(IPV6_DNS_FRAG3_CUT), 128, 436, T0 + 2));
    assertTrue(p.reassembled);
    assertEquals("2607:f740:b::f93", src(p));
    assertEquals("2001:470:1f11:81f:d138:5f55:6d4:1fe2", dst(p));
    assertEquals(DecodedPacket.PROTO_UDP, p.ipProto);
    assertEquals(40 + 3238, p.ipLen);
    assertEquals(53, p.ttl);
    assertEquals(40, p.l4Offset);
    assertEquals(53, p.srcPort);
    assertEquals(51851, p.dstPort);
    assertEquals(48, p.payloadOffset);
    assertEquals(3230, p.payloadLen, "the UDP length, 3238, less its header");
    assertEquals(3230, p.payloadCaptured);
    assertEquals(0x9f, p.buf[48] & 0xff, "DNS id 40849 (0x9f91)");
    assertEquals(0x91, p.buf[49] & 0xff);
    assertEquals(0, p.buf[40 + 66], "past the 66 captured bytes of fragment 1: zeros");
    assertEquals('X', p.buf[40 + 1432], "fragment 2's first byte");
    assertEquals(0, defrag.inProgress());
  }

  @Test
  void ipv6FragmentsAreKeptApartFromIpv4() {
    // an IPv4 datagram and an IPv6 one in reassembly at once, interleaved
    decode(hex(V4_FRAG1), T0);
    decode(hex(IPV6_FRAG17_5), T0);
    decode(hex(V4_FRAG2), T0);
    decode(hex(IPV6_FRAG17_6), T0);
    assertEquals(2, defrag.inProgress());
    assertEquals(DecodeResult.OK, decode(hex(V4_FRAG3), T0));
    assertEquals(4, p.ipVersion);
    assertEquals(8080, p.dstPort);
    assertEquals(DecodeResult.OK, decode(hex(IPV6_FRAG17_11), T0));
    assertEquals(6, p.ipVersion);
    assertEquals(128, p.icmpType);
    assertFalse(defrag.inProgress() > 0);
  }
}
