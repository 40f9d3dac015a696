package dev.nsm.parsers.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Jazzer targets for {@link PacketDecoder}, one per family of link types. In {@code mvn verify} each
 * runs once per committed input (src/test/resources/.../PacketDecoderFuzzTestInputs/METHOD/: frames
 * of the project's captures, re-framed for the link type, and any crash found); {@code bench/fuzz.sh}
 * fuzzes one for a while.
 *
 * <p>The input is one captured frame (for families of several link types its first byte picks the
 * type). Asserted for every input, beyond "no exception": every offset and length the decoder leaves
 * lies inside the bytes given; the frame decodes identically in a larger buffer with junk after
 * {@code capLen} (a read past the capture would show); the flow hash is symmetric; the
 * defragmenter stays within its datagram and byte limits.
 */
class PacketDecoderFuzzTest {
  private static final int[] RAW = {LinkType.RAW, LinkType.RAW_12, LinkType.RAW_14, LinkType.IPV4, LinkType.IPV6};
  private static final int[] LOOPBACK = {LinkType.NULL, LinkType.LOOP};
  private static final int[] COOKED = {LinkType.LINUX_SLL, LinkType.LINUX_SLL2};
  private static final int[] PPP = {LinkType.PPP, LinkType.PPP_HDLC, LinkType.C_HDLC};

  // one decoder pair per JVM, reused across inputs as a worker reuses its own: state carried from one
  // input to the next (held fragments) is part of what is fuzzed
  private static final IpDefragmenter DEFRAG_A = new IpDefragmenter(8, 2 * 65535, 5_000_000_000L);
  private static final IpDefragmenter DEFRAG_B = new IpDefragmenter(8, 2 * 65535, 5_000_000_000L);
  private static final PacketDecoder A = new PacketDecoder(DEFRAG_A);
  private static final PacketDecoder B = new PacketDecoder(DEFRAG_B);
  private static final DecodedPacket PA = new DecodedPacket();
  private static final DecodedPacket PB = new DecodedPacket();
  private static final DecodedPacket SWAPPED = new DecodedPacket();
  private static long ts = 1_700_000_000_000_000_000L;

  @FuzzTest
  void ethernet(byte[] frame) {
    check(LinkType.ETHERNET, frame, 0);
  }

  @FuzzTest
  void rawIp(byte[] data) {
    pick(RAW, data);
  }

  @FuzzTest
  void loopback(byte[] data) {
    pick(LOOPBACK, data);
  }

  @FuzzTest
  void linuxCooked(byte[] data) {
    pick(COOKED, data);
  }

  @FuzzTest
  void ppp(byte[] data) {
    pick(PPP, data);
  }

  /** The first byte picks the link type, the rest is the frame. */
  private static void pick(int[] types, byte[] data) {
    if (data.length == 0) {
      return;
    }
    check(types[(data[0] & 0xff) % types.length], data, 1);
  }

  private static void check(int linkType, byte[] data, int from) {
    byte[] frame = Arrays.copyOfRange(data, from, data.length);
    int capLen = frame.length;
    ts += 1_000_000L;
    // B sees the frame followed by junk: anything read past capLen would change its result
    byte[] padded = Arrays.copyOf(frame, capLen + 64);
    Arrays.fill(padded, capLen, padded.length, (byte) 0xa5);
    DecodeResult ra = A.decode(frame, capLen, capLen, linkType, ts, PA);
    DecodeResult rb = B.decode(padded, capLen, capLen, linkType, ts, PB);
    String what = "link type " + linkType;
    Wire.assertWithinBuffer(PA, ra, what);
    assertEquals(ra, rb, "read past capLen?");
    assertArrayEquals(DecoderRobustnessTest.fields(PA), DecoderRobustnessTest.fields(PB), "read past capLen?");
    if (ra == DecodeResult.OK) {
      if (PA.reassembled) {
        assertTrue(PA.ipLen <= 65535, "reassembled datagram of " + PA.ipLen);
        assertArrayEquals(Arrays.copyOf(PA.buf, PA.ipLen), Arrays.copyOf(PB.buf, PB.ipLen));
      }
      assertSymmetricHash(PA);
    }
    for (IpDefragmenter d : new IpDefragmenter[] {DEFRAG_A, DEFRAG_B}) {
      assertTrue(d.inProgress() <= 8 && d.bytesHeld() >= 0 && d.bytesHeld() <= 2 * 65535,
          "defragmenter over its limits: " + d.inProgress() + " datagrams, " + d.bytesHeld() + " bytes");
    }
  }

  /** B->A hashes as A->B: both directions of a flow meet in one worker. */
  static void assertSymmetricHash(DecodedPacket p) {
    SWAPPED.reset();
    SWAPPED.ipVersion = p.ipVersion;
    SWAPPED.ipProto = p.ipProto;
    System.arraycopy(p.src, 0, SWAPPED.dst, 0, 16);
    System.arraycopy(p.dst, 0, SWAPPED.src, 0, 16);
    SWAPPED.srcPort = p.dstPort;
    SWAPPED.dstPort = p.srcPort;
    assertEquals(p.flowHash, PacketDecoder.flowHash(SWAPPED), "flow hash not symmetric");
  }
}
