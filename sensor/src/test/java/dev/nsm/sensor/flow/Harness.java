package dev.nsm.sensor.flow;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import java.util.ArrayList;
import java.util.List;

/** A flow table writing into a list, fed packet by packet as the pipeline would. */
final class Harness {
  final List<Flow> out = new ArrayList<>();
  final FlowCounters counters = new FlowCounters();
  final FlowTable table;

  Harness() {
    this(FlowConfig.defaults().withMaxFlows(4096));
  }

  Harness(FlowConfig config) {
    this(config, FlowObserver.NONE);
  }

  Harness(FlowConfig config, FlowObserver observer) {
    table = new FlowTable(config, (Event e) -> out.add(e.getFlow()), counters, observer);
  }

  Harness feed(DecodedPacket... ps) {
    for (DecodedPacket p : ps) {
      table.advanceTime(p.tsNanos);
      table.onPacket(p);
    }
    return this;
  }

  List<Flow> flush() {
    table.flushAll();
    return out;
  }

  /** Flushes and returns the only record. */
  Flow only() {
    flush();
    if (out.size() != 1) {
      throw new AssertionError("expected one flow, got " + out.size() + ": " + out);
    }
    return out.get(0);
  }
}
