package dev.nsm.parsers.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * What a segment costs, measured on this thread after warm-up: nanoseconds and bytes allocated per
 * segment (com.sun.management's per-thread allocation counter, which JMH's -prof gc also reads) on
 * the in-order path, the out-of-order path (every other segment held, then filled) and with a lost
 * segment acked every so often. The figures are printed; the test holds the allocation at ~0.
 */
class TcpReassemblerCostTest {
  private static final int MSS = 1448;

  /** A sink that touches what it gets, so that nothing is optimised away. */
  private static final class Sum implements StreamSink {
    long bytes;
    long gaps;
    long check;

    @Override
    public void onData(byte[] buf, int off, int len) {
      bytes += len;
      check += buf[off] + buf[off + len - 1];
    }

    @Override
    public void onGap(long n) {
      gaps += n;
    }

    @Override
    public void onClose(CloseReason reason) {}
  }

  /** Sends segment {@code i} of a flow whose next sequence number is {@code seq[f]}. */
  private interface Step {
    void segment(TcpReassembler r, long[] seq, int f, byte[][] pkts, int i);
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  private static double[] measure(String what, Step step, int n) {
    ReassemblyBudget budget = new ReassemblyBudget();
    ReassemblyCounters counters = new ReassemblyCounters();
    TcpReassembler[] flows = new TcpReassembler[64];
    Sum sink = new Sum();
    for (int i = 0; i < flows.length; i++) {
      flows[i] = new TcpReassembler(budget, counters);
    }
    byte[][] pkts = new byte[16][MSS + 54];
    for (int i = 0; i < pkts.length; i++) {
      java.util.Arrays.fill(pkts[i], (byte) i);
    }
    double[] result = null;
    for (int round = 0; round < 4; round++) { // rounds 0-1 warm up
      long[] seq = new long[flows.length];
      for (int f = 0; f < flows.length; f++) {
        flows[f].reset(sink);
        seq[f] = 1000L * f;
        flows[f].segment(seq[f], true, false, false, pkts[0], 0, 0, 0);
        seq[f]++;
      }
      long a0 = allocated();
      long t0 = System.nanoTime();
      for (int i = 0; i < n / flows.length; i++) { // the flows' segments interleaved, as on a link
        for (int f = 0; f < flows.length; f++) {
          step.segment(flows[f], seq, f, pkts, i);
        }
      }
      long t1 = System.nanoTime();
      long a1 = allocated();
      for (TcpReassembler f : flows) {
        f.close(CloseReason.END_OF_INPUT);
      }
      result = new double[] {(t1 - t0) / (double) n, (a1 - a0) / (double) n};
    }
    assertEquals(0, budget.pagesInUse());
    assertTrue(sink.bytes > 0);
    System.out.printf("tcp reassembly %-34s %6.1f ns/segment %7.3f B/segment%n", what, result[0], result[1]);
    return result;
  }

  @Test
  void costPerSegment() {
    int n = 2_000_000;
    double[] inOrder = measure("in order (zero copy)", (r, seq, f, pkts, i) -> {
      r.segment(seq[f], false, false, false, pkts[i & 15], 54, MSS, i);
      seq[f] += MSS;
    }, n);
    double[] swapped = measure("pairs swapped (every other held)", (r, seq, f, pkts, i) -> {
      if ((i & 1) == 0) {
        r.segment(seq[f] + MSS, false, false, false, pkts[i & 15], 54, MSS, i);
      } else {
        r.segment(seq[f], false, false, false, pkts[i & 15], 54, MSS, i);
        seq[f] += 2 * MSS;
      }
    }, n);
    double[] lossy = measure("1 in 50 lost, acked 10 later", (r, seq, f, pkts, i) -> {
      long s = seq[f] + (long) i * MSS;
      if (i % 50 != 7) {
        r.segment(s & 0xffffffffL, false, false, false, pkts[i & 15], 54, MSS, i);
      }
      if (i % 50 == 17) {
        r.ack((s + MSS) & 0xffffffffL, true);
      }
    }, n);
    for (double[] m : new double[][] {inOrder, swapped, lossy}) {
      assertTrue(m[1] < 0.01, "no allocation per segment once warm: " + m[1] + " B/segment");
    }
  }
}
