package dev.nsm.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Flow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UDP, ICMP and other-IP flows, the table's bounds and timers, uids. */
class FlowTableTest {
  @Test
  void udpRequestAndReply() {
    Flow f = new Harness().feed(
        Pkt.udp(1.0, "192.168.1.52", 54585, "8.8.8.8", 53, 30),
        Pkt.udp(1.05, "8.8.8.8", 53, "192.168.1.52", 54585, 90)).only();
    assertEquals("udp", f.getProto());
    assertEquals("192.168.1.52", f.getOrigH());
    assertEquals(54585, f.getOrigP());
    assertEquals("SF", f.getConnState());
    assertEquals("Dd", f.getHistory());
    assertEquals(30, f.getOrigBytes());
    assertEquals(90, f.getRespBytes());
    assertEquals(1, f.getOrigPkts());
    assertEquals(58, f.getOrigIpBytes());
    assertEquals(118, f.getRespIpBytes());
    assertEquals(50_000_000, f.getDuration().getNanos());
    assertEquals("1:d/FP5EW3wiY1vCndhwleRRKHowQ=", f.getCommunityId()); // the spec's baseline
  }

  @Test
  void udpReplyFirstIsFlippedByServerPort() {
    Flow f = new Harness().feed(Pkt.udp(1.0, "8.8.8.8", 53, "192.168.1.52", 54585, 90)).only();
    assertEquals("192.168.1.52", f.getOrigH());
    assertEquals("^d", f.getHistory());
    assertEquals("SHR", f.getConnState());
    assertEquals(90, f.getRespBytes());
    assertEquals(1, f.getRespPkts());
  }

  @Test
  void udpToBroadcastIsNotFlipped() {
    Flow f = new Harness().feed(Pkt.udp(1.0, "10.0.0.5", 67, "255.255.255.255", 68, 300)).only();
    assertEquals("10.0.0.5", f.getOrigH());
    assertEquals("S0", f.getConnState());
    assertEquals("D", f.getHistory());
  }

