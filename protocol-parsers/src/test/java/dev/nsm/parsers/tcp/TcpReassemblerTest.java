package dev.nsm.parsers.tcp;

import static dev.nsm.parsers.tcp.ReassemblyCounter.ACK_UNDERFLOW;
import static dev.nsm.parsers.tcp.ReassemblyCounter.BYTES_AFTER_FIN;
import static dev.nsm.parsers.tcp.ReassemblyCounter.BYTES_BEFORE_START;
import static dev.nsm.parsers.tcp.ReassemblyCounter.CLOSED_FIN;
import static dev.nsm.parsers.tcp.ReassemblyCounter.CLOSED_RST;
import static dev.nsm.parsers.tcp.ReassemblyCounter.DELIVERED_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.FAST_PATH_SEGMENTS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.FIN_CONFLICT;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_ACKED;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_BUDGET;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_CLOSE;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_FLOW_CAP;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAPS_STALE;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAP_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAP_BYTES_ACKED;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAP_BYTES_BUDGET;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAP_BYTES_CLOSE;
import static dev.nsm.parsers.tcp.ReassemblyCounter.GAP_BYTES_FLOW_CAP;
import static dev.nsm.parsers.tcp.ReassemblyCounter.HELD_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.HELD_SEGMENTS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.INCONSISTENT_OVERLAPS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.MISSED_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.OVERLAP_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.OVERLAP_SEGMENTS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.RETRANSMITTED_BYTES;
import static dev.nsm.parsers.tcp.ReassemblyCounter.RETRANSMITTED_SEGMENTS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.SEGMENTS;
import static dev.nsm.parsers.tcp.ReassemblyCounter.SEGMENTS_AFTER_CLOSE;
import static dev.nsm.parsers.tcp.ReassemblyCounter.SYN_IGNORED;
import static dev.nsm.parsers.tcp.ReassemblyCounter.SYN_REINIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TcpReassemblerTest {
  private static final long ISN = 1_000_000L;

  /** One direction under test: stream bytes, a reassembler started by a SYN at {@code isn}. */
  private static final class Dir {
    final ReassemblyBudget budget;
    final ReassemblyCounters counters = new ReassemblyCounters();
    final TcpReassembler r;
    final Recorder rec = new Recorder();
    final long isn;
    final byte[] stream;
    long ts;

    Dir(long isn, byte[] stream, ReassemblyBudget budget, int flowCap, int maxRanges, long holdTimeout) {
      this.budget = budget;
      this.isn = isn;
      this.stream = stream;
      r = new TcpReassembler(budget, counters, flowCap, maxRanges, holdTimeout);
      r.reset(rec);
    }

    Dir(long isn, byte[] stream) {
      this(isn, stream, new ReassemblyBudget(), TcpReassembler.DEFAULT_FLOW_CAP_BYTES,
          TcpReassembler.DEFAULT_MAX_RANGES, 0);
    }

    Dir syn() {
      r.segment(isn, true, false, false, stream, 0, 0, ts++);
      return this;
    }

    /** Sends stream bytes [from, to) (a fresh copy of them, as a packet would bring). */
    Dir seg(int from, int to) {
      return seg(from, to, false);
    }

    Dir seg(int from, int to, boolean fin) {
      byte[] pkt = Arrays.copyOfRange(stream, from, to);
      r.segment(seqOf(from), false, fin, false, pkt, 0, pkt.length, ts++);
      return this;
    }

    Dir fin(int at) {
      r.segment(seqOf(at), false, true, false, stream, 0, 0, ts++);
      return this;
    }

    Dir ack(int upTo) {
      r.ack(seqOf(upTo), true);
      return this;
    }

    long seqOf(int offset) {
      return (isn + 1 + offset) & 0xffffffffL;
    }

    void close(CloseReason reason) {
      r.close(reason);
    }

    long get(ReassemblyCounter k) {
      return counters.get(k);
    }

    byte[] range(int from, int to) {
      return Arrays.copyOfRange(stream, from, to);
    }
  }

  private static byte[] stream(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  // ------------------------------------------------------------------ in order

  @Test
  void inOrderIsDeliveredFromTheCallersBufferWithoutHolding() {
    Dir d = new Dir(ISN, ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).syn();
    byte[] pkt = d.range(0, 16);
    d.r.segment(d.seqOf(0), false, false, false, pkt, 0, 16, 1);
    assertSame(pkt, d.rec.lastBuf, "in-order data is handed over in place, not copied");
    byte[] pkt2 = new byte[100];
    System.arraycopy(d.stream, 16, pkt2, 40, d.stream.length - 16); // payload in the middle of a frame
    d.r.segment(d.seqOf(16), false, true, false, pkt2, 40, d.stream.length - 16, 2);
    assertSame(pkt2, d.rec.lastBuf);
    assertArrayEquals(d.stream, d.rec.bytes());
    assertEquals("D16 D11 C:FIN", d.rec.events.toString());
    assertEquals(2, d.get(FAST_PATH_SEGMENTS));
    assertEquals(0, d.get(HELD_SEGMENTS));
    assertEquals(27, d.get(DELIVERED_BYTES));
    assertEquals(1, d.get(CLOSED_FIN));
    assertEquals(0, d.budget.pagesCreated(), "no page was ever needed");
    assertTrue(d.r.isClosed());
  }

  // ------------------------------------------------------------------ out of order

  @Test
  void everyOrderOfFiveSegmentsDeliversTheSameBytes() {
    byte[] s = stream(5000, 1);
    int[] cuts = {0, 700, 1448, 2896, 3000, 5000}; // uneven, crossing 4 KiB page boundaries
    List<int[]> perms = new ArrayList<>();
    permutations(new int[] {0, 1, 2, 3, 4}, 0, perms);
    assertEquals(120, perms.size());
    ReassemblyBudget budget = new ReassemblyBudget(1 << 20, 4096); // shared: pages come back each time
    for (int[] order : perms) {
      Dir d = new Dir(ISN, s, budget, TcpReassembler.DEFAULT_FLOW_CAP_BYTES, TcpReassembler.DEFAULT_MAX_RANGES, 0);
      d.syn();
      for (int i : order) {
        d.seg(cuts[i], cuts[i + 1], i == 4);
      }
      String o = Arrays.toString(order);
      assertArrayEquals(s, d.rec.bytes(), o);
      assertEquals(CloseReason.FIN, d.rec.closed, o);
      assertEquals(0, d.rec.gaps.size(), o);
      assertEquals(0, budget.pagesInUse(), o);
      assertEquals(5000, d.get(DELIVERED_BYTES), o);
      assertEquals(0, d.get(OVERLAP_SEGMENTS) + d.get(RETRANSMITTED_SEGMENTS), o);
      // a segment is held exactly when one before it in the stream has not arrived yet
      int held = 0;
      int fast = 0;
      for (int k = 0; k < 5; k++) {
        boolean allBeforeArrived = true;
        boolean anyAfterArrived = false;
        for (int m = 0; m < k; m++) {
          anyAfterArrived |= order[m] > order[k];
        }
        for (int b = 0; b < order[k]; b++) {
          boolean arrived = false;
          for (int m = 0; m < k; m++) {
            arrived |= order[m] == b;
          }
          allBeforeArrived &= arrived;
        }
        held += allBeforeArrived ? 0 : 1;
        fast += allBeforeArrived && !anyAfterArrived ? 1 : 0;
      }
      assertEquals(held, d.get(HELD_SEGMENTS), o);
      assertEquals(fast, d.get(FAST_PATH_SEGMENTS), o + ": in order with nothing held is zero-copy");
    }
    assertTrue(budget.pagesCreated() <= 2, "pages reused across flows: " + budget.pagesCreated());
  }

  private static void permutations(int[] a, int k, List<int[]> out) {
    if (k == a.length) {
      out.add(a.clone());
      return;
    }
    for (int i = k; i < a.length; i++) {
      int t = a[k];
      a[k] = a[i];
      a[i] = t;
      permutations(a, k + 1, out);
      a[i] = a[k];
      a[k] = t;
    }
  }

  @Test
  void heldDataIsCopiedOnceAndDeliveredWhenTheHoleFills() {
    Dir d = new Dir(ISN, stream(300, 2)).syn();
    d.seg(200, 300).seg(100, 200);
    assertEquals("", d.rec.events.toString());
    assertEquals(200, d.r.heldBytes());
    assertEquals(1, d.r.heldRanges(), "adjacent held segments merge into one range");
    assertEquals(1, d.r.heldPages());
    d.seg(0, 100);
    assertEquals("D100 D200", d.rec.events.toString(), "the filler from the packet, then the held run");
    assertArrayEquals(d.stream, d.rec.bytes());
    assertEquals(0, d.r.heldBytes());
    assertEquals(0, d.r.heldPages());
    assertEquals(0, d.budget.pagesInUse());
    assertEquals(2, d.get(HELD_SEGMENTS));
    assertEquals(200, d.get(HELD_BYTES));
    assertEquals(0, d.get(FAST_PATH_SEGMENTS), "data was held when the filler came");
  }

  // ------------------------------------------------------------------ duplicates and overlaps

  @Test
  void duplicatesAreDeliveredOnce() {
    Dir d = new Dir(ISN, stream(3000, 3)).syn();
    d.seg(0, 1000).seg(0, 1000); // retransmission of delivered data
    d.seg(2000, 3000).seg(2000, 3000); // duplicate of held data
    d.seg(1000, 2000).seg(1000, 2000);
    assertArrayEquals(d.stream, d.rec.bytes());
    assertEquals(0, d.rec.gaps.size());
    assertEquals(2, d.get(RETRANSMITTED_SEGMENTS));
    assertEquals(2000, d.get(RETRANSMITTED_BYTES));
    assertEquals(1, d.get(OVERLAP_SEGMENTS));
    assertEquals(1000, d.get(OVERLAP_BYTES));
    assertEquals(0, d.get(INCONSISTENT_OVERLAPS));
    assertEquals(3000, d.get(DELIVERED_BYTES));
  }

  @Test
  void partialOverlapsKeepTheFirstCopyAndCountDifferences() {
    byte[] s = ascii("0123456789abcdefghijklmnopqrstuvwxyz");
    Dir d = new Dir(ISN, s).syn();
    d.seg(10, 20); // held "abcdefghij"
    // a later copy of [15, 25) that differs at 15..19: the held "fghij" wins, "klmno" is new
    byte[] other = ascii("FGHIJklmno");
    d.r.segment(d.seqOf(15), false, false, false, other, 0, other.length, 5);
    assertEquals(1, d.get(OVERLAP_SEGMENTS));
    assertEquals(5, d.get(OVERLAP_BYTES));
    assertEquals(1, d.get(INCONSISTENT_OVERLAPS));
    assertEquals(1, d.r.heldRanges());
    assertEquals(15, d.r.heldBytes());
    // an in-order segment [0, 12) overlapping held [10, 12) with other bytes: held wins again
    byte[] first = ascii("0123456789XY");
    d.r.segment(d.seqOf(0), false, false, false, first, 0, first.length, 6);
    assertEquals("0123456789abcdefghijklmno", new String(d.rec.bytes(), StandardCharsets.US_ASCII));
    assertEquals(2, d.get(OVERLAP_SEGMENTS));
    assertEquals(7, d.get(OVERLAP_BYTES));
    assertEquals(2, d.get(INCONSISTENT_OVERLAPS));
    // a consistent overlap spanning two held ranges and the hole between them
    d.seg(28, 30).seg(32, 34);
    d.seg(27, 36);
    d.seg(25, 27);
    assertArrayEquals(s, d.rec.bytes());
    assertEquals(3, d.get(OVERLAP_SEGMENTS));
    assertEquals(11, d.get(OVERLAP_BYTES));
    assertEquals(2, d.get(INCONSISTENT_OVERLAPS), "same bytes: not inconsistent");
    assertEquals(0, d.budget.pagesInUse());
  }

  @Test
  void retransmissionReachingPastDeliveredDataDeliversOnlyTheNewBytes() {
    Dir d = new Dir(ISN, stream(100, 4)).syn();
    d.seg(0, 40).seg(20, 70);
    assertArrayEquals(d.range(0, 70), d.rec.bytes());
    assertEquals("D40 D30", d.rec.events.toString());
    assertEquals(1, d.get(RETRANSMITTED_SEGMENTS));
    assertEquals(20, d.get(RETRANSMITTED_BYTES));
  }

  // ------------------------------------------------------------------ wrap-around

  @Test
  void sequenceNumbersWrapAt2To32() {
    long isn = 0xffff_fff0L; // data starts at 0xfffffff1 and crosses 2^32 after 15 bytes
    byte[] s = stream(2000, 5);
    Dir d = new Dir(isn, s).syn();
    assertEquals(0x0000_0031L, d.seqOf(64), "offset 64 lies after the wrap");
    d.seg(0, 10);
    d.seg(40, 1000); // held, after the wrap
    d.seg(10, 40); // fills across the wrap
    d.seg(1500, 2000, true);
    d.seg(1000, 1500);
    assertArrayEquals(s, d.rec.bytes());
    assertEquals(CloseReason.FIN, d.rec.closed);
    assertEquals(0, d.rec.gaps.size());
  }

  @Test
  void wrapAroundWithGapAckedAcrossIt() {
    long isn = 0xffff_ff00L;
    byte[] s = stream(1000, 6);
    Dir d = new Dir(isn, s).syn();
    d.seg(0, 200); // ends at 0xffffffc9
    d.seg(400, 600); // held, after the wrap
    d.ack(600); // ack 0x00000159 acknowledges across the wrap
    assertEquals(1, d.rec.gaps.size());
    assertArrayEquals(new long[] {200, 200}, d.rec.gaps.get(0));
    assertArrayEquals(concat(d.range(0, 200), d.range(400, 600)), d.rec.bytes());
  }

  @Test
  void aLongStreamWrapsManyTimes() {
    // 2^32 + a bit in 60 KiB segments would be slow to build; instead walk the sequence space with a
    // stride: 9 GiB of offsets, every segment delivered, checked by length and by its first byte.
    byte[] pkt = new byte[65535];
    ReassemblyCounters counters = new ReassemblyCounters();
    long[] total = {0};
    byte[] expect = {0};
    TcpReassembler r = new TcpReassembler(new ReassemblyBudget(), counters);
    r.reset(new StreamSink() {
      @Override
      public void onData(byte[] buf, int off, int len) {
        assertEquals(expect[0], buf[off]);
        total[0] += len;
      }

      @Override
      public void onGap(long bytes) {
        throw new AssertionError("gap");
      }

      @Override
      public void onClose(CloseReason reason) {}
    });
    long seq = 0xfffff000L;
    r.segment(seq, true, false, false, pkt, 0, 0, 0);
    seq++;
    for (int i = 0; i < 150_000; i++) {
      expect[0] = (byte) i;
      pkt[0] = (byte) i;
      r.segment(seq & 0xffffffffL, false, false, false, pkt, 0, pkt.length, i);
      seq += pkt.length;
    }
    assertEquals(150_000L * 65535, total[0]);
    assertEquals(150_000L * 65535, r.nextOffset());
    assertTrue(r.nextOffset() > 2 * (1L << 32));
  }

  // ------------------------------------------------------------------ gaps

  @Test
  void ackAboveAHoleDeliversTheGapAndTheHeldData() {
    Dir d = new Dir(ISN, stream(1000, 7)).syn();
    d.seg(0, 100).seg(300, 400).seg(600, 700);
    d.ack(100); // nothing missing below 100
    assertEquals(0, d.rec.gaps.size());
    d.ack(500); // acks the hole [100,300), the held [300,400) and the hole [400,500)
    assertEquals("D100 G200 D100 G100", d.rec.events.toString());
    assertEquals(300, d.r.missedBytes());
    assertEquals(300, d.get(MISSED_BYTES));
    assertEquals(2, d.get(GAPS_ACKED));
    assertEquals(300, d.get(GAP_BYTES_ACKED));
    assertEquals(500, d.r.nextOffset());
    d.seg(500, 600); // the rest of the hole arrives: it and the held [600,700) follow
    assertEquals("D100 G200 D100 G100 D100 D100", d.rec.events.toString());
    d.seg(400, 500); // data of an acked hole arriving late is dropped
    assertEquals(1, d.get(RETRANSMITTED_SEGMENTS));
    assertArrayEquals(concat(d.range(0, 100), d.range(300, 400), d.range(500, 700)), d.rec.bytes());
    assertEquals(0, d.budget.pagesInUse());
  }

  @Test
  void ackUpToAHeldRangeDeliversItAtOnce() {
    Dir d = new Dir(ISN, stream(300, 27)).syn();
    d.seg(0, 100).seg(200, 300);
    d.ack(200); // the hole [100,200) is acked: the held [200,300) is next, no need to wait for more
    assertEquals("D100 G100 D100", d.rec.events.toString());
    assertEquals(0, d.r.heldBytes());
  }

  @Test
  void ackBeyondEverythingSeenIsAGapWithNothingHeld() {
    Dir d = new Dir(ISN, stream(1000, 8)).syn();
    d.seg(0, 100);
    assertEquals(50, d.r.ack(d.seqOf(150), false), "the receiver got 50 bytes the sensor did not");
    assertEquals(0, d.r.missedBytes(), "not counted as Zeek's missed_bytes when the caller says so");
    assertEquals(50, d.r.gapBytes());
    d.seg(100, 200); // late copy: the first 50 are past, the rest is new
    assertEquals("D100 G50 D50", d.rec.events.toString());
    assertArrayEquals(concat(d.range(0, 100), d.range(150, 200)), d.rec.bytes());
  }

  @Test
  void ackOfTheFinIsNotAMissingByte() {
    Dir d = new Dir(ISN, stream(100, 9)).syn();
    d.seg(0, 50).seg(80, 100, true); // FIN at 100 held behind the hole [50,80)
    assertFalse(d.r.isClosed());
    d.ack(101); // acks the FIN: clamp to the FIN
    assertEquals("D50 G30 D20 C:FIN", d.rec.events.toString());
    assertEquals(30, d.r.missedBytes());
  }

  @Test
  void acksBelowOrAtTheStartAreIgnored() {
    Dir d = new Dir(ISN, stream(100, 10)).syn();
    d.seg(0, 50);
    d.r.ack(ISN, true); // acks the SYN's own sequence: offset -1, fine
    d.r.ack(ISN - 10, true); // before the stream: Zeek's TCP_ack_underflow_or_misorder
    d.r.ack(d.seqOf(20), true); // old ack
    assertEquals(1, d.get(ACK_UNDERFLOW));
    assertEquals(0, d.get(GAPS));
    assertEquals("D50", d.rec.events.toString());
  }

  @Test
  void partialConnectionKeepAliveAckIsNotAGap() {
    // mid-stream: the first segment seen is a 1-byte keep-alive at snd.nxt - 1; its ack acks one past
    // it (Zeek has a special case not to call that a gap; here the keep-alive byte started the stream)
    byte[] s = stream(10, 11);
    Dir d = new Dir(ISN, s);
    d.r.segment(5000, false, false, false, s, 0, 1, 0);
    assertEquals(0, d.r.ack(5001, true), "ack just past the keep-alive byte (delivered): nothing missing");
    assertEquals(0, d.r.ack(5000, true));
    d.r.ack(5003, true);
    assertEquals(2, d.r.gapBytes(), "a later ack past more is a gap");
  }

  // ------------------------------------------------------------------ caps

  @Test
  void perFlowCapSkipsTheOldestHole() {
    // 16-byte pages, cap 4 pages: segments of one page each, after a hole of 16 bytes at [0,16)
    byte[] s = stream(16 * 10, 12);
    Dir d = new Dir(ISN, s, new ReassemblyBudget(1 << 20, 16), 64, 100, 0).syn();
    d.seg(16, 32).seg(48, 64).seg(80, 96).seg(112, 128); // 4 pages held: [16,32) [48,64) [80,96) [112,128)
    assertEquals(4, d.r.heldPages());
    assertEquals(0, d.get(GAPS));
    d.seg(144, 160); // a 5th page: skip the hole [0,16), deliver [16,32); then 4 pages held
    assertEquals("G16 D16", d.rec.events.toString());
    assertEquals(1, d.get(GAPS_FLOW_CAP));
    assertEquals(16, d.get(GAP_BYTES_FLOW_CAP));
    assertEquals(4, d.r.heldPages());
    assertEquals(0, d.r.missedBytes(), "cap gaps are not Zeek missed_bytes");
    assertEquals(16, d.r.gapBytes(GapReason.FLOW_CAP), "what a cap notice for the flow reports");
    d.seg(32, 48); // fills the next hole: [32,48) and the held [48,64) follow
    assertEquals("G16 D16 D16 D16", d.rec.events.toString());
    d.close(CloseReason.END_OF_INPUT);
    assertEquals("G16 D16 D16 D16 G16 D16 G16 D16 G16 D16 C:END_OF_INPUT", d.rec.events.toString());
    assertEquals(3, d.get(GAPS_CLOSE));
    assertEquals(48, d.get(GAP_BYTES_CLOSE));
    assertEquals(0, d.budget.pagesInUse());
    assertEquals(160, d.rec.offset);
  }

  @Test
  void perFlowRangeLimitSkipsTheOldestHole() {
    byte[] s = stream(100, 13);
    Dir d = new Dir(ISN, s, new ReassemblyBudget(1 << 20, 4096), 4096, 3, 0).syn();
    d.seg(10, 20).seg(30, 40).seg(50, 60); // 3 ranges in one page
    d.seg(70, 80); // a 4th range: skip [0,10)
    assertEquals("G10 D10", d.rec.events.toString());
    assertEquals(3, d.r.heldRanges());
    assertEquals(1, d.get(GAPS_FLOW_CAP));
    d.seg(60, 70); // merges [50,60) [60,70) [70,80): no new range needed
    assertEquals(2, d.r.heldRanges());
    assertEquals(1, d.get(GAPS_FLOW_CAP));
  }

  @Test
  void aSegmentBiggerThanTheCapIsDeliveredAfterSkippingTheHoleBeforeIt() {
    byte[] s = stream(200, 14);
    Dir d = new Dir(ISN, s, new ReassemblyBudget(1 << 20, 16), 32, 10, 0).syn();
    d.seg(10, 20);
    d.seg(40, 100); // needs 4 pages, cap is 2: skip [0,10), deliver [10,20), skip [20,40), deliver it
    assertEquals("G10 D6 D4 G20 D60", d.rec.events.toString(), "held [10,20) is read from two 16-byte pages");
    assertEquals(60, d.rec.lastBuf.length, "delivered from the packet");
    assertEquals(2, d.get(GAPS_FLOW_CAP));
    assertEquals(30, d.get(GAP_BYTES_FLOW_CAP));
    assertEquals(0, d.r.heldPages());
  }

  @Test
  void budgetIsSharedAndNeverExceeded() {
    ReassemblyBudget budget = new ReassemblyBudget(4 * 16, 16); // 4 pages for the worker
    byte[] s = stream(16 * 8, 15);
    Dir a = new Dir(ISN, s, budget, 1 << 10, 100, 0).syn();
    Dir b = new Dir(7, s, budget, 1 << 10, 100, 0).syn();
    a.seg(16, 32).seg(48, 64).seg(80, 96); // a holds 3 pages
    b.seg(16, 32); // b holds the 4th
    assertEquals(4, budget.pagesInUse());
    b.seg(48, 64); // no page left: b skips its oldest hole and delivers [16,32), then holds [48,64)
    assertEquals("G16 D16", b.rec.events.toString());
    assertEquals(1, b.get(GAPS_BUDGET));
    assertEquals(16, b.get(GAP_BYTES_BUDGET));
    assertEquals(4, budget.pagesInUse());
    a.seg(112, 128); // a must give: skip [0,16), deliver [16,32), then the page is free for [112,128)
    assertEquals("G16 D16", a.rec.events.toString());
    assertEquals(1, a.get(GAPS_BUDGET));
    // b with nothing held and no page free: its new segment skips the hole before it, in order
    b.seg(32, 48); // fills: [32,48) [48,64) delivered from packet then page
    b.seg(96, 112);
    assertEquals(4, budget.pagesInUse());
    assertEquals(4, budget.peakPagesInUse(), "never more than the budget");
    assertEquals(4, budget.pagesCreated());
    a.close(CloseReason.TIMEOUT);
    b.close(CloseReason.TIMEOUT);
    assertEquals(0, budget.pagesInUse());
  }

  @Test
  void holdTimeoutSkipsAStaleHole() {
    byte[] s = stream(100, 16);
    Dir d = new Dir(ISN, s, new ReassemblyBudget(), 1 << 16, 10, 1_000);
    d.r.segment(d.seqOf(-1), true, false, false, s, 0, 0, 0);
    byte[] p = d.range(50, 60);
    d.r.segment(d.seqOf(50), false, false, false, p, 0, 10, 100); // held at t=100
    d.r.segment(d.seqOf(0), false, false, false, s, 0, 10, 900); // hole [10,50) still open
    assertEquals("D10", d.rec.events.toString());
    d.r.segment(d.seqOf(0), false, false, false, s, 0, 10, 1_100); // retransmission at t=1100: stale
    assertEquals("D10 G40 D10", d.rec.events.toString());
    assertEquals(1, d.get(GAPS_STALE));
  }

  // ------------------------------------------------------------------ FIN and RST

  @Test
  void finOutOfOrderClosesOnlyAfterTheDataBeforeIt() {
    Dir d = new Dir(ISN, stream(300, 17)).syn();
    d.fin(300); // FIN first, alone
    d.seg(200, 300).seg(0, 100);
    assertFalse(d.r.isClosed());
    d.seg(100, 200);
    assertEquals("D100 D100 D100 C:FIN", d.rec.events.toString());
    assertArrayEquals(d.stream, d.rec.bytes());
    d.seg(0, 100); // retransmission after close
    assertEquals(1, d.get(SEGMENTS_AFTER_CLOSE));
  }

  @Test
  void bytesPastTheFinAreDropped() {
    Dir d = new Dir(ISN, stream(300, 18)).syn();
    d.seg(150, 250); // held
    d.seg(0, 100, true); // FIN at 100: held [150,250) is past it
    assertEquals("D100 C:FIN", d.rec.events.toString());
    assertEquals(100, d.get(BYTES_AFTER_FIN));
    assertEquals(0, d.budget.pagesInUse());
    Dir e = new Dir(ISN, stream(300, 18)).syn();
    e.fin(100);
    e.seg(50, 150); // straddles the FIN
    assertEquals(50, e.get(BYTES_AFTER_FIN));
    e.fin(120);
    assertEquals(1, e.get(FIN_CONFLICT));
    e.seg(0, 50);
    assertEquals("D50 D50 C:FIN", e.rec.events.toString());
  }

  @Test
  void rstFlushesHeldDataWithGapsAndCloses() {
    Dir d = new Dir(ISN, stream(300, 19)).syn();
    d.seg(0, 100).seg(150, 200).seg(250, 300);
    byte[] junk = ascii("reset reason"); // RST payload is not stream data
    d.r.segment(d.seqOf(100), false, false, true, junk, 0, junk.length, 9);
    assertEquals("D100 G50 D50 G50 D50 C:RST", d.rec.events.toString());
    assertEquals(1, d.get(CLOSED_RST));
    assertEquals(0, d.r.missedBytes());
    assertEquals(2, d.get(GAPS_CLOSE));
    assertEquals(0, d.budget.pagesInUse());
    d.seg(100, 150);
    assertEquals(1, d.get(SEGMENTS_AFTER_CLOSE));
  }

  @Test
  void finThenRst() {
    Dir d = new Dir(ISN, stream(100, 20)).syn();
    d.seg(0, 100, true);
    d.r.segment(d.seqOf(101), false, false, true, d.stream, 0, 0, 5);
    assertEquals("D100 C:FIN", d.rec.events.toString());
    assertEquals(0, d.get(CLOSED_RST));
  }

  @Test
  void closeWithAHoleBeforeAKnownFinGapsUpToTheFin() {
    Dir d = new Dir(ISN, stream(100, 21)).syn();
    d.seg(0, 10).seg(20, 30).fin(100);
    d.close(CloseReason.TIMEOUT);
    assertEquals("D10 G10 D10 G70 C:TIMEOUT", d.rec.events.toString());
    d.close(CloseReason.END_OF_INPUT); // idempotent
    assertEquals(CloseReason.TIMEOUT, d.rec.closed);
  }

  // ------------------------------------------------------------------ starts

  @Test
  void midStreamStartTakesTheFirstSegmentCarryingData() {
    byte[] s = stream(500, 22);
    Dir d = new Dir(ISN, s);
    d.r.segment(d.seqOf(90), false, false, false, s, 0, 0, 0); // pure ACK: does not start the stream
    assertFalse(d.r.isStarted());
    d.seg(100, 200);
    assertTrue(d.r.isStarted());
    assertFalse(d.r.synSeen());
    d.seg(300, 400).seg(200, 300);
    d.seg(50, 100); // before the first byte seen: dropped
    d.seg(80, 150); // straddles it: the part before is dropped, the rest was delivered
    assertArrayEquals(d.range(100, 400), d.rec.bytes());
    assertEquals(70, d.get(BYTES_BEFORE_START));
    assertEquals(1, d.get(RETRANSMITTED_SEGMENTS));
    assertEquals(50, d.get(RETRANSMITTED_BYTES));
    d.r.segment(d.seqOf(-1), true, false, false, s, 0, 0, 9); // a late SYN at another place: ignored
    assertEquals(1, d.get(SYN_IGNORED));
  }

  @Test
  void zeroLengthSegmentsChangeNothing() {
    Dir d = new Dir(ISN, stream(100, 23)).syn();
    d.seg(0, 10);
    for (int at : new int[] {0, 10, 50, 5}) {
      d.r.segment(d.seqOf(at), false, false, false, d.stream, 0, 0, 1);
    }
    d.seg(10, 20);
    assertEquals("D10 D10", d.rec.events.toString());
    assertEquals(0, d.get(HELD_SEGMENTS) + d.get(RETRANSMITTED_SEGMENTS) + d.get(OVERLAP_SEGMENTS));
    assertEquals(7, d.get(SEGMENTS));
    d.fin(20); // an empty FIN in order closes
    assertEquals("D10 D10 C:FIN", d.rec.events.toString());
  }

  @Test
  void synWithDataIsTheStreamsFirstBytes() {
    byte[] s = ascii("fast open request, then more");
    Dir d = new Dir(ISN, s);
    d.r.segment(ISN, true, false, false, s, 0, 17, 0); // SYN carrying 17 bytes (TCP Fast Open)
    assertEquals("D17", d.rec.events.toString());
    d.r.segment(ISN, true, false, false, s, 0, 17, 1); // the SYN retransmitted with its data
    assertEquals(1, d.get(RETRANSMITTED_SEGMENTS));
    d.seg(17, s.length, true);
    assertArrayEquals(s, d.rec.bytes());
    assertEquals(CloseReason.FIN, d.rec.closed);
  }

  @Test
  void aNewSynBeforeAnyDataRestartsTheStream() {
    byte[] s = stream(40, 24);
    Dir d = new Dir(ISN, s).syn();
    d.r.segment(5_000, true, false, false, s, 0, 0, 1); // SYN retried with another ISN
    assertEquals(1, d.get(SYN_REINIT));
    d.r.segment(5_001, false, false, false, s, 0, 40, 2);
    assertArrayEquals(s, d.rec.bytes());
  }

  @Test
  void firstDataOutOfAnyWindowOfTheSynRestartsTheStream() {
    byte[] s = stream(100, 28);
    Dir d = new Dir(ISN, s).syn();
    long far = (ISN + 1 + (1L << 30) + 5) & 0xffffffffL; // past the largest window from the ISN
    assertEquals(0, d.r.ack(far + 60, true), "an ack that far with nothing delivered: the ISN is wrong");
    assertEquals(1, d.get(ReassemblyCounter.ACK_BEYOND_WINDOW));
    d.r.segment(far, false, false, false, s, 0, 60, 1);
    d.r.segment(far + 60, false, true, false, s, 60, 40, 2);
    assertArrayEquals(s, d.rec.bytes());
    assertEquals("D60 D40 C:FIN", d.rec.events.toString());
    assertEquals(1, d.get(ReassemblyCounter.STREAM_REBASED));
    // once data was delivered, a far segment is not a restart: it is held like any other
    Dir e = new Dir(ISN, s).syn();
    e.seg(0, 10);
    e.r.segment(far, false, false, false, s, 0, 10, 1);
    assertEquals(0, e.get(ReassemblyCounter.STREAM_REBASED));
    assertEquals(10, e.r.heldBytes());
  }

  // ------------------------------------------------------------------ reuse, arguments, counters

  @Test
  void resetReusesTheReassemblerAndCountsWhatWasNotClosed() {
    Dir d = new Dir(ISN, stream(100, 25)).syn();
    d.seg(50, 100);
    Recorder second = new Recorder();
    d.r.reset(second);
    assertEquals(50, d.get(ReassemblyCounter.DISCARDED_BYTES));
    assertEquals(0, d.budget.pagesInUse());
    d.r.segment(77, true, false, false, d.stream, 0, 0, 0);
    d.r.segment(78, false, true, false, d.stream, 0, 100, 1);
    assertArrayEquals(d.stream, second.bytes());
    assertEquals(CloseReason.FIN, second.closed);
    assertNull(d.rec.closed);
  }

  @Test
  void limitsAreChecked() {
    ReassemblyBudget b = new ReassemblyBudget(1 << 20, 4096);
    ReassemblyCounters c = new ReassemblyCounters();
    assertThrows(IllegalArgumentException.class, () -> new TcpReassembler(b, c, 100, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new TcpReassembler(b, c, 8192, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new ReassemblyBudget(1 << 20, 1000));
    assertThrows(IllegalArgumentException.class, () -> new ReassemblyBudget(100, 4096));
  }

  @Test
  void counterIdsAreUniqueConsecutiveAndDescribed() {
    Set<String> names = new HashSet<>();
    ReassemblyCounter[] all = ReassemblyCounter.values();
    for (int i = 0; i < all.length; i++) {
      assertEquals(i, all[i].id(), all[i].name());
      assertTrue(all[i].metricName().startsWith("tcp_reassembly_"), all[i].name());
      assertTrue(names.add(all[i].metricName()), all[i].name());
      assertFalse(all[i].description().isBlank(), all[i].name());
    }
    for (GapReason g : GapReason.values()) {
      assertTrue(g.gapsCounter().name().startsWith("GAPS_") && g.bytesCounter().name().startsWith("GAP_BYTES_"));
      assertEquals(g.gapsCounter().name().substring(5), g.bytesCounter().name().substring(10));
    }
    for (CloseReason r : CloseReason.values()) {
      assertEquals("CLOSED_" + r.name(), r.counter().name());
    }
  }

  @Test
  void gapCountersAddUp() {
    Dir d = new Dir(ISN, stream(1000, 26)).syn();
    d.seg(100, 200).ack(150).seg(400, 500);
    d.close(CloseReason.EVICTED);
    assertEquals(d.get(GAPS), d.get(GAPS_ACKED) + d.get(GAPS_CLOSE));
    assertEquals(d.get(GAP_BYTES), d.get(GAP_BYTES_ACKED) + d.get(GAP_BYTES_CLOSE));
    assertEquals(d.rec.gapBytes(), d.get(GAP_BYTES));
    assertEquals("G100 D100 G200 D100 C:EVICTED", d.rec.events.toString());
    assertEquals(1, d.get(ReassemblyCounter.CLOSED_EVICTED));
    assertEquals(100, d.r.gapBytes(GapReason.ACKED));
    assertEquals(200, d.r.gapBytes(GapReason.CLOSE));
    assertEquals(0, d.r.gapBytes(GapReason.FLOW_CAP));
  }
}
