package dev.nsm.parsers.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.FuzzChunks;
import java.util.Arrays;

/**
 * Jazzer target for {@link IpDefragmenter} through {@link PacketDecoder}: a sequence of Ethernet frames
 * (seeds: the fragments of testdata/ipv4-frag.pcap and ipv6-frag.pcap), each a {@link FuzzChunks}
 * chunk whose head is the time step before it: 0 to 254 steps of 50 ms, 255 goes back 2 s (clocks
 * do). A small defragmenter (4 datagrams, 2 x 65535 bytes, 1 s timeout) so that evictions and
 * timeouts happen within one input.
 *
 * <p>Asserted: the counters add up exactly (each fragment offered is held, refused or completes its
 * datagram, as the decoder reported it frame by frame); the limits hold after every
 * frame; a reassembled datagram is at most 65535 bytes and its header says its length; after
 * {@code flush()} nothing is held; and the work is bounded (at most one datagram per frame).
 */
class IpDefragmenterFuzzTest {
  private static final int MAX_DATAGRAMS = 4;
  private static final long MAX_BYTES = 2 * 65535;

  @FuzzTest
  void fragments(byte[] data) {
    IpDefragmenter d = new IpDefragmenter(MAX_DATAGRAMS, MAX_BYTES, 1_000_000_000L);
    PacketDecoder decoder = new PacketDecoder(d);
    DecodedPacket p = new DecodedPacket();
    FuzzChunks in = new FuzzChunks(data);
    long ts = 1_700_000_000_000_000_000L;
    long frames = 0;
    while (in.next()) {
      ts += in.head == 255 ? -2_000_000_000L : in.head * 50_000_000L;
      byte[] frame = in.copy();
      frames++;
      long seen = d.fragmentsSeen;
      long invalid = d.fragmentsInvalid;
      long reassembled = d.datagramsReassembled;
      DecodeResult r = decoder.decode(frame, frame.length, frame.length, LinkType.ETHERNET, ts, p);
      Wire.assertWithinBuffer(p, r, "frame " + frames);
      // every fragment offered ends as exactly one of: held, refused, completing its datagram (an IPv6
      // datagram may hold a fragment header again, so one frame can make two offers)
      long offers = d.fragmentsSeen - seen;
      long refusedNow = d.fragmentsInvalid - invalid;
      long completedNow = d.datagramsReassembled - reassembled;
      assertEquals(offers, refusedNow + completedNow + (r == DecodeResult.FRAGMENT_HELD ? 1 : 0),
          "frame " + frames + ": offers " + offers + ", refused " + refusedNow + ", completed " + completedNow + ", " + r);
      assertTrue(r != DecodeResult.FRAGMENT_INVALID || refusedNow > 0, "FRAGMENT_INVALID not counted");
      assertTrue(!p.reassembled || completedNow > 0, "a reassembled datagram not counted");
      if (p.reassembled && r != DecodeResult.FRAGMENT_HELD && r != DecodeResult.FRAGMENT_INVALID) {
        assertTrue(p.ipLen <= 65535 && p.ipLen <= p.buf.length, "datagram of " + p.ipLen);
        int byHeader = p.ipVersion == 4 ? Bytes.u16(p.buf, 2) : 40 + Bytes.u16(p.buf, 4);
        assertEquals(p.ipLen, byHeader, "reassembled header's length");
        if (p.ipVersion == 4) {
          assertEquals(0, Bytes.u16(p.buf, 6) & 0x3fff, "reassembled datagram still says fragment");
        }
      }
      assertTrue(d.inProgress() <= MAX_DATAGRAMS, "datagrams " + d.inProgress());
      assertTrue(d.bytesHeld() >= 0 && d.bytesHeld() <= MAX_BYTES, "bytes held " + d.bytesHeld());
    }
    assertTrue(d.datagramsReassembled + d.datagramsEvicted + d.datagramsTimedOut <= frames,
        "more datagrams ended than frames came: " + Arrays.toString(new long[] {d.datagramsReassembled,
            d.datagramsEvicted, d.datagramsTimedOut, frames}));
    int before = d.inProgress();
    long timedOut = d.datagramsTimedOut;
    d.flush();
    assertEquals(0, d.inProgress());
    assertEquals(0, d.bytesHeld());
    assertEquals(timedOut + before, d.datagramsTimedOut, "flush counts what it drops");
  }
}
