package dev.nsm.sensor.app;

import static dev.nsm.sensor.app.AppPkt.ascii;
import static dev.nsm.sensor.app.AppPkt.tcp;
import static dev.nsm.sensor.app.AppPkt.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.parsers.packet.DecodedPacket;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hot-path rule with the application layer on: packets of flows it has nothing to parse
 * allocate nothing (state is made at a flow's first payload byte, from a pool, and given back once
 * the protocol is known to be none of DNS, TLS, HTTP; UDP flows are probed once each way).
 */
class AppAllocationTest {
  private static final int FLOWS = 300;
  private static final int ROUNDS = 30;

  private static long allocatedBy(Runnable r) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  private static void feed(AppHarness h, List<DecodedPacket> ps, int from, int to) {
    for (int i = from; i < to; i++) {
      DecodedPacket p = ps.get(i);
      h.table.advanceTime(p.tsNanos);
      h.table.onPacket(p);
    }
  }

  /** SSH-like TCP flows: banners, then binary data both ways. */
  private static List<DecodedPacket> sshFlows(int[] setupEnd) {
    List<DecodedPacket> ps = new ArrayList<>();
    double t = 1.0;
    long[] cseq = new long[FLOWS];
    long[] sseq = new long[FLOWS];
    for (int i = 0; i < FLOWS; i++) {
      String c = "10.1." + (i >> 8) + "." + (i & 255);
      cseq[i] = 1001;
      sseq[i] = 5001;
      ps.add(tcp(t, c, 40000, "10.2.0.1", 22, "S", 1000, 0));
      ps.add(tcp(t, "10.2.0.1", 22, c, 40000, "SA", 5000, 1001));
      ps.add(tcp(t, c, 40000, "10.2.0.1", 22, "A", 1001, 5001));
      byte[] sb = ascii("SSH-2.0-OpenSSH_9.2\r\n");
      byte[] cb = ascii("SSH-2.0-OpenSSH_9.3\r\n");
      ps.add(tcp(t, "10.2.0.1", 22, c, 40000, "PA", sseq[i], cseq[i], sb));
      sseq[i] += sb.length;
      ps.add(tcp(t, c, 40000, "10.2.0.1", 22, "PA", cseq[i], sseq[i], cb));
      cseq[i] += cb.length;
    }
    setupEnd[0] = ps.size();
    byte[] data = new byte[200];
    for (int r = 0; r < ROUNDS; r++) {
      for (int i = 0; i < FLOWS; i++) {
        String c = "10.1." + (i >> 8) + "." + (i & 255);
        t += 0.0001;
        ps.add(tcp(t, c, 40000, "10.2.0.1", 22, "PA", cseq[i], sseq[i], data));
        cseq[i] += data.length;
        ps.add(tcp(t, "10.2.0.1", 22, c, 40000, "PA", sseq[i], cseq[i], data));
        sseq[i] += data.length;
      }
    }
    return ps;
  }

  @Test
  void tcpFlowsOfNoKnownProtocolAllocateNothingOnceDecided() {
    // a small STARTTLS window, so that the flows are given up after a few rounds
    AppHarness h = new AppHarness(new AppConfig(256 << 10, 256, 64L << 20, 4096, 4096, 1024, false));
    int[] setup = new int[1];
    List<DecodedPacket> ps = sshFlows(setup);
    int warm = setup[0] + FLOWS * 2 * 10;
    feed(h, ps, 0, warm);
    long bytes = allocatedBy(() -> feed(h, ps, warm, ps.size()));
    int measured = ps.size() - warm;
    assertTrue(bytes < 32 * 1024, bytes + " bytes allocated for " + measured + " packets");
    assertEquals(FLOWS, h.count(AppCounter.TCP_FLOWS_UNDETECTED));
  }

  @Test
  void tcpFlowsWatchedForStarttlsAllocateNothingPerPacket() {
    // the default STARTTLS window (64 KiB each way): every measured packet is reassembled and looked at
    AppHarness h = new AppHarness();
    int[] setup = new int[1];
    List<DecodedPacket> ps = sshFlows(setup);
    int warm = setup[0] + FLOWS * 2 * 5;
    feed(h, ps, 0, warm);
    long segmentsBefore = h.counters.reassembly.get(dev.nsm.parsers.tcp.ReassemblyCounter.SEGMENTS);
    long bytes = allocatedBy(() -> feed(h, ps, warm, ps.size()));
    int measured = ps.size() - warm;
    assertEquals(measured, h.counters.reassembly.get(dev.nsm.parsers.tcp.ReassemblyCounter.SEGMENTS) - segmentsBefore,
        "every measured segment went through a reassembler");
    assertTrue(bytes < 32 * 1024, bytes + " bytes allocated for " + measured + " packets");
  }

  @Test
  void udpFlowsThatAreNotDnsAllocateNothing() {
    AppHarness h = new AppHarness();
    List<DecodedPacket> ps = new ArrayList<>();
    byte[] payload = ascii("not dns, not quic: some game protocol 0123456789");
    double t = 1.0;
    for (int r = 0; r < ROUNDS; r++) {
      for (int i = 0; i < FLOWS; i++) {
        String c = "10.3." + (i >> 8) + "." + (i & 255);
        t += 0.0001;
        ps.add(udp(t, c, 50000, "10.4.0.1", 53, payload));
        ps.add(udp(t, "10.4.0.1", 53, c, 50000, payload));
      }
    }
    int warm = FLOWS * 2 * 3;
    feed(h, ps, 0, warm);
    long bytes = allocatedBy(() -> feed(h, ps, warm, ps.size()));
    assertTrue(bytes < 32 * 1024, bytes + " bytes allocated for " + (ps.size() - warm) + " packets");
    assertEquals(FLOWS, h.count(AppCounter.UDP_FLOWS_PROBED));
    assertEquals(0, h.count(AppCounter.FLOWS_DNS));
  }
}
