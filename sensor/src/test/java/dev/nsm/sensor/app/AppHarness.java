package dev.nsm.sensor.app;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A flow table with the application layer, writing into a list, fed as the pipeline feeds it. */
final class AppHarness {
  final List<Event> out = new ArrayList<>();
  final FlowCounters flowCounters = new FlowCounters();
  final AppCounters counters = new AppCounters();
  final AppLayer app;
  final FlowTable table;

  AppHarness() {
    this(AppConfig.defaults());
  }

  AppHarness(AppConfig config) {
    app = new AppLayer(config, out::add, counters);
    table = new FlowTable(FlowConfig.defaults().withMaxFlows(4096), out::add, flowCounters, app);
  }

  AppHarness feed(DecodedPacket... ps) {
    for (DecodedPacket p : ps) {
      table.advanceTime(p.tsNanos);
      table.onPacket(p);
    }
    return this;
  }

  AppHarness end() {
    table.flushAll();
    return this;
  }

  List<dev.nsm.proto.v1.Dns> dns() {
    return out.stream().filter(Event::hasDns).map(Event::getDns).collect(Collectors.toList());
  }

  List<dev.nsm.proto.v1.Http> http() {
    return out.stream().filter(Event::hasHttp).map(Event::getHttp).collect(Collectors.toList());
  }

  List<dev.nsm.proto.v1.Tls> tls() {
    return out.stream().filter(Event::hasTls).map(Event::getTls).collect(Collectors.toList());
  }

  List<dev.nsm.proto.v1.Notice> notices() {
    return out.stream().filter(Event::hasNotice).map(Event::getNotice).collect(Collectors.toList());
  }

  List<dev.nsm.proto.v1.Flow> flows() {
    return out.stream().filter(Event::hasFlow).map(Event::getFlow).collect(Collectors.toList());
  }

  dev.nsm.proto.v1.Flow onlyFlow() {
    List<dev.nsm.proto.v1.Flow> f = flows();
    if (f.size() != 1) {
      throw new AssertionError("expected one flow, got " + f);
    }
    return f.get(0);
  }

  long count(AppCounter c) {
    return counters.get(c);
  }
}
