package dev.nsm.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.lmax.disruptor.RingBuffer;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.LinkType;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.sensor.app.AppConfig;
import dev.nsm.sensor.app.AppCounters;
import dev.nsm.sensor.app.AppLayer;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowObserver;
import dev.nsm.sensor.flow.FlowTable;
import dev.nsm.proto.v1.EndReason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An unexpected exception while a worker handles a packet (a bug: parsers report malformations as
 * counted outcomes, never by throwing) is logged with the packet's number in the input, counted
 * (worker errors) and the worker goes on with the next packet: later packets still make their flows.
 * The bug is planted by an observer of the flow table that throws on UDP port 666 (the real
 * application layer catches its own parsers' failures; this one stands for a bug outside them).
 */
class FlowWorkerErrorTest {
  @Test
  void aThrowingPacketIsLoggedCountedAndTheWorkerGoesOn() {
    List<Flow> flows = new ArrayList<>();
    RecordSink sink = (Event e) -> {
      if (e.hasFlow()) {
        flows.add(e.getFlow());
      }
    };
    FlowObserver buggy = new FlowObserver() {
      @Override
      public void onTcp(dev.nsm.sensor.flow.Flow f, boolean fromA, DecodedPacket p) {}

      @Override
      public void onUdp(dev.nsm.sensor.flow.Flow f, boolean fromA, DecodedPacket p) {
        if (p.dstPort == 666) {
          throw new IllegalStateException("planted bug");
        }
        if (p.dstPort == 667) {
          throw new StackOverflowError("planted recursion");
        }
      }

      @Override
      public void onEnd(dev.nsm.sensor.flow.Flow f, EndReason reason) {}
    };
    FlowCounters fc = new FlowCounters();
    FlowTable table = new FlowTable(FlowConfig.defaults().withMaxFlows(1024), sink, fc, buggy);
    AppLayer app = new AppLayer(AppConfig.defaults(), sink, new AppCounters());
    FlowWorker worker = new FlowWorker(0, table, fc, app, new CountDownLatch(1));
    RingBuffer<PacketSlot> ring = RingBuffer.createSingleProducer(PacketSlot::new, 64);
    Ingest ingest = new Ingest(ring, 1, new IpDefragmenter(), new PipelineCounters(), sink);

    Logger log = (Logger) LoggerFactory.getLogger(FlowWorker.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try {
      int[] ports = {53, 666, 80, 667, 443};
      long ts = 1_700_000_000_000_000_000L;
      for (int i = 0; i < ports.length; i++) {
        byte[] f = udpFrame(40000 + i, ports[i], 10);
        ingest.onPacket(ts + i * 1_000_000L, LinkType.ETHERNET, ByteBuffer.wrap(f), 0, f.length, f.length);
        long seq = ring.getCursor();
        worker.onEvent(ring.get(seq), seq, true);
      }
      long seq = ring.next();
      ring.get(seq).shard = PacketSlot.END_OF_INPUT;
      ring.publish(seq);
      worker.onEvent(ring.get(seq), seq, true);
    } finally {
      log.detachAppender(logged);
    }

    assertEquals(2, worker.errors, "packets 2 and 4 threw");
    assertEquals(2, logged.list.size());
    // the packet's number in the input (1-based, as tshark's frame.number)
    assertEquals("worker 0: packet #2 failed; skipped", logged.list.get(0).getFormattedMessage());
    assertEquals("worker 0: packet #4 failed; skipped", logged.list.get(1).getFormattedMessage());
    assertEquals("planted bug", logged.list.get(0).getThrowableProxy().getMessage());
    assertEquals("planted recursion", logged.list.get(1).getThrowableProxy().getMessage());
    // every packet still has its flow: the flow table did its accounting before the observer threw,
    // and the packets after each failure were handled
    assertEquals(5, flows.size());
    List<Integer> resp = new ArrayList<>();
    for (Flow f : flows) {
      resp.add(f.getRespP());
      assertEquals(1, f.getOrigPkts());
    }
    resp.sort(null);
    assertEquals(List.of(53, 80, 443, 666, 667), resp);
  }

  /** Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) + UDP with {@code len} payload bytes. */
  static byte[] udpFrame(int sport, int dport, int len) {
    byte[] b = new byte[14 + 20 + 8 + len];
    b[12] = 0x08; // IPv4
    int ip = 14;
    b[ip] = 0x45;
    int total = 20 + 8 + len;
    b[ip + 2] = (byte) (total >> 8);
    b[ip + 3] = (byte) total;
    b[ip + 8] = 64;
    b[ip + 9] = 17;
    b[ip + 12] = 10;
    b[ip + 15] = 1;
    b[ip + 16] = 10;
    b[ip + 19] = 2;
    int sum = 0;
    for (int i = 0; i < 20; i += 2) {
      sum += ((b[ip + i] & 0xff) << 8) | (b[ip + i + 1] & 0xff);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
    b[ip + 10] = (byte) (sum >> 8);
    b[ip + 11] = (byte) sum;
    int u = ip + 20;
    b[u] = (byte) (sport >> 8);
    b[u + 1] = (byte) sport;
    b[u + 2] = (byte) (dport >> 8);
    b[u + 3] = (byte) dport;
    b[u + 4] = (byte) ((8 + len) >> 8);
    b[u + 5] = (byte) (8 + len);
    return b;
  }
}
