package dev.nsm.sensor.flow;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Event;

/** Turns a finished {@link Flow} into its record (Zeek's conn.log fields). Allocates per record. */
final class FlowRecords {
  private static final dev.nsm.parsers.packet.TunnelType[] TUNNELS = dev.nsm.parsers.packet.TunnelType.values();
  private final CommunityId communityId = new CommunityId();

  Event toEvent(Flow f, EndReason reason) {
    dev.nsm.proto.v1.Flow.Builder b = dev.nsm.proto.v1.Flow.newBuilder();
    b.setUid(Uid.format(f.uidHash));
    b.setCommunityId(communityId(f));
    b.setTs(timestamp(f.startNanos));
    b.setLastTs(timestamp(f.lastNanos));
    b.setOrigH(AddressFormat.format(f.ipVersion, f.origHi(), f.origLo()));
    b.setOrigP(f.origPort());
    b.setRespH(AddressFormat.format(f.ipVersion, f.respHi(), f.respLo()));
    b.setRespP(f.respPort());
    b.setProto(protoName(f));
    if (f.services != 0) {
      // Zeek's names, in a fixed order
      if ((f.services & Flow.SERVICE_DNS) != 0) {
        b.addService("dns");
      }
      if ((f.services & Flow.SERVICE_QUIC) != 0) {
        b.addService("quic");
      }
      if ((f.services & Flow.SERVICE_HTTP) != 0) {
        b.addService("http");
      }
      if ((f.services & Flow.SERVICE_SSL) != 0) {
        b.addService("ssl");
      }
    }
    if (f.tunnelServices != 0) {
      for (int i = 0; i < TUNNELS.length; i++) {
        if ((f.tunnelServices & (1 << i)) != 0) {
          b.addService(TUNNELS[i].service());
        }
      }
    }
    for (int i = 0; i < f.nParents; i++) {
      b.addTunnelParents(Uid.format(f.parents[i]));
    }
    b.setDuration(duration(f.lastNanos - f.startNanos));
    if (f.kind == Flow.KIND_TCP) {
      b.setOrigBytes(f.orig.size());
      b.setRespBytes(f.resp.size());
    } else {
      b.setOrigBytes(Math.max(0, f.orig.payloadBytes));
      b.setRespBytes(Math.max(0, f.resp.payloadBytes));
    }
    b.setConnState(ConnState.of(f));
    b.setHistory(f.historyString());
    b.setMissedBytes(f.missedBytes);
    b.setOrigPkts(f.orig.pkts);
    b.setOrigIpBytes(f.orig.ipBytes);
    b.setRespPkts(f.resp.pkts);
    b.setRespIpBytes(f.resp.ipBytes);
    if (f.vlanCount > 0) {
      b.addVlan(f.vlan0);
      if (f.vlanCount > 1) {
        b.addVlan(f.vlan1);
      }
    }
    b.setEndReason(reason);
    b.setIpProto(f.ipProto);
    return Event.newBuilder().setFlow(b).build();
  }

  /** Prints the JSON lines of {@link #jsonLine}; made on first use (only replay's JSON output needs it). */
  private dev.nsm.sensor.output.WireJson wire;
  private final String[] services = new String[4 + TUNNELS.length];
  private final String[] parents = new String[Flow.MAX_PARENTS];

  /**
   * The flow's record as its JSON line, printed from the flow without building the Event: the bytes
   * {@code JsonLines} writes for {@link #toEvent} (a test compares the two on every capture in
   * testdata). Null when the flow's times are outside what a JSON timestamp takes: then use toEvent.
   */
  byte[] jsonLine(Flow f, EndReason reason) {
    if (wire == null) {
      wire = new dev.nsm.sensor.output.WireJson();
    }
    int nServices = 0;
    if (f.services != 0) {
      if ((f.services & Flow.SERVICE_DNS) != 0) {
        services[nServices++] = "dns";
      }
      if ((f.services & Flow.SERVICE_QUIC) != 0) {
        services[nServices++] = "quic";
      }
      if ((f.services & Flow.SERVICE_HTTP) != 0) {
        services[nServices++] = "http";
      }
      if ((f.services & Flow.SERVICE_SSL) != 0) {
        services[nServices++] = "ssl";
      }
    }
    if (f.tunnelServices != 0) {
      for (int i = 0; i < TUNNELS.length; i++) {
        if ((f.tunnelServices & (1 << i)) != 0) {
          services[nServices++] = TUNNELS[i].service();
        }
      }
    }
    for (int i = 0; i < f.nParents; i++) {
      parents[i] = Uid.format(f.parents[i]);
    }
    boolean tcp = f.kind == Flow.KIND_TCP;
    return wire.flowLine(Uid.format(f.uidHash), communityId(f), f.startNanos, f.lastNanos,
        AddressFormat.format(f.ipVersion, f.origHi(), f.origLo()), f.origPort(),
        AddressFormat.format(f.ipVersion, f.respHi(), f.respLo()), f.respPort(), protoName(f),
        services, nServices, parents, f.nParents, f.lastNanos - f.startNanos,
        tcp ? f.orig.size() : Math.max(0, f.orig.payloadBytes), tcp ? f.resp.size() : Math.max(0, f.resp.payloadBytes),
        ConnState.of(f), f.historyString(), f.missedBytes, f.orig.pkts, f.orig.ipBytes, f.resp.pkts,
        f.resp.ipBytes, f.vlanCount, f.vlan0, f.vlan1, reason, f.ipProto);
  }

  private String communityId(Flow f) {
    boolean ports = f.kind != Flow.KIND_OTHER;
    boolean oneWay = f.kind == Flow.KIND_ICMP && Icmp.counterpart(f.ipProto == 58, f.aPort) < 0;
    // The key's side A is the packet source for one-way ICMP, as the spec wants.
    return communityId.of(0, f.ipVersion, f.aHi, f.aLo, f.aPort, f.bHi, f.bLo, f.bPort, f.ipProto, ports, oneWay);
  }

  static String protoName(Flow f) {
    switch (f.kind) {
      case Flow.KIND_TCP:
        return "tcp";
      case Flow.KIND_UDP:
        return "udp";
      case Flow.KIND_ICMP:
        return "icmp";
      default:
        return Integer.toString(f.ipProto);
    }
  }

  static Timestamp timestamp(long nanos) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(nanos, 1_000_000_000L))
        .setNanos((int) Math.floorMod(nanos, 1_000_000_000L))
        .build();
  }

  static Duration duration(long nanos) {
    return Duration.newBuilder()
        .setSeconds(nanos / 1_000_000_000L)
        .setNanos((int) (nanos % 1_000_000_000L))
        .build();
  }
}
