package dev.nsm.sensor.app;

import dev.nsm.parsers.dns.DnsMessage;
import dev.nsm.parsers.dns.DnsParser;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.quic.QuicCrypto;
import dev.nsm.parsers.quic.QuicInitialParser;
import dev.nsm.parsers.tcp.ReassemblyBudget;
import dev.nsm.parsers.tcp.ReassemblyCounter;
import dev.nsm.parsers.tls.TlsStreamParser;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.flow.Flow;
import dev.nsm.sensor.flow.FlowObserver;
import dev.nsm.sensor.flow.FlowTable;
import dev.nsm.sensor.pipeline.RecordSink;

/**
 * The application layer of one flow worker: it sees every TCP segment and UDP datagram of the
 * worker's flows (as a {@link FlowObserver} of its {@link FlowTable}) and writes dns, tls, http and
 * notice records into the worker's {@link RecordSink}, with the flows' uids.
 *
 * <p>Cost for flows it has nothing to do with: a TCP flow gets state (a pooled {@link TcpApp}) at its
 * first payload byte, and gives it back as soon as its protocol is known to be none of DNS, TLS and
 * HTTP (or its TLS handshake is over); until then and after that its packets cost a field read.
 * A UDP flow's first datagram each way is probed for DNS ({@link DnsParser#probe}, no allocation);
 * only a flow that looks like DNS gets state. Nothing here allocates per packet for other flows.
 *
 * <p>Zeek's rules on when an analyzer runs are kept where they change the records (see
 * {@link TcpApp}, {@link DnsState}), except one, deliberately: partial TCP connections are analysed
 * unless {@link AppConfig#analysePartial} is off (Zeek's behaviour).
 */
