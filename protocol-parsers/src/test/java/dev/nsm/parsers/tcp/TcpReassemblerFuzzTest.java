package dev.nsm.parsers.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.FuzzChunks;

/**
 * Jazzer target for {@link TcpReassembler}: an arbitrary sequence of segments, acks and closes on the
 * two directions of one connection, sharing a small budget (tight caps, a hold timeout), so every gap
 * reason is reachable. Each op is a {@link FuzzChunks} chunk; its head:
 *
 * <pre>
 *   bit 0     direction (1 = client)        bit 3  SYN     bit 6  the ack counts as missed bytes
 *   bits 1-2  0 segment: seq (4) + payload   bit 4  FIN     bit 7  10 s pass before it (else 1 ms)
 *             1 ack of the OTHER direction's stream: ack (4)
 *             2 close this direction          bit 5  RST
 *             3 segment, as 0
 * </pre>
 *
 * The payload's bytes are not the fuzzer's: the byte at sequence number s is {@code (byte) s},
 * so every copy of a sequence number carries the same byte and a delivered byte tells where it came
 * from. Asserted, beyond "no exception": the sink contract (data and gaps non-empty, nothing after the
 * single close); each delivered byte sits at its stream offset ({@code byte - offset} is constant per
 * direction: no byte delivered twice, lost without a gap, or shifted); delivered + gap bytes = the
 * offset reached, per direction and in the counters; no "inconsistent overlap" (there can be none);
 * pages within the flow cap and the budget, all back once both directions closed; the number of sink
 * calls bounded by the number of ops.
 */
class TcpReassemblerFuzzTest {
  private static final int PAGE = 64;
  private static final int FLOW_CAP = 8 * PAGE;
  private static final int MAX_RANGES = 4;
  private static final long HOLD_TIMEOUT = 5_000_000_000L;
  /** A packet: a fake 20-byte header, then the payload (written per segment; one per JVM, not per input). */
  private static final byte[] PKT = new byte[20 + 65535];

  /** Checks each call against the contract and the "byte = low byte of its sequence number" rule. */
  static final class Sink implements StreamSink {
    long offset;
    long delivered;
    long gapBytes;
    long calls;
    int shift = -1;
    CloseReason closed;

    @Override
    public void onData(byte[] buf, int off, int len) {
      assertNull(closed, "data after close");
      assertTrue(len > 0 && off >= 0 && off + len <= buf.length, "delivery [" + off + ", +" + len + ") of " + buf.length);
      for (int i = 0; i < len; i++) {
        int s = (buf[off + i] - (int) (offset + i)) & 0xff;
        if (shift < 0) {
          shift = s;
        }
        assertEquals(shift, s, "byte at stream offset " + (offset + i) + " is not the one sent there");
      }
      offset += len;
      delivered += len;
      calls++;
    }

    @Override
    public void onGap(long bytes) {
      assertNull(closed, "gap after close");
      assertTrue(bytes > 0, "empty gap");
      offset += bytes;
      gapBytes += bytes;
      calls++;
    }

    @Override
    public void onClose(CloseReason reason) {
      assertNull(closed, "closed twice");
      closed = reason;
      calls++;
    }
  }

  @FuzzTest
  void segments(byte[] data) {
    ReassemblyBudget budget = new ReassemblyBudget(12 * PAGE, PAGE);
    ReassemblyCounters counters = new ReassemblyCounters();
    TcpReassembler[] r = new TcpReassembler[2];
    Sink[] sink = new Sink[2];
    for (int i = 0; i < 2; i++) {
      r[i] = new TcpReassembler(budget, counters, FLOW_CAP, MAX_RANGES, i == 1 ? HOLD_TIMEOUT : 0);
      sink[i] = new Sink();
      r[i].reset(sink[i]);
    }
    byte[] pkt = PKT;
    FuzzChunks in = new FuzzChunks(data);
    long ts = 1_000_000_000L;
    long ops = 0;
    long acksAndCloses = 0;
    while (in.next()) {
      ops++;
      int h = in.head;
      int dir = h & 1;
      ts += (h & 0x80) != 0 ? 10_000_000_000L : 1_000_000L;
      switch ((h >>> 1) & 3) {
        case 1:
          acksAndCloses++;
          r[1 - dir].ack(in.u32(0), (h & 0x40) != 0);
          break;
        case 2:
          acksAndCloses++;
          r[dir].close(CloseReason.TIMEOUT);
          break;
        default: {
          long seq = in.u32(0);
          int len = Math.max(0, in.len - 4);
          long first = (h & 8) != 0 ? seq + 1 : seq; // a SYN takes one sequence number before its data
          for (int i = 0; i < len; i++) {
            pkt[20 + i] = (byte) (first + i);
          }
          r[dir].segment(seq, (h & 8) != 0, (h & 16) != 0, (h & 32) != 0, pkt, 20, len, ts);
          break;
        }
      }
      for (int i = 0; i < 2; i++) {
        assertEquals(sink[i].offset, r[i].nextOffset(), "next offset = delivered + gap bytes");
        assertEquals(sink[i].delivered, r[i].deliveredBytes());
        assertEquals(sink[i].gapBytes, r[i].gapBytes());
        assertTrue(r[i].heldPages() * PAGE <= FLOW_CAP && r[i].heldRanges() <= MAX_RANGES,
            "flow cap: " + r[i].heldPages() + " pages, " + r[i].heldRanges() + " ranges");
        assertTrue(r[i].heldBytes() <= (long) r[i].heldPages() * PAGE);
        assertEquals(sink[i].closed != null, r[i].isClosed());
      }
      assertTrue(budget.pagesInUse() <= budget.maxPages(), "budget: " + budget.pagesInUse());
      assertEquals(budget.pagesInUse(), r[0].heldPages() + r[1].heldPages(), "pages in use = pages held");
    }
    for (int i = 0; i < 2; i++) {
      r[i].close(CloseReason.END_OF_INPUT);
      assertTrue(sink[i].closed != null, "close() closes");
      assertEquals(0, r[i].heldBytes());
    }
    assertEquals(0, budget.pagesInUse(), "every page back in the pool");
    assertEquals(0, counters.get(ReassemblyCounter.INCONSISTENT_OVERLAPS), "copies of a byte are all alike here");
    assertEquals(sink[0].delivered + sink[1].delivered, counters.get(ReassemblyCounter.DELIVERED_BYTES));
    assertEquals(sink[0].gapBytes + sink[1].gapBytes, counters.get(ReassemblyCounter.GAP_BYTES));
    long byReason = 0;
    for (GapReason g : GapReason.values()) {
      byReason += counters.get(g.bytesCounter());
    }
    assertEquals(counters.get(ReassemblyCounter.GAP_BYTES), byReason, "gap bytes by reason add up");
    assertEquals(ops, counters.get(ReassemblyCounter.SEGMENTS) + acksAndCloses, "each segment counted once");
    // each op delivers what it brought, drains held ranges (each made by one earlier op) and gaps
    // before them: a bounded number of calls
    assertTrue(sink[0].calls + sink[1].calls <= 4 * (ops + 1), "sink calls " + (sink[0].calls + sink[1].calls) + " for " + ops + " ops");
  }
}
