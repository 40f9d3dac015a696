package dev.nsm.sensor.metrics;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.capture.LiveInterface;
import dev.nsm.sensor.output.RecordOutput;
import dev.nsm.sensor.pipeline.Pipeline;
import dev.nsm.sensor.pipeline.PipelineCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The loss ledger and pipeline state as Micrometer meters. Nothing here is on the packet path: every
 * meter is a function over a plain {@code long} field that one thread writes (the capture thread,
 * a flow worker, the record writer), read at scrape time as a racy snapshot. No atomics, no locks
 * where packets go.
 *
 * <p>How the ledger adds up (per interface, then for the pipeline):
 *
 * <pre>
 *   nsm_packets_received_total    = nsm_packets_captured_total + nsm_kernel_drops_total (+ packets still in the kernel buffer)
 *   sum of nsm_packets_captured_total = nsm_ring_drops_total + nsm_packets_decoded_total + nsm_packets_not_ip_total
 *                                    + nsm_fragments_held_total + sum of nsm_packets_malformed_total
 *   nsm_interface_drops_total: frames the NIC or driver dropped before the kernel's socket saw them (not in received)
 * </pre>
 */
public final class SensorMetrics {
  private SensorMetrics() {}

  /** Binds every meter of a running daemon into {@code r}. */
  public static void bind(MeterRegistry r, Pipeline p, List<LiveInterface> interfaces, RecordOutput out) {
    for (LiveInterface itf : interfaces) {
      String n = itf.name;
      counter(r, "nsm.packets.received", "packets the kernel's capture socket received (pcap_stats ps_recv; includes kernel drops)", itf, i -> i.kernelReceived, "interface", n);
      counter(r, "nsm.kernel.drops", "packets dropped because the kernel capture buffer was full (pcap_stats ps_drop)", itf, i -> i.kernelDrops, "interface", n);
      counter(r, "nsm.interface.drops", "packets the interface or driver dropped before capture (pcap_stats ps_ifdrop)", itf, i -> i.interfaceDrops, "interface", n);
      counter(r, "nsm.packets.captured", "packets read from libpcap", itf, i -> i.packetsCaptured, "interface", n);
      counter(r, "nsm.captured.bytes", "bytes of packets read from libpcap (captured length)", itf, i -> i.bytesCaptured, "interface", n);
      Gauge.builder("nsm.interface.up", itf, i -> i.failure == null ? 1 : 0)
          .description("1 while the interface is being captured, 0 after its handle failed").tag("interface", n).register(r);
    }
    PipelineCounters c = p.counters();
    counter(r, "nsm.ring.drops", "packets dropped because the packet ring was full (the workers were behind)", c, x -> x.ringDrops);
    counter(r, "nsm.packets.decoded", "packets decoded to an IP flow key", c, x -> x.byResult[DecodeResult.OK.ordinal()]);
    counter(r, "nsm.packets.not.ip", "packets with no IP inside (ARP, LLDP, STP, ...)", c, x -> x.byResult[DecodeResult.NOT_IP.ordinal()]);
    counter(r, "nsm.fragments.held", "IP fragments stored to wait for the rest of their datagram", c, x -> x.byResult[DecodeResult.FRAGMENT_HELD.ordinal()]);
    for (DecodeResult res : DecodeResult.values()) {
      if (res.isMalformed()) {
        int o = res.ordinal();
        counter(r, "nsm.packets.malformed", "packets skipped as malformed, by reason", c, x -> x.byResult[o], "reason", res.counterName());
      }
    }
    var defrag = p.defragmenter();
    counter(r, "nsm.fragments.reassembled", "IP datagrams put together from fragments", defrag, d -> d.datagramsReassembled);
    counter(r, "nsm.fragments.dropped", "IP datagrams or fragments given up, by reason", defrag, d -> d.datagramsTimedOut, "reason", "timed_out");
    counter(r, "nsm.fragments.dropped", "IP datagrams or fragments given up, by reason", defrag, d -> d.datagramsEvicted, "reason", "evicted");
    counter(r, "nsm.fragments.dropped", "IP datagrams or fragments given up, by reason", defrag, d -> d.fragmentsInvalid, "reason", "invalid");
    counter(r, "nsm.fragments.dropped", "IP datagrams or fragments given up, by reason", defrag, d -> d.overlappingFragments, "reason", "overlapping");
    var dec = p.ingest().decoder();
    for (dev.nsm.parsers.packet.TunnelType t : dev.nsm.parsers.packet.TunnelType.values()) {
      int o = t.ordinal();
      counter(r, "nsm.tunnel.decapsulated", "packets decapsulated, by tunnel type", dec, d -> d.decapsulated[o], "tunnel", t.service());
    }
    for (dev.nsm.parsers.packet.TunnelError e : dev.nsm.parsers.packet.TunnelError.values()) {
      int o = e.ordinal();
      if (e == dev.nsm.parsers.packet.TunnelError.DEPTH_EXCEEDED) {
        counter(r, "nsm.tunnel.depth.exceeded", "tunnels deeper than tunnels.max_depth, left on their outer flow", dec, d -> d.tunnelErrors[o]);
      } else {
        counter(r, "nsm.tunnel.errors", "tunnels not decapsulated (malformed, cut short, inner not IP), by reason", dec, d -> d.tunnelErrors[o], "reason", e.counterName());
      }
    }
    counter(r, "nsm.mirror.transport.packets", "packets that arrived in the mirror transport tunnel (outer flow not written)", dec, d -> d.mirrorTransportPackets);
    counter(r, "nsm.worker.errors", "packets whose processing threw in a flow worker (a bug; logged)", p, Pipeline::workerErrors);
    Gauge.builder("nsm.ring.fill", p, Pipeline::ringFill).description("packet ring slots in use").register(r);
    Gauge.builder("nsm.ring.size", p, Pipeline::ringSize).description("packet ring slots").register(r);
    Gauge.builder("nsm.flows.open", p, Pipeline::flowsOpen).description("flows held in the flow tables").register(r);
    counter(r, "nsm.flows.made", "flows created", p, x -> x.flowTotals().flowsMade);
    counter(r, "nsm.flows.evicted", "flows written early because the flow table was full", p, x -> x.flowTotals().flowsEvicted);
    counter(r, "nsm.flows.evicted.memory", "of those, flows evicted because the flow tables' byte cap (flows.memory) was reached",
        p, x -> x.flowTotals().flowsEvictedMemory);
    Gauge.builder("nsm.flows.bytes", p, Pipeline::flowBytes)
        .description("estimated heap of the open flows (flows.memory bounds it)").register(r);
    Gauge.builder("nsm.dns.pending", p, Pipeline::dnsPending)
        .description("DNS messages waiting for their pair (protocols.dns.max_pending bounds it)").register(r);
    Gauge.builder("nsm.dns.pending.bytes", p, Pipeline::dnsPendingBytes)
        .description("their estimated heap (protocols.dns.pending_memory bounds it)").register(r);
    Gauge.builder("nsm.http.pending", p, Pipeline::httpPending)
        .description("HTTP requests waiting for their response (protocols.http.max_pending bounds it)").register(r);
    Gauge.builder("nsm.http.pending.bytes", p, Pipeline::httpPendingBytes)
        .description("their estimated heap (protocols.http.pending_memory bounds it)").register(r);
    counter(r, "nsm.http.pending.evicted", "HTTP requests written unanswered early because a worker's pending cap was reached",
        p, Pipeline::httpPendingEvicted);
    Gauge.builder("nsm.fragments.bytes.held", defrag, d -> d.bytesHeld())
        .description("IP fragment bytes held (protocols.fragments.memory bounds it)").register(r);
    String ended = "flows written, by why they ended";
    counter(r, "nsm.flows.ended", ended, p, x -> x.flowTotals().flowsTimedOut, "reason", "timed_out");
    counter(r, "nsm.flows.ended", ended, p, x -> x.flowTotals().flowsClosed, "reason", "closed");
    counter(r, "nsm.flows.ended", ended, p, x -> x.flowTotals().flowsReused, "reason", "reused");
    counter(r, "nsm.flows.ended", ended, p, x -> x.flowTotals().flowsEvicted, "reason", "evicted");
    counter(r, "nsm.flows.ended", ended, p, x -> x.flowTotals().flowsFlushed, "reason", "flushed");
    String bound = "a per-flow bound was hit and what did not fit was counted, not kept";
    counter(r, "nsm.flow.bounds.hit", bound, p, x -> x.flowTotals().historyTruncated, "what", "history_truncated");
    counter(r, "nsm.flow.bounds.hit", bound, p, x -> x.flowTotals().reassemblyHolesMerged, "what", "reassembly_holes_merged");
    counter(r, "nsm.flow.bounds.hit", bound, p, x -> x.flowTotals().timersDropped, "what", "timers_dropped");
    counter(r, "nsm.flow.packets.without.transport", "TCP/UDP/ICMP packets without their transport header (no flow)", p,
        x -> x.flowTotals().packetsWithoutTransport);
    for (dev.nsm.sensor.app.AppCounter a : dev.nsm.sensor.app.AppCounter.values()) {
      counter(r, "nsm.app", "application layer (DNS, TLS, HTTP) events, by counter (see the README)", p,
          x -> x.appCount(a), "counter", a.metricName());
    }
    for (dev.nsm.parsers.tcp.ReassemblyCounter rc : dev.nsm.parsers.tcp.ReassemblyCounter.values()) {
      counter(r, "nsm.reassembly", "TCP reassembly events, by counter", p,
          x -> x.reassemblyCount(rc), "counter", rc.metricName());
    }
    Gauge.builder("nsm.reassembly.bytes.held", p, Pipeline::reassemblyBytesHeld)
        .description("out-of-order TCP bytes held for the parsers now (pages in use)").register(r);
    for (Event.RecordCase kind : Event.RecordCase.values()) {
      if (kind != Event.RecordCase.RECORD_NOT_SET) {
        counter(r, "nsm.records", "records written, by type", out, o -> o.written(kind), "type", kind.name().toLowerCase(Locale.ROOT));
      }
    }
    Gauge.builder("nsm.output.up", out, o -> o.healthy() ? 1 : 0)
        .description("1 while records are being written, 0 after writing failed").register(r);
  }

  /** JVM and process meters (heap, GC, threads, CPU, file descriptors, uptime). */
  public static void bindJvm(MeterRegistry r) {
    new JvmMemoryMetrics().bindTo(r);
    new JvmGcMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ClassLoaderMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
  }

  private static <T> void counter(MeterRegistry r, String name, String help, T obj, ToDoubleFunction<T> f, String... tags) {
    FunctionCounter.builder(name, obj, f).description(help).tags(tags).register(r);
  }
}
