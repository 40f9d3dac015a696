package dev.nsm.parsers.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random streams cut into random segments, reordered, duplicated, re-cut on retransmission and
 * partly dropped, with the receiver's acks in between (fixed seeds: a failure names its seed and
 * replays). Whatever happens, the sink gets the stream: every byte delivered is the stream's byte at
 * that offset, delivered bytes plus gap bytes make the stream's length, and the budget holds.
 * With room to hold everything, the gaps are exactly the dropped bytes.
 */
class TcpReassemblerPropertyTest {

  /** One segment as sent: stream bytes [from, to), whether the capture lost it. */
  private record Seg(int from, int to, boolean fin, boolean dropped) {}

  /** A send/capture schedule of one stream. */
  private static final class Trace {
    final byte[] stream;
    final long isn;
    final List<Seg> order = new ArrayList<>(); // capture order (dropped ones included: the receiver got them)
    final BitSet dropped = new BitSet();

    Trace(byte[] stream, long isn) {
      this.stream = stream;
      this.isn = isn;
    }
  }

  private static Trace trace(Random rnd, int length, boolean drops, int maxSeg) {
    byte[] stream = new byte[length];
    rnd.nextBytes(stream);
    long isn = rnd.nextInt(4) == 0 ? 0xffffffffL - rnd.nextInt(length + 1) : rnd.nextLong() & 0xffffffffL;
    Trace t = new Trace(stream, isn);
    // cut into segments
    List<Seg> segs = new ArrayList<>();
    for (int p = 0; p < length; ) {
      int n = Math.min(length - p, 1 + rnd.nextInt(maxSeg));
      boolean last = p + n == length;
      boolean drop = drops && !last && rnd.nextInt(8) == 0; // the FIN segment always arrives
      segs.add(new Seg(p, p + n, last, drop));
      if (drop) {
        t.dropped.set(p, p + n);
      }
      p += n;
    }
    // retransmissions: a copy of a kept segment, or of a piece of it, or re-cut across two kept ones
    List<Seg> all = new ArrayList<>(segs);
    int extra = rnd.nextInt(segs.size() / 2 + 1);
    for (int i = 0; i < extra; i++) {
      Seg s = segs.get(rnd.nextInt(segs.size()));
      int a = s.from() + rnd.nextInt(s.to() - s.from());
      int b = a + 1 + rnd.nextInt(s.to() - a);
      if (rnd.nextBoolean() && b == s.to() && segs.indexOf(s) + 1 < segs.size()) {
        Seg n = segs.get(segs.indexOf(s) + 1);
        b = n.from() + 1 + rnd.nextInt(n.to() - n.from());
      }
      if (!t.dropped.get(a, b).isEmpty()) {
        continue; // a copy of dropped bytes would fill the hole: keep dropped bytes missing
      }
      all.add(new Seg(a, b, b == length, false));
    }
    // reorder: mostly local swaps (what networks do), sometimes a segment thrown far ahead
    Collections.sort(all, (x, y) -> Integer.compare(x.from(), y.from()));
    for (int i = 0; i < all.size(); i++) {
      int r = rnd.nextInt(10);
      int j = r < 6 ? i : r < 9 ? Math.min(all.size() - 1, i + 1 + rnd.nextInt(4)) : rnd.nextInt(all.size());
      Collections.swap(all, i, j);
    }
    t.order.addAll(all);
    return t;
  }

  /** Feeds a trace; acks are what the receiver (which got every segment, dropped or not) would send. */
  private static void feed(Trace t, TcpReassembler r, Random rnd, boolean acks) {
    r.segment(t.isn, true, false, false, t.stream, 0, 0, 0);
    BitSet received = new BitSet();
    long ts = 1;
    for (Seg s : t.order) {
      received.set(s.from(), s.to());
      if (!s.dropped()) {
        byte[] pkt = new byte[s.to() - s.from() + 20]; // payload after a fake header
        System.arraycopy(t.stream, s.from(), pkt, 20, s.to() - s.from());
        r.segment(t.isn + 1 + s.from(), false, s.fin(), false, pkt, 20, s.to() - s.from(), ts++);
      }
      if (acks && rnd.nextInt(3) == 0) {
        int upTo = received.nextClearBit(0); // cumulative ack of the contiguous prefix received
        r.ack(t.isn + 1 + upTo + (upTo == t.stream.length ? 1 : 0), true);
      }
    }
    r.close(CloseReason.END_OF_INPUT);
  }

