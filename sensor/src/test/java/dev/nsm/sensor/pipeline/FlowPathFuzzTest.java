package dev.nsm.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.lmax.disruptor.RingBuffer;
import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.LinkType;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.sensor.FuzzChunks;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import dev.nsm.sensor.output.JsonLines;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Jazzer target for the whole packet path but the threads: {@link Ingest} (copy into the ring slot,
 * decode, defragment, shard) then {@link FlowWorker} (flow table, timers, records) on arbitrary packets,
 * then the records as JSON lines. One worker; the ring is drained after each packet by calling the
 * worker as the Disruptor would. A small table (16 flows) and defragmenter, so evictions happen.
 *
 * <p>The input is a sequence of {@link FuzzChunks}, an Ethernet frame each (seeds: every capture in
 * testdata/), whose head is the time step before it: 0 to 249 steps of 10 ms, 250 to 254 that many
 * times 100 s (flow timeouts), 255 back 1 s (clocks do).
 *
 * <p>Asserted, beyond "no exception" (the worker counts and logs an exception as a bug: here it must
 * never happen): decode outcomes add up to the packets read; flows made = records written + flows
 * open, records = the sum of their end reasons, open flows within the table's bound, none left after
 * the end of input; every packet that has a flow is in exactly one record (packets and IP bytes of
 * all records = those of the packets); each record has a packet, prints as JSON, and a duration not
 * negative, even when packet time goes back (crash-b96447ad...: last_ts before ts, fixed in Flow.seen).
 */
class FlowPathFuzzTest {
  private static final int MAX_FLOWS = 16;
  private static final long MAX_FLOW_BYTES = 10 << 10;
  private static final int MAX_DNS_PENDING = 4;

