package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link DnsTcpFramer}: length-prefixed messages across any segmentation, gaps and close. */
class DnsTcpFramerTest {
  /** dns--dns frame 4: the query as sent over TCP (length 0x0037 then 55 bytes). */
  private static final byte[] QUERY = Hex.bytes("""
      00375f78012000010000000000010377777706676f6f676c6503636f6d000001
      0001000029100000000000000c000a00085a760730fb2b37d5""");
  /** The same exchange's second message, a different id, as a stand-in for a pipelined query. */
  private static final byte[] QUERY2 = QUERY.clone();

  static {
    QUERY2[3] = 0x79; // id 0x5f79
  }

  private final List<byte[]> got = new ArrayList<>();
  private final DnsTcpFramer.Sink sink = (b, off, len) -> got.add(Arrays.copyOfRange(b, off, off + len));

  private static byte[] body(byte[] framed) {
    return Arrays.copyOfRange(framed, 2, framed.length);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void severalMessagesInOneSegmentDeliveredInPlace() {
    byte[] seg = concat(QUERY, QUERY2, QUERY);
    DnsTcpFramer f = new DnsTcpFramer();
    List<Object> buffers = new ArrayList<>();
    f.feed(seg, 0, seg.length, (b, off, len) -> {
      buffers.add(b);
      got.add(Arrays.copyOfRange(b, off, off + len));
    });
    assertEquals(3, got.size());
    assertArrayEquals(body(QUERY), got.get(0));
    assertArrayEquals(body(QUERY2), got.get(1));
    assertArrayEquals(body(QUERY), got.get(2));
    for (Object b : buffers) {
      assertSame(seg, b, "whole messages are not copied");
    }
    assertEquals(3, f.messages());
    assertEquals(0, f.bufferedBytes());
  }

  @Test
  void everySegmentationGivesTheSameMessages() {
    byte[] stream = concat(QUERY, QUERY2);
    DnsParser parser = new DnsParser();
    DnsMessage m = new DnsMessage();
    for (int cut1 = 0; cut1 <= stream.length; cut1++) {
      for (int cut2 = cut1; cut2 <= stream.length; cut2 += 7) {
        got.clear();
        DnsTcpFramer f = new DnsTcpFramer();
        f.feed(stream, 0, cut1, sink);
        f.feed(stream, cut1, cut2 - cut1, sink);
        f.feed(stream, cut2, stream.length - cut2, sink);
        assertEquals(2, got.size(), "cuts at " + cut1 + ", " + cut2);
        assertArrayEquals(body(QUERY), got.get(0));
        assertArrayEquals(body(QUERY2), got.get(1));
      }
    }
    assertEquals(DnsResult.OK, parser.parse(got.get(1), 0, got.get(1).length, m));
    assertEquals(0x5f79, m.id);
  }

  @Test
  void oneByteAtATime() {
    byte[] stream = concat(QUERY, QUERY2, QUERY);
    DnsTcpFramer f = new DnsTcpFramer();
    for (int i = 0; i < stream.length; i++) {
      f.feed(stream, i, 1, sink);
    }
    assertEquals(3, got.size());
    assertArrayEquals(body(QUERY2), got.get(1));
  }

  @Test
  void zeroLengthAndLargestMessages() {
    DnsTcpFramer f = new DnsTcpFramer();
    f.feed(new byte[] {0, 0}, 0, 2, sink);
    f.feed(new byte[] {0}, 0, 1, sink);
    f.feed(new byte[] {0}, 0, 1, sink);
    assertEquals(2, got.size());
    assertEquals(0, got.get(0).length);
    assertEquals(0, got.get(1).length);

    byte[] big = new byte[2 + 65535];
    big[0] = (byte) 0xff;
    big[1] = (byte) 0xff;
    for (int i = 2; i < big.length; i++) {
      big[i] = (byte) i;
    }
    got.clear();
    for (int off = 0; off < big.length; off += 1460) {
      f.feed(big, off, Math.min(1460, big.length - off), sink);
    }
    assertEquals(1, got.size());
    assertArrayEquals(Arrays.copyOfRange(big, 2, big.length), got.get(0));
  }

  @Test
  void gapInsideAMessageDropsItAndKeepsTheBoundary() {
    byte[] stream = concat(QUERY, QUERY2);
    DnsTcpFramer f = new DnsTcpFramer();
    f.feed(stream, 0, 20, sink); // length + 18 bytes of the first message
    f.gap(10); // 10 bytes of it lost
    f.feed(stream, 30, stream.length - 30, sink);
    assertEquals(1, got.size(), "the cut message is dropped");
    assertArrayEquals(body(QUERY2), got.get(0), "the next one is framed exactly");
    assertEquals(1, f.messagesLost());
    assertEquals(18 + (QUERY.length - 30), f.bytesDiscarded());
    assertTrue(f.isSynchronized());

    // a gap ending exactly at the boundary
    got.clear();
    f = new DnsTcpFramer();
    f.feed(stream, 0, 20, sink);
    f.gap(QUERY.length - 20);
    f.feed(stream, QUERY.length, QUERY2.length, sink);
    assertEquals(1, got.size());
    assertArrayEquals(body(QUERY2), got.get(0));
  }

  @Test
  void gapOverABoundaryResynchronisesOnASegmentThatLooksLikeDns() {
    DnsTcpFramer f = new DnsTcpFramer();
    f.feed(QUERY, 0, 20, sink);
    f.gap(QUERY.length); // the rest of message 1 and part of whatever followed
    assertFalse(f.isSynchronized());
    byte[] junk = Hex.bytes("a1b2c3d4e5f60718293a4b5c6d7e8f90");
    f.feed(junk, 0, junk.length, sink); // the tail of an unknown message: discarded
    assertEquals(0, got.size());
    f.feed(QUERY2, 0, QUERY2.length, sink); // a segment that starts with a DNS message
    assertTrue(f.isSynchronized());
    assertEquals(1, got.size());
    assertArrayEquals(body(QUERY2), got.get(0));
    assertEquals(1, f.resyncs());
    assertEquals(18 + junk.length, f.bytesDiscarded());

    // a gap at a boundary (over the next length prefix) also loses the boundaries
    f = new DnsTcpFramer();
    f.feed(QUERY, 0, QUERY.length, sink);
    f.gap(5);
    assertFalse(f.isSynchronized());
  }

  @Test
  void closeHandsOverThePartialMessage() {
    DnsTcpFramer f = new DnsTcpFramer();
    f.feed(QUERY, 0, 34, sink);
    assertEquals(32, f.bufferedBytes());
    f.close(sink);
    assertEquals(1, got.size());
    assertEquals(32, got.get(0).length);
    assertEquals(1, f.truncatedAtClose());
    assertEquals(0, f.bufferedBytes());
    DnsMessage m = new DnsMessage();
    assertEquals(DnsResult.RR_TRUNCATED, new DnsParser().parse(got.get(0), 0, 32, m),
        "header and question arrived, the OPT record did not");
    assertEquals("www.google.com", m.qname);
    // the framer starts afresh
    f.feed(QUERY2, 0, QUERY2.length, sink);
    assertEquals(2, got.size());
  }
}
