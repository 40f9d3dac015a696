package dev.nsm.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.parsers.packet.DecodedPacket;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The per-packet path allocates nothing once a flow exists (the hot-path rule). */
class AllocationTest {
  @Test
  void packetsOfExistingFlowsAllocateNothing() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(4096));
    int flows = 500;
    int rounds = 40;
    // Every packet is built before measuring: a client segment and the server's ack, per flow and round.
    DecodedPacket[] setup = new DecodedPacket[flows * 3];
    DecodedPacket[] traffic = new DecodedPacket[flows * rounds * 2];
    double t = 1.0;
    for (int i = 0; i < flows; i++) {
      String c = "10.1." + (i >> 8) + "." + (i & 255);
      setup[3 * i] = Pkt.tcp(t, c, 40000, "10.2.0.1", 80, "S", 1000, 0, 0);
      setup[3 * i + 1] = Pkt.tcp(t, "10.2.0.1", 80, c, 40000, "SA", 5000, 1001, 0);
      setup[3 * i + 2] = Pkt.tcp(t, c, 40000, "10.2.0.1", 80, "A", 1001, 5001, 0);
    }
    int n = 0;
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < flows; i++) {
        String c = "10.1." + (i >> 8) + "." + (i & 255);
        t += 0.0001;
        long seq = 1001 + r * 100L;
        traffic[n++] = Pkt.tcp(t, c, 40000, "10.2.0.1", 80, "PA", seq, 5001, 100);
        // every 4th round the ack skips ahead: a content gap; otherwise in order
        long ackTo = seq + 100 + (r % 4 == 3 ? 50 : 0);
        traffic[n++] = Pkt.tcp(t, "10.2.0.1", 80, c, 40000, "A", 5001, ackTo, 0);
      }
    }
    h.feed(setup);
    h.feed(java.util.Arrays.copyOf(traffic, flows * 2 * 4)); // warm up (JIT, range arrays)

    long before = mx.getCurrentThreadAllocatedBytes();
    for (int i = flows * 2 * 4; i < traffic.length; i++) {
      h.table.advanceTime(traffic[i].tsNanos);
      h.table.onPacket(traffic[i]);
    }
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    int measured = traffic.length - flows * 2 * 4;
    assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + measured + " packets");

    assertEquals(flows, h.table.size());
    dev.nsm.proto.v1.Flow f = h.flush().get(0);
    assertEquals("S1", f.getConnState());
    assertTrue(f.getMissedBytes() > 0);
  }
}
