package dev.nsm.sensor.app;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.quic.QuicInitialParser;
import dev.nsm.parsers.tls.TlsSession;
import dev.nsm.parsers.tls.TlsStreamParser;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.sensor.flow.Flow;

/**
 * QUIC over one UDP flow: the TLS handshake read from its Initial packets (see
 * {@link QuicInitialParser}) becomes a tls record, as Zeek's QUIC analyzer feeds its SSL analyzer
 * (service "quic" and "ssl"). Once both hellos are read the flow needs nothing more and its state
 * is released.
 */
final class UdpQuicApp extends AppFlow {
  private final QuicInitialParser quic;
  private final TlsStreamParser tls;
  private long tlsTs;
  private boolean written;
  boolean finished;

  UdpQuicApp(AppLayer layer, Flow f) {
    super(layer);
    attach(f);
    tls = layer.newTlsParser();
    quic = new QuicInitialParser(layer.quicCrypto, tls);
  }

  void datagram(boolean fromA, DecodedPacket p) {
    int n = Math.min(p.payloadLen, p.payloadCaptured);
    if (n <= 0) {
      return;
    }
    quic.datagram(fromA == flow.originatorIsA(), p.buf, p.payloadOffset, n);
    TlsSession s = tls.session();
    if (tlsTs == 0 && s.records() > 0) {
      tlsTs = p.tsNanos;
    }
    if (s.confirmed()) {
      flow.addService(Flow.SERVICE_QUIC | Flow.SERVICE_SSL);
    }
    if (quic.isDone()) {
      write(p.tsNanos);
      finished = true;
    }
  }

  private void write(long nowNanos) {
    if (written) {
      return;
    }
    written = true;
    AppCounters c = layer.counters;
    c.app[AppCounter.QUIC_PACKETS_DECRYPTED.ordinal()] += quic.packetsDecrypted;
    c.app[AppCounter.QUIC_PACKETS_UNDECRYPTABLE.ordinal()] += quic.packetsUndecryptable;
    c.app[AppCounter.QUIC_PACKETS_MALFORMED.ordinal()] += quic.packetsMalformed;
    if (quic.packetsMalformed > 0) {
      notice(nowNanos, "QUIC_malformed_initial", "an Initial packet or frame overran its bounds", "tls", -1);
    }
    TlsSession s = tls.session();
    if (AppRecords.hasHello(s)) {
      layer.emit(AppRecords.tls(flow, s, tlsTs != 0 ? tlsTs : nowNanos, 'q'), AppCounter.RECORDS_TLS);
    }
  }

  @Override
  void end(EndReason reason, long nowNanos) {
    tls.onClose();
    write(nowNanos);
  }
}