  @FuzzTest
  void packets(byte[] data) {
    List<Flow> records = new ArrayList<>();
    RingBuffer<PacketSlot> ring = RingBuffer.createSingleProducer(PacketSlot::new, 64);
    PipelineCounters counters = new PipelineCounters();
    IpDefragmenter defrag = new IpDefragmenter(4, 2 * 65535, 30_000_000_000L);
    FlowCounters fc = new FlowCounters();
    dev.nsm.sensor.pipeline.RecordSink sink = (Event e) -> {
      String json = JsonLines.toJson(e);
      assertTrue(json.startsWith("{\"") && json.endsWith("}") && json.indexOf('\n') < 0, json);
      if (e.hasFlow()) {
        records.add(e.getFlow());
      }
    };
    // the whole worker path: flow table and application layer (DNS/TLS/HTTP parsers, reassembly)
    // small caps, so that every eviction path runs: 16 flows, 10 KiB of flows (3 with app state),
    // 4 pending DNS messages, 4 pending HTTP requests over all connections
    dev.nsm.sensor.app.AppLayer app = new dev.nsm.sensor.app.AppLayer(
        dev.nsm.sensor.app.AppConfig.defaults().withDnsPending(MAX_DNS_PENDING, 64 << 10).withHttpPending(4, 64 << 10),
        sink, new dev.nsm.sensor.app.AppCounters());
    FlowTable table = new FlowTable(FlowConfig.defaults().withMaxFlows(MAX_FLOWS).withMaxBytes(MAX_FLOW_BYTES), sink, fc, app);
    FlowWorker worker = new FlowWorker(0, table, fc, app, new CountDownLatch(1));
    // the tunnels' outer flows are the ingest thread's (its own table, same sink)
    Ingest ingest = new Ingest(ring, 1, defrag, counters, dev.nsm.parsers.packet.TunnelSettings.defaults(),
        FlowConfig.defaults().withMaxFlows(MAX_FLOWS).withMaxBytes(MAX_FLOW_BYTES), sink);
    FlowTable outerTable = ingest.tunnelFlows();
    FlowCounters tc = ingest.tunnelCounters();

    FuzzChunks in = new FuzzChunks(data);
    long ts = 1_700_000_000_000_000_000L;
    long packets = 0;
    long withFlow = 0;
    long ipBytes = 0;
    long keyOnly = 0;
    while (in.next()) {
      int h = in.head;
      ts += h == 255 ? -1_000_000_000L : h >= 250 ? (h - 249) * 100_000_000_000L : h * 10_000_000L;
      packets++;
      ingest.onPacket(ts, LinkType.ETHERNET, ByteBuffer.wrap(in.buf()), in.off, in.len, in.len);
      long seq = ring.getCursor();
      PacketSlot slot = ring.get(seq);
      DecodedPacket p = slot.decoded;
      boolean counted = slot.shard >= 0 || (slot.result == DecodeResult.OK && p.tunnelCandidate && !p.tunnelTransport);
      if (slot.result == DecodeResult.OK && p.ipVersion != 0 && hasTransport(p) && counted) {
        withFlow++;
        ipBytes += p.ipLen;
      }
      if (slot.result == DecodeResult.TCP_TRUNCATED && slot.shard >= 0) {
        keyOnly++; // TCP options cut: its flow is made, with no packet counted (as Zeek)
      }
      if (slot.result == DecodeResult.OK) {
        // a tunnelled packet also counts on each enclosing tunnel's (outer) flow
        for (int i = 0; i < p.tunnelDepth; i++) {
          if (!p.outer[i].tunnelTransport && hasTransport(p.outer[i])) {
            withFlow++;
            ipBytes += p.outer[i].ipLen;
          }
        }
      }
      worker.onEvent(slot, seq, true);
      assertEquals(0, worker.errors, "the worker threw (logged above)");
      assertTrue(table.size() <= MAX_FLOWS, "flows open " + table.size());
      assertTrue(outerTable.size() <= MAX_FLOWS, "outer flows open " + outerTable.size());
      assertTrue(table.bytes() <= MAX_FLOW_BYTES || table.size() == 1, "flow bytes " + table.bytes());
      assertTrue(app.dnsPendingCount() <= MAX_DNS_PENDING, "DNS pending " + app.dnsPendingCount());
      assertEquals(fc.flowsMade, fc.flowRecords + table.size(), "flows made = written + open");
      assertEquals(tc.flowsMade, tc.flowRecords + outerTable.size(), "outer flows made = written + open");
      assertEquals(records.size(), fc.flowRecords + tc.flowRecords);
    }
    ingest.flushTunnels();
    long seq = ring.next();
    ring.get(seq).shard = PacketSlot.END_OF_INPUT;
    ring.publish(seq);
    worker.onEvent(ring.get(seq), seq, true);
    assertEquals(0, worker.errors, "the worker threw (logged above)");

    assertEquals(packets, counters.packetsRead);
    long byResult = 0;
    for (long n : counters.byResult) {
      byResult += n;
    }
    assertEquals(packets, byResult, "each packet has one decode outcome");
    assertEquals(counters.packetsDecoded, counters.byResult[DecodeResult.OK.ordinal()]);
    assertEquals(0, table.size(), "flows left after the end of input");
    assertEquals(0, outerTable.size(), "outer flows left after the end of input");
    fc.add(tc); // from here on, the two tables together
    assertEquals(0, table.bytes(), "flow bytes left after the end of input");
    assertEquals(0, app.dnsPendingCount(), "DNS messages left waiting");
    assertEquals(0, app.dnsPendingBytes());
    assertEquals(0, app.counters().http.pendingTotal(), "HTTP requests left waiting");
    assertEquals(0, app.counters().http.pendingBytesTotal());
    assertEquals(fc.flowsMade, fc.flowRecords, "every flow written once");
    assertEquals(fc.flowRecords,
        fc.flowsEvicted + fc.flowsTimedOut + fc.flowsClosed + fc.flowsReused + fc.flowsFlushed, "end reasons");
    assertEquals(withFlow, fc.packets - fc.packetsWithoutTransport);
    long recPackets = 0;
    long recIpBytes = 0;
    for (Flow f : records) {
      assertTrue(f.getOrigPkts() + f.getRespPkts() >= 1 || keyOnly > 0, "a flow without packets: " + f);
      // packet time going back once gave last_ts < ts (crash-b96447ad...): last time only moves forward
      assertTrue(f.getDuration().getSeconds() >= 0 && f.getDuration().getNanos() >= 0, "negative duration: " + f);
      long first = f.getTs().getSeconds() * 1_000_000_000L + f.getTs().getNanos();
      long last = f.getLastTs().getSeconds() * 1_000_000_000L + f.getLastTs().getNanos();
      assertTrue(last >= first, "last_ts before ts: " + f);
      recPackets += f.getOrigPkts() + f.getRespPkts();
      recIpBytes += f.getOrigIpBytes() + f.getRespIpBytes();
    }
    assertEquals(withFlow, recPackets, "packets in records = packets with a flow");
    assertEquals(ipBytes, recIpBytes, "IP bytes in records = IP bytes of those packets");
  }

  /** What the flow table needs to key a packet (FlowTable.keyOf): ports or ICMP type when the protocol has them. */
  private static boolean hasTransport(DecodedPacket p) {
    switch (p.ipProto) {
      case DecodedPacket.PROTO_TCP:
      case DecodedPacket.PROTO_UDP:
        return p.l4Offset >= 0;
      case DecodedPacket.PROTO_ICMP:
      case DecodedPacket.PROTO_ICMPV6:
        return p.l4Offset >= 0 && p.icmpType >= 0;
      default:
        return true;
    }
  }
}