  private static BitSet gapBits(Recorder rec) {
    BitSet b = new BitSet();
    for (long[] g : rec.gaps) {
      b.set((int) g[0], (int) (g[0] + g[1]));
    }
    return b;
  }

  @Test
  void withoutDropsTheStreamIsDeliveredExactly() {
    ReassemblyCounters total = new ReassemblyCounters();
    for (int seed = 0; seed < 300; seed++) {
      Random rnd = new Random(seed);
      Trace t = trace(rnd, 1 + rnd.nextInt(60_000), false, 1 + rnd.nextInt(3000));
      ReassemblyBudget budget = new ReassemblyBudget(64L << 20, rnd.nextBoolean() ? 4096 : 64);
      ReassemblyCounters c = new ReassemblyCounters();
      TcpReassembler r = new TcpReassembler(budget, c, 1 << 20, 100_000, 0);
      Recorder rec = new Recorder();
      r.reset(rec);
      feed(t, r, rnd, rnd.nextBoolean());
      String ctx = "seed " + seed + " " + c;
      assertArrayEquals(t.stream, rec.bytes(), ctx);
      assertEquals(0, rec.gaps.size(), ctx);
      assertEquals(CloseReason.FIN, rec.closed, ctx);
      assertEquals(t.stream.length, c.get(ReassemblyCounter.DELIVERED_BYTES), ctx);
      assertEquals(0, budget.pagesInUse(), ctx);
      assertEquals(0, c.get(ReassemblyCounter.INCONSISTENT_OVERLAPS), ctx);
      total.add(c);
    }
    // the traces did exercise holding, overlaps and retransmissions
    assertTrue(total.get(ReassemblyCounter.HELD_SEGMENTS) > 1000, total.toString());
    assertTrue(total.get(ReassemblyCounter.OVERLAP_SEGMENTS) > 100, total.toString());
    assertTrue(total.get(ReassemblyCounter.RETRANSMITTED_SEGMENTS) > 100, total.toString());
  }

  @Test
  void withDropsTheGapsAreExactlyTheDroppedBytes() {
    int withGaps = 0;
    for (int seed = 0; seed < 300; seed++) {
      Random rnd = new Random(1000 + seed);
      Trace t = trace(rnd, 1 + rnd.nextInt(60_000), true, 1 + rnd.nextInt(3000));
      ReassemblyBudget budget = new ReassemblyBudget(64L << 20, rnd.nextBoolean() ? 4096 : 64);
      ReassemblyCounters c = new ReassemblyCounters();
      TcpReassembler r = new TcpReassembler(budget, c, 1 << 20, 100_000, 0);
      Recorder rec = new Recorder();
      r.reset(rec);
      boolean acks = rnd.nextBoolean();
      feed(t, r, rnd, acks);
      String ctx = "seed " + (1000 + seed) + " " + c;
      assertEquals(t.stream.length, rec.offset, ctx + ": delivered + gap bytes = stream length");
      assertEquals(t.dropped, gapBits(rec), ctx + ": gaps where segments were dropped, nowhere else");
      byte[] expect = t.stream.clone();
      byte[] got = rec.withGapsFilled((byte) 0);
      for (int i = t.dropped.nextSetBit(0); i >= 0; i = t.dropped.nextSetBit(i + 1)) {
        expect[i] = 0;
      }
      assertArrayEquals(expect, got, ctx);
      assertEquals(t.dropped.cardinality(), r.gapBytes(), ctx);
      assertEquals(c.get(ReassemblyCounter.GAP_BYTES), c.get(ReassemblyCounter.GAP_BYTES_ACKED)
          + c.get(ReassemblyCounter.GAP_BYTES_CLOSE), ctx + ": no cap was hit");
      if (!acks) {
        assertEquals(0, r.missedBytes(), ctx);
      }
      // the FIN is reached unless a hole before it was still open at the end
      assertEquals(t.dropped.isEmpty() || (acks && rec.closed == CloseReason.FIN) ? CloseReason.FIN
          : rec.closed, rec.closed, ctx);
      assertTrue(rec.closed == CloseReason.FIN || rec.closed == CloseReason.END_OF_INPUT, ctx);
      assertEquals(0, budget.pagesInUse(), ctx);
      withGaps += t.dropped.isEmpty() ? 0 : 1;
    }
    assertTrue(withGaps > 200, "most traces lost something: " + withGaps);
  }