  @Test
  void udpOneWayIsS0AndEmptyDatagramCounts() {
    Flow f = new Harness().feed(
        Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 0),
        Pkt.udp(1.5, "10.0.0.1", 5000, "10.0.0.2", 6000, 12)).only();
    assertEquals("S0", f.getConnState());
    assertEquals("D", f.getHistory());
    assertEquals(12, f.getOrigBytes());
    assertEquals(2, f.getOrigPkts());
  }

  @Test
  void udpInactivityTimeoutSplitsFlows() {
    Harness h = new Harness().feed(
        Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10),
        Pkt.udp(60.9, "10.0.0.1", 5000, "10.0.0.2", 6000, 10), // 59.9 s later: same flow
        Pkt.udp(121.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10)); // 60.1 s later: new flow
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals(2, out.get(0).getOrigPkts());
    assertEquals(EndReason.END_REASON_TIMEOUT, out.get(0).getEndReason());
    assertEquals(1, out.get(1).getOrigPkts());
    assertEquals(EndReason.END_REASON_END_OF_INPUT, out.get(1).getEndReason());
    assertNotEquals(out.get(0).getUid(), out.get(1).getUid());
    assertEquals(1, h.counters.flowsTimedOut);
  }

  @Test
  void icmpEchoPairsRequestAndReply() {
    Flow f = new Harness().feed(
        Pkt.icmp(1.0, "192.168.0.89", "192.168.0.1", 8, 0, 56),
        Pkt.icmp(1.01, "192.168.0.1", "192.168.0.89", 0, 0, 56),
        Pkt.icmp(2.0, "192.168.0.89", "192.168.0.1", 8, 0, 56),
        Pkt.icmp(2.01, "192.168.0.1", "192.168.0.89", 0, 0, 56)).only();
    assertEquals("icmp", f.getProto());
    assertEquals("192.168.0.89", f.getOrigH());
    assertEquals(8, f.getOrigP()); // type
    assertEquals(0, f.getRespP()); // counterpart type
    assertEquals(112, f.getOrigBytes());
    assertEquals(112, f.getRespBytes());
    assertEquals(2, f.getOrigPkts());
    assertEquals(2 * 84, f.getOrigIpBytes());
    assertEquals("OTH", f.getConnState());
    assertEquals("", f.getHistory());
    assertEquals("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", f.getCommunityId()); // the spec's baseline
  }

  @Test
  void icmpErrorIsOneWayWithCodeAsResponderPort() {
    Harness h = new Harness().feed(
        Pkt.icmp(1.0, "10.0.0.1", "10.0.0.2", 11, 0, 36),
        Pkt.icmp(1.1, "10.0.0.2", "10.0.0.1", 11, 0, 36)); // the same type the other way: another flow
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals(11, out.get(0).getOrigP());
    assertEquals(0, out.get(0).getRespP());
    assertEquals("1:YHxtAirCG//0OzkcVAukqKQN9xM=", out.get(0).getCommunityId());
    assertEquals("10.0.0.2", out.get(1).getOrigH());
  }

  @Test
  void icmpv6IsLoggedAsIcmp() {
    Flow f = new Harness().feed(Pkt.icmp(1.0, "::", "ff02::1:ff00:3", 135, 0, 24)).only();
    assertEquals("icmp", f.getProto());
    assertEquals(58, f.getIpProto());
    assertEquals("::", f.getOrigH());
    assertEquals("ff02::1:ff00:3", f.getRespH());
    assertEquals(135, f.getOrigP());
    assertEquals(136, f.getRespP());
    assertEquals(24, f.getOrigBytes());
    assertEquals(72, f.getOrigIpBytes());
  }

  @Test
  void otherProtocolsAreFlowsOnAddresses() {
    Flow f = new Harness().feed(
        Pkt.other(1.0, "10.1.12.1", "10.1.12.2", 46, 20),
        Pkt.other(1.1, "10.1.12.2", "10.1.12.1", 46, 20)).only();
    assertEquals("46", f.getProto());
    assertEquals(0, f.getOrigP());
    assertEquals("OTH", f.getConnState());
    assertEquals(1, f.getOrigPkts());
    assertEquals(1, f.getRespPkts());
    assertEquals("1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", f.getCommunityId()); // the spec's baseline
  }

  @Test
  void vlansAreRecordedButNotKeyedByDefault() {
    // A routed conversation seen on two VLANs of a span port: one connection, as Zeek's 5-tuple key.
    Harness h = new Harness().feed(
        Pkt.vlan(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10), 34),
        Pkt.vlan(Pkt.udp(1.1, "10.0.0.2", 6000, "10.0.0.1", 5000, 10), 47));
    Flow f = h.only();
    assertEquals("SF", f.getConnState());
    assertEquals(List.of(34), f.getVlanList()); // the first packet's
  }

  @Test
  void vlansSeparateFlowsWhenKeyed() {
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(64).withVlanInKey(true)).feed(
        Pkt.vlan(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10), 13, 10),
        Pkt.vlan(Pkt.udp(1.1, "10.0.0.2", 6000, "10.0.0.1", 5000, 10), 13, 10),
        Pkt.vlan(Pkt.udp(1.2, "10.0.0.1", 5000, "10.0.0.2", 6000, 10), 14));
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals(List.of(13, 10), out.get(0).getVlanList());
    assertEquals("SF", out.get(0).getConnState());
    assertEquals(List.of(14), out.get(1).getVlanList());
  }

  @Test
  void fullTableEvictsLeastRecentlyActive() {
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(2));
    h.feed(
        Pkt.udp(1.0, "10.0.0.1", 1, "10.0.0.9", 9999, 1),
        Pkt.udp(1.1, "10.0.0.2", 2, "10.0.0.9", 9999, 1),
        Pkt.udp(1.2, "10.0.0.1", 1, "10.0.0.9", 9999, 1), // flow 1 active again
        Pkt.udp(1.3, "10.0.0.3", 3, "10.0.0.9", 9999, 1)); // table full: flow 2 goes
    assertEquals(1, h.out.size());
    assertEquals("10.0.0.2", h.out.get(0).getOrigH());
    assertEquals(EndReason.END_REASON_EVICTED, h.out.get(0).getEndReason());
    assertEquals(1, h.counters.flowsEvicted);
    assertEquals(2, h.table.size());
    List<Flow> out = h.flush();
    assertEquals(3, out.size());
    assertEquals(2, out.get(1).getOrigPkts()); // flush: oldest first
    assertEquals("10.0.0.3", out.get(2).getOrigH());
    assertEquals(3, h.counters.flowRecords);
  }

  @Test
  void manyFlowsInsertFindAndExpire() {
    // Exercises probing, backward-shift deletion and the heap with thousands of flows.
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(5000));
    for (int i = 0; i < 4000; i++) {
      h.feed(Pkt.udp(1.0 + i * 0.001, "10.0." + (i >> 8) + "." + (i & 255), 1000 + i, "10.1.0.1", 53, 10));
    }
    assertEquals(4000, h.table.size());
    for (int i = 0; i < 4000; i += 2) { // every other flow answered (same flows must be found)
      h.feed(Pkt.udp(5.0 + i * 0.001, "10.1.0.1", 53, "10.0." + (i >> 8) + "." + (i & 255), 1000 + i, 20));
    }
    assertEquals(4000, h.table.size());
    h.table.advanceTime(Pkt.ns(64.5)); // the unanswered ones idle since < 5.0 s are gone; answered since >= 5.0
    assertTrue(h.out.size() > 0);
    for (Flow f : h.out) {
      assertEquals("S0", f.getConnState());
    }
    int timedOut = h.out.size();
    assertEquals(4000 - timedOut, h.table.size());
    List<Flow> rest = h.flush();
    long sf = rest.stream().filter(f -> f.getConnState().equals("SF")).count();
    assertEquals(2000, sf);
    assertEquals(4000, rest.size());
    assertEquals(0, h.table.size());
  }

  @Test
  void uidIsStableForTheSameInputAndDiffersOtherwise() {
    Flow a = new Harness().feed(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10)).only();
    Flow b = new Harness().feed(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10)).only();
    Flow c = new Harness().feed(Pkt.udp(1.000001, "10.0.0.1", 5000, "10.0.0.2", 6000, 10)).only();
    assertEquals(a.getUid(), b.getUid());
    assertNotEquals(a.getUid(), c.getUid());
    assertTrue(a.getUid().matches("C[0-9A-Za-z]{1,11}"), a.getUid());
  }

  @Test
  void ipv6AddressesAreCompressed() {
    Flow f = new Harness().feed(
        Pkt.tcp(1.0, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03:0:0:0:1a", 25, "S", 1, 0, 0))
        .only();
    assertEquals("2001:470:e5bf:dead:4957:2174:e82c:4887", f.getOrigH());
    assertEquals("2607:f8b0:400c:c03::1a", f.getRespH());
    assertEquals("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", f.getCommunityId()); // the spec's baseline
  }

  @Test
  void timeNeverGoesBackForTimers() {
    Harness h = new Harness().feed(Pkt.udp(100.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10));
    h.table.advanceTime(Pkt.ns(50)); // an older packet of another worker: nothing happens
    assertEquals(0, h.out.size());
    h.table.advanceTime(Pkt.ns(160));
    assertEquals(1, h.out.size());
  }

  @Test
  void packetTimeGoingBackNeverMakesANegativeDuration() {
    // a capture whose clock steps back inside a flow (found by FlowPathFuzzTest: crash-b96447ad...):
    // Zeek would take the older packet's time as last_time; here last_time only moves forward
    Flow udp = new Harness().feed(
        Pkt.udp(10.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10),
        Pkt.udp(12.0, "10.0.0.2", 6000, "10.0.0.1", 5000, 10),
        Pkt.udp(9.0, "10.0.0.1", 5000, "10.0.0.2", 6000, 10)).only();
    assertEquals(3, udp.getOrigPkts() + udp.getRespPkts());
    assertEquals(10, udp.getTs().getSeconds());
    assertEquals(12, udp.getLastTs().getSeconds());
    assertEquals(2, udp.getDuration().getSeconds());
    assertEquals(0, udp.getDuration().getNanos());

    Flow tcp = new Harness().feed(
        Pkt.tcp(10.0, "10.0.0.1", 40000, "10.0.0.2", 80, "S", 100, 0, 0),
        Pkt.tcp(8.5, "10.0.0.2", 80, "10.0.0.1", 40000, "SA", 500, 101, 0)).only();
    assertEquals(0, tcp.getDuration().getSeconds());
    assertEquals(0, tcp.getDuration().getNanos());
    assertEquals(tcp.getTs(), tcp.getLastTs());
  }

  @Test
  void byteCapEvictsTheLeastRecentlyActiveFlow() {
    // room for 3 flows of FLOW_BYTES: the 4th evicts the oldest (10.0.0.1), counted as a memory eviction
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(1000).withMaxBytes(3L * FlowConfig.FLOW_BYTES));
    h.feed(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.9", 53, 10),
        Pkt.udp(2.0, "10.0.0.2", 5000, "10.0.0.9", 53, 10),
        Pkt.udp(3.0, "10.0.0.3", 5000, "10.0.0.9", 53, 10));
    assertEquals(3L * FlowConfig.FLOW_BYTES, h.table.bytes());
    assertEquals(0, h.out.size());
    h.feed(Pkt.udp(4.0, "10.0.0.4", 5000, "10.0.0.9", 53, 10));
    assertEquals(1, h.out.size());
    assertEquals("10.0.0.1", h.out.get(0).getOrigH());
    assertEquals(EndReason.END_REASON_EVICTED, h.out.get(0).getEndReason());
    assertEquals(1, h.counters.flowsEvicted);
    assertEquals(1, h.counters.flowsEvictedMemory);
    assertEquals(3, h.table.size());
    assertEquals(3L * FlowConfig.FLOW_BYTES, h.table.bytes());
    assertEquals(3L * FlowConfig.FLOW_BYTES, h.counters.flowBytes);
  }

  @Test
  void applicationStateCountsAgainstTheByteCap() {
    // an observer that holds state for flows to port 443, as the application layer would
    FlowObserver app = new FlowObserver() {
      @Override
      public void onTcp(dev.nsm.sensor.flow.Flow f, boolean fromA, dev.nsm.parsers.packet.DecodedPacket p) {}

      @Override
      public void onUdp(dev.nsm.sensor.flow.Flow f, boolean fromA, dev.nsm.parsers.packet.DecodedPacket p) {
        if (f.respPort() == 443) {
          f.appState(Boolean.TRUE);
        }
      }

      @Override
      public void onEnd(dev.nsm.sensor.flow.Flow f, EndReason reason) {}
    };
    long cap = 3L * FlowConfig.FLOW_BYTES + FlowConfig.APP_STATE_BYTES;
    Harness h = new Harness(FlowConfig.defaults().withMaxFlows(1000).withMaxBytes(cap), app);
    h.feed(Pkt.udp(1.0, "10.0.0.1", 5000, "10.0.0.9", 53, 10),
        Pkt.udp(2.0, "10.0.0.2", 5000, "10.0.0.9", 53, 10),
        Pkt.udp(3.0, "10.0.0.3", 5000, "10.0.0.9", 53, 10));
    assertEquals(0, h.out.size());
    // a 4th flow fits (4 KiB of 5 KiB), but its state makes it weigh FLOW_BYTES + APP_STATE_BYTES
    // (6 KiB in all): the least recently active flow goes
    h.feed(Pkt.udp(4.0, "10.0.0.4", 5000, "10.0.0.9", 443, 10));
    assertEquals(1, h.out.size());
    assertEquals("10.0.0.1", h.out.get(0).getOrigH());
    assertEquals(EndReason.END_REASON_EVICTED, h.out.get(0).getEndReason());
    assertEquals(1, h.counters.flowsEvictedMemory);
    assertEquals(3, h.table.size());
    assertEquals(2L * FlowConfig.FLOW_BYTES + FlowConfig.FLOW_BYTES + FlowConfig.APP_STATE_BYTES, h.table.bytes());
    assertTrue(h.table.bytes() <= cap);
    h.flush();
    assertEquals(0, h.table.bytes());
  }
}
