package dev.nsm.sensor.flow;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one worker's {@link FlowTable} did. Plain fields: one instance per worker thread, written only
 * by that thread; {@link #add} sums them at the end of a run.
 */
public final class FlowCounters {
  /** IP packets handed to the table. */
  public long packets;
  /** TCP/UDP/ICMP packets without their transport header (an unreassembled later fragment): no flow. */
  public long packetsWithoutTransport;
  /** Flows created. */
  public long flowsMade;
  /** Flows written because the table was full (least recently active first): max_flows or memory. */
  public long flowsEvicted;
  /** Of those, the ones evicted because the flows' estimated heap passed the table's byte cap. */
  public long flowsEvictedMemory;
  /** The table's flows' estimated heap now, in bytes (a gauge: {@link #add} sums the workers'). */
  public long flowBytes;
  /** Flows written because their inactivity, attempt or TCP expire timer ran out. */
  public long flowsTimedOut;
  /** TCP flows written after a close (both FINs or a RST) and the close delay. */
  public long flowsClosed;
  /** TCP flows ended because a new SYN reused their tuple (Zeek's connection reuse). */
  public long flowsReused;
  /** Flows written at the end of the input. */
  public long flowsFlushed;
  /** Flow records emitted (the sum of the four above). */
  public long flowRecords;
  /** History letters not recorded because a flow's history reached its bound. */
  public long historyTruncated;
  /** TCP sequence holes filled in because an endpoint's hole list was full (missed bytes undercounted). */
  public long reassemblyHolesMerged;
  /** Flow timers not set because a flow's timer list was full. */
  public long timersDropped;
  /** Enclosing tunnel uids not kept because a flow already named {@code Flow.MAX_PARENTS} of them. */
  public long tunnelParentsDropped;

  /** Adds another worker's counters to these. */
  public void add(FlowCounters o) {
    packets += o.packets;
    packetsWithoutTransport += o.packetsWithoutTransport;
    flowsMade += o.flowsMade;
    flowsEvicted += o.flowsEvicted;
    flowsEvictedMemory += o.flowsEvictedMemory;
    flowBytes += o.flowBytes;
    flowsTimedOut += o.flowsTimedOut;
    flowsClosed += o.flowsClosed;
    flowsReused += o.flowsReused;
    flowsFlushed += o.flowsFlushed;
    flowRecords += o.flowRecords;
    historyTruncated += o.historyTruncated;
    reassemblyHolesMerged += o.reassemblyHolesMerged;
    timersDropped += o.timersDropped;
    tunnelParentsDropped += o.tunnelParentsDropped;
  }

  /** Every counter by its name (snake case), for the stats record. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("flow_packets", packets);
    m.put("flow_packets_without_transport", packetsWithoutTransport);
    m.put("flows_made", flowsMade);
    m.put("flows_evicted", flowsEvicted);
    m.put("flows_evicted_memory", flowsEvictedMemory);
    m.put("flows_timed_out", flowsTimedOut);
    m.put("flows_closed", flowsClosed);
    m.put("flows_reused", flowsReused);
    m.put("flows_flushed", flowsFlushed);
    m.put("flow_records", flowRecords);
    m.put("flow_history_truncated", historyTruncated);
    m.put("flow_reassembly_holes_merged", reassemblyHolesMerged);
    m.put("flow_timers_dropped", timersDropped);
    m.put("flow_tunnel_parents_dropped", tunnelParentsDropped);
    return m;
  }
}