  @Test
  void underTightCapsEveryDeliveredByteIsRightAndTheBudgetHolds() {
    // Three flows interleaved on one small budget and small per-flow caps: holes get skipped early
    // (so late copies of them are dropped), but nothing wrong is ever delivered.
    ReassemblyCounters total = new ReassemblyCounters();
    for (int seed = 0; seed < 200; seed++) {
      Random rnd = new Random(5000 + seed);
      int pageSize = 16 << rnd.nextInt(5);
      ReassemblyBudget budget = new ReassemblyBudget(pageSize * (2 + rnd.nextInt(12)), pageSize);
      ReassemblyCounters c = new ReassemblyCounters();
      int n = 3;
      Trace[] t = new Trace[n];
      TcpReassembler[] r = new TcpReassembler[n];
      Recorder[] rec = new Recorder[n];
      int[] pos = new int[n];
      BitSet[] received = new BitSet[n];
      for (int i = 0; i < n; i++) {
        t[i] = trace(rnd, 1 + rnd.nextInt(20_000), rnd.nextBoolean(), 1 + rnd.nextInt(1500));
        r[i] = new TcpReassembler(budget, c, pageSize * (1 + rnd.nextInt(6)), 1 + rnd.nextInt(8),
            rnd.nextInt(3) == 0 ? 5 : 0);
        rec[i] = new Recorder();
        r[i].reset(rec[i]);
        r[i].segment(t[i].isn, true, false, false, t[i].stream, 0, 0, 0);
        received[i] = new BitSet();
      }
      long ts = 1;
      for (int left = n; left > 0; ) {
        int i = rnd.nextInt(n);
        if (pos[i] == t[i].order.size()) {
          continue;
        }
        Seg s = t[i].order.get(pos[i]++);
        received[i].set(s.from(), s.to());
        if (!s.dropped()) {
          byte[] pkt = Arrays.copyOfRange(t[i].stream, s.from(), s.to());
          r[i].segment(t[i].isn + 1 + s.from(), false, s.fin(), false, pkt, 0, pkt.length, ts++);
        }
        if (rnd.nextInt(4) == 0) {
          r[i].ack(t[i].isn + 1 + received[i].nextClearBit(0), rnd.nextBoolean());
        }
        assertTrue(budget.pagesInUse() <= budget.maxPages(), "seed " + (5000 + seed));
        if (pos[i] == t[i].order.size()) {
          left--;
        }
      }
      for (int i = 0; i < n; i++) {
        r[i].close(CloseReason.END_OF_INPUT);
        String ctx = "seed " + (5000 + seed) + " flow " + i + " " + c;
        assertEquals(t[i].stream.length, rec[i].offset, ctx + ": delivered + gap bytes = stream length");
        BitSet gaps = gapBits(rec[i]);
        BitSet missingNotGapped = (BitSet) t[i].dropped.clone();
        missingNotGapped.andNot(gaps);
        assertTrue(missingNotGapped.isEmpty(), ctx + ": every dropped byte is inside a gap");
        byte[] got = rec[i].withGapsFilled((byte) 0);
        for (int k = 0; k < got.length; k++) {
          if (!gaps.get(k) && got[k] != t[i].stream[k]) {
            throw new AssertionError(ctx + ": wrong byte at " + k);
          }
        }
        assertTrue(rec[i].closed == CloseReason.FIN || rec[i].closed == CloseReason.END_OF_INPUT, ctx);
      }
      assertTrue(budget.peakPagesInUse() <= budget.maxPages());
      assertTrue(budget.pagesCreated() <= budget.maxPages());
      assertEquals(0, budget.pagesInUse());
      total.add(c);
    }
    for (ReassemblyCounter k : new ReassemblyCounter[] {ReassemblyCounter.GAPS_FLOW_CAP,
        ReassemblyCounter.GAPS_BUDGET, ReassemblyCounter.GAPS_STALE, ReassemblyCounter.GAPS_ACKED,
        ReassemblyCounter.GAPS_CLOSE}) {
      assertTrue(total.get(k) > 10, k + " exercised: " + total);
    }
  }
}
