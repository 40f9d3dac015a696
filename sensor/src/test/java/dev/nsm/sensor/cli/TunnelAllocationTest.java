package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.LinkType;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.parsers.packet.TunnelSettings;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * A VXLAN packet's whole per-packet path (decode with the outer layer kept, the outer flow updated in
 * the ingest thread's table, which names the parent uid, then the inner flow in a worker's) allocates
 * nothing once its flows exist.
 */
class TunnelAllocationTest {
  @Test
  void vxlanPacketsOfExistingFlowsAllocateNothing() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int flows = 300;
    int rounds = 30;
    byte[][] frames = new byte[flows * rounds][];
    long[] ts = new long[frames.length];
    int n = 0;
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < flows; i++) {
        byte[] udp = new byte[8 + 12];
        ByteBuffer.wrap(udp).putShort((short) (20000 + i)).putShort((short) 5353).putShort((short) udp.length);
        byte[] inner = TunnelParentsTest.eth(TunnelParentsTest.ip(1, 2, 10, 17, udp));
        byte[] vx = new byte[8 + inner.length];
        vx[0] = 0x08;
        vx[6] = 7;
        System.arraycopy(inner, 0, vx, 8, inner.length);
        byte[] outer = new byte[8 + vx.length];
        ByteBuffer.wrap(outer).putShort((short) (50000 + i % 64)).putShort((short) 4789).putShort((short) outer.length);
        System.arraycopy(vx, 0, outer, 8, vx.length);
        frames[n] = TunnelParentsTest.eth(TunnelParentsTest.ip(1, 2, 192, 17, outer));
        ts[n] = 1_700_000_000_000_000_000L + n * 1_000_000L;
        n++;
      }
    }
    PacketDecoder decoder = new PacketDecoder(new IpDefragmenter(), TunnelSettings.defaults());
    DecodedPacket p = new DecodedPacket();
    long[] records = {0};
    FlowTable outerTable = new FlowTable(FlowConfig.defaults().withMaxFlows(4096), e -> records[0]++, new FlowCounters());
    FlowTable table = new FlowTable(FlowConfig.defaults().withMaxFlows(4096), e -> records[0]++, new FlowCounters());
    int warm = flows * 4;
    long before = 0;
    for (int i = 0; i < frames.length; i++) {
      if (i == warm) {
        before = mx.getCurrentThreadAllocatedBytes();
      }
      byte[] f = frames[i];
      assertEquals(DecodeResult.OK, decoder.decode(f, f.length, f.length, LinkType.ETHERNET, ts[i], p));
      outerTable.advanceTime(ts[i]);
      table.advanceTime(ts[i]);
      outerTable.onPacket(p.outer[0]);
      p.parentUid = outerTable.lastFlowUid();
      assertTrue(p.parentUid != 0);
      table.onPacket(p);
    }
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + (frames.length - warm) + " packets");
    assertEquals(flows, table.size(), "300 inner flows");
    assertEquals(64, outerTable.size(), "64 outer ones");
    assertEquals(0, records[0]);
  }
}