public final class AppLayer implements FlowObserver {
  /**
   * The logger, made on first use: only a failure logs here, and initialising logback costs a replay
   * ~0.1-0.2 CPU-s at startup (its configuration is parsed when the first logger is made).
   */
  private static final class Log {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AppLayer.class);
  }

  /** {@link Flow#appBits()}: no application state will be made for this flow. */
  static final int BIT_DONE = 1;
  /** UDP: side A's / side B's first datagram was probed (and was not DNS). */
  static final int BIT_PROBED_A = 2;
  static final int BIT_PROBED_B = 4;

  final AppConfig config;
  final RecordSink sink;
  final AppCounters counters;
  final ReassemblyBudget budget;
  final DnsParser dnsParser = new DnsParser();
  final DnsMessage dnsMessage = new DnsMessage();
  /** DNS messages waiting to be paired, over all the worker's flows (bounded). */
  final DnsPending dnsPending;
  /** Made on the first QUIC flow (cipher instances are not free). */
  QuicCrypto quicCrypto;
  private FlowTable table;
  private TcpApp[] pool = new TcpApp[16];
  private int pooled;
  /** Packet time of the latest packet seen (records written at a timeout carry it). */
  private long now;
  private boolean errorLogged;
  /** Whether any TCP analyser (DNS, TLS, HTTP) / UDP analyser (DNS, QUIC) is on (--protocols). */
  private final boolean tcpOn;
  private final boolean udpOn;

  public AppLayer(AppConfig config, RecordSink sink, AppCounters counters) {
    this.config = config;
    this.sink = sink;
    this.counters = counters;
    this.budget = new ReassemblyBudget(config.reassemblyWorkerBytes, config.reassemblyPageSize);
    this.tcpOn = config.on(AppConfig.DNS | AppConfig.TLS | AppConfig.HTTP);
    this.udpOn = config.on(AppConfig.DNS | AppConfig.QUIC);
    this.dnsPending = new DnsPending(this, config.dnsMaxPending, config.dnsPendingBytes);
    counters.http.setPendingCaps(config.httpMaxPending, config.httpPendingBytes);
  }

  /** DNS messages waiting for their pair, over the worker's flows (for gauges and tests). */
  public int dnsPendingCount() {
    return dnsPending.count();
  }

  /** Their estimated heap, in bytes (see {@link DnsPending}). */
  public long dnsPendingBytes() {
    return dnsPending.bytes();
  }

  public AppCounters counters() {
    return counters;
  }

  /** The worker's reassembly page pool (for its gauges). */
  public ReassemblyBudget budget() {
    return budget;
  }

  @Override
  public void attach(FlowTable t) {
    this.table = t;
  }

  // ------------------------------------------------------------------ per packet

  @Override
  public void onTcp(Flow f, boolean fromA, DecodedPacket p) {
    try {
      tcp(f, fromA, p);
    } catch (RuntimeException e) {
      failed(f, e);
    }
  }

  @Override
  public void onUdp(Flow f, boolean fromA, DecodedPacket p) {
    try {
      udp(f, fromA, p);
    } catch (RuntimeException e) {
      failed(f, e);
    }
  }

  /**
   * A parser or this layer threw: a bug. The flow's application state is dropped (its flow record
   * is unaffected), the error counted, and the first one logged with its stack.
   */
  private void failed(Flow f, RuntimeException e) {
    counters.inc(AppCounter.ERRORS);
    if (!errorLogged) {
      errorLogged = true;
      Log.LOG.error("application layer failed on flow {} (later failures are only counted)", f.uid(), e);
    }
    Object st = f.appState();
    f.appState(null);
    f.appBits(f.appBits() | BIT_DONE);
    if (st instanceof UdpDnsApp) {
      ((UdpDnsApp) st).discard();
    }
    if (st instanceof TcpApp) {
      try {
        ((TcpApp) st).release();
      } catch (RuntimeException ignored) {
        // the state is dropped either way
      }
    }
  }

  private void tcp(Flow f, boolean fromA, DecodedPacket p) {
    Object st = f.appState();
    if (st == null) {
      if (p.payloadLen <= 0 || (f.appBits() & BIT_DONE) != 0) {
        return; // nothing to look at yet, or nothing to look for
      }
      if (!tcpOn) {
        f.appBits(f.appBits() | BIT_DONE); // --protocols: no TCP analyser runs
        return;
      }
      if (!f.startedWithSyn() && !config.analysePartial) {
        counters.inc(AppCounter.TCP_FLOWS_PARTIAL_SKIPPED);
        f.appBits(f.appBits() | BIT_DONE);
        return;
      }
      TcpApp t = takeTcp();
      counters.inc(AppCounter.TCP_FLOWS_INSPECTED);
      t.start(f, p.tsNanos);
      f.appState(t);
      st = t;
    }
    if (st instanceof TcpApp) {
      now = p.tsNanos;
      TcpApp t = (TcpApp) st;
      t.segment(fromA, p);
      if (t.finished) {
        t.release();
        f.appState(null);
        f.appBits(f.appBits() | BIT_DONE);
        giveTcp(t);
      }
    }
  }

  private void udp(Flow f, boolean fromA, DecodedPacket p) {
    Object st = f.appState();
    if (st == null) {
      int bits = f.appBits();
      int probed = fromA ? BIT_PROBED_A : BIT_PROBED_B;
      if ((bits & (BIT_DONE | probed)) != 0 || p.payloadLen <= 0) {
        return;
      }
      if (!udpOn) {
        f.appBits(bits | BIT_DONE); // --protocols: no UDP analyser runs
        return;
      }
      if (bits == 0) {
        counters.inc(AppCounter.UDP_FLOWS_PROBED);
      }
      int n = Math.min(p.payloadLen, p.payloadCaptured);
      if (config.on(AppConfig.QUIC) && QuicInitialParser.probe(p.buf, p.payloadOffset, n)) {
        counters.inc(AppCounter.FLOWS_QUIC);
        if (quicCrypto == null) {
          quicCrypto = new QuicCrypto();
        }
        UdpQuicApp q = new UdpQuicApp(this, f);
        f.appState(q);
        st = q;
      } else if (!config.on(AppConfig.DNS) || (!DnsParser.probe(p.buf, p.payloadOffset, n, false)
          && !(dnsPort(f.respPort()) && plausibleDnsHeader(p.buf, p.payloadOffset, n)))) {
        bits |= probed;
        if ((bits & (BIT_PROBED_A | BIT_PROBED_B)) == (BIT_PROBED_A | BIT_PROBED_B)) {
          bits |= BIT_DONE;
        }
        f.appBits(bits);
        return;
      }
      if (st == null) {
        counters.inc(AppCounter.FLOWS_DNS);
        st = new UdpDnsApp(this, f);
        f.appState(st);
      }
    }
    now = p.tsNanos;
    if (st instanceof UdpDnsApp) {
      ((UdpDnsApp) st).datagram(fromA, p);
    } else if (st instanceof UdpQuicApp) {
      UdpQuicApp q = (UdpQuicApp) st;
      q.datagram(fromA, p);
      if (q.finished) {
        f.appState(null);
        f.appBits(f.appBits() | BIT_DONE);
      }
    }
  }

  @Override
  public void onEnd(Flow f, EndReason reason) {
    Object st = f.appState();
    if (st instanceof AppFlow) {
      try {
        ((AppFlow) st).end(reason, now);
        if (st instanceof TcpApp) {
          giveTcp((TcpApp) st);
        }
      } catch (RuntimeException e) {
        failed(f, e);
      }
    }
  }

  /**
   * Zeek's DNS::ports for UDP (53, 137, 5353, 5355): Zeek runs its DNS analyzer there whatever the
   * bytes, so a malformed message there is still DNS (and noticed), if its header is plausible.
   */
  static boolean dnsPort(int p) {
    return p == 53 || p == 137 || p == 5353 || p == 5355;
  }

  /**
   * The header checks of {@link DnsParser#probe} without the question: 12 bytes, opcode query,
   * inverse query, status, notify or update, the reserved bit clear, a query with rcode 0, at most
   * 25 questions (Zeek's limit) and counts that fit the length. Text or other binary payloads fail it.
   */
  static boolean plausibleDnsHeader(byte[] b, int off, int len) {
    if (len < 12 + 5) {
      return false;
    }
    int flags = ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    int opcode = (flags >> 11) & 15;
    boolean qr = (flags & 0x8000) != 0;
    if (opcode == 3 || opcode > 5 || (flags & 0x0040) != 0 || (!qr && (flags & 15) != 0)) {
      return false;
    }
    int qd = u16(b, off + 4);
    long min = 12 + 5L * qd + 11L * (u16(b, off + 6) + u16(b, off + 8) + u16(b, off + 10));
    return qd >= 1 && qd <= 25 && min <= len;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  // ------------------------------------------------------------------ services for the flow states

  void emit(Event e, AppCounter counter) {
    counters.inc(counter);
    sink.emit(e);
  }

  void emitNotice(Flow f, long tsNanos, String name, String addl, String source, int isOrig) {
    emit(AppRecords.notice(f, tsNanos, name, addl, source, isOrig), AppCounter.RECORDS_NOTICE);
  }

  void flipRoles(Flow f) {
    if (table != null) {
      table.flipRoles(f);
    }
  }

  TlsStreamParser newTlsParser() {
    return new TlsStreamParser(counters.tls, counters.certificates);
  }

  /** Gaps the reassembly caps forced so far (to notice a flow that hit them). */
  long capGaps() {
    return counters.reassembly.get(ReassemblyCounter.GAPS_FLOW_CAP)
        + counters.reassembly.get(ReassemblyCounter.GAPS_BUDGET);
  }

  // ------------------------------------------------------------------ pool of TCP states

  private TcpApp takeTcp() {
    if (pooled > 0) {
      TcpApp t = pool[--pooled];
      pool[pooled] = null;
      return t;
    }
    return new TcpApp(this, config);
  }

  private void giveTcp(TcpApp t) {
    t.flow = null;
    if (pooled == pool.length) {
      if (pooled >= 4096) {
        return; // enough kept for reuse; let this one go
      }
      pool = java.util.Arrays.copyOf(pool, pooled * 2);
    }
    pool[pooled++] = t;
  }
}
