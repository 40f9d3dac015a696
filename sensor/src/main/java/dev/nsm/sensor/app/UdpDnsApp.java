package dev.nsm.sensor.app;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.sensor.flow.Flow;

/** DNS over one UDP flow: each datagram is one message (see {@link DnsState}). */
final class UdpDnsApp extends AppFlow {
  private DnsState dns;

  UdpDnsApp(AppLayer layer, Flow f) {
    super(layer);
    attach(f);
    dns = new DnsState(layer, this, false);
  }

  void datagram(boolean fromA, DecodedPacket p) {
    if (dns == null) {
      return;
    }
    int n = Math.min(p.payloadLen, p.payloadCaptured);
    if (n <= 0) {
      return;
    }
    boolean fromOrig = fromA == flow.originatorIsA();
    dns.message(p.buf, p.payloadOffset, n, fromOrig ? 1 : 0, p.tsNanos);
  }

  /** The state is dropped (a parser failed): pending messages stop counting against the worker's cap. */
  void discard() {
    if (dns != null) {
      dns.discard();
      dns = null;
    }
  }

  @Override
  void end(EndReason reason, long nowNanos) {
    if (dns == null) {
      return;
    }
    dns.finish();
    dns = null;
  }
}
