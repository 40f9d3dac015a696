package dev.nsm.sensor.app;

import dev.nsm.parsers.dns.DnsParser;
import dev.nsm.parsers.dns.DnsTcpFramer;
import dev.nsm.parsers.http.HttpConnectionParser;
import dev.nsm.parsers.http.HttpTransaction;
import dev.nsm.parsers.http.HttpTransactionListener;
import dev.nsm.parsers.http.HttpWeird;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.tcp.CloseReason;
import dev.nsm.parsers.tcp.ReassemblyCounter;
import dev.nsm.parsers.tcp.StreamSink;
import dev.nsm.parsers.tcp.TcpReassembler;
import dev.nsm.parsers.tls.TlsIssue;
import dev.nsm.parsers.tls.TlsSession;
import dev.nsm.parsers.tls.TlsStreamParser;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.sensor.flow.Flow;

/**
 * The application layer of one TCP flow: a reassembler per side, detection of the protocol by
 * content, and the parser chosen. Pooled by the {@link AppLayer} and reused for another flow.
 *
 * <pre>
 *  segment from side X ──► rY.ack (gaps of Y's stream) ──► rX.segment ──► in-order bytes of X
 *                                                                           │
 *        UNDECIDED: the first bytes of each side are kept (up to probeBytes) and probed:
 *          ClientHello (either side) ─► TLS      length-prefixed DNS message ─► DNS
 *          request line (client) / "HTTP/d" (server), connection began with SYN ─► HTTP
 *          neither, responder on one of Zeek's HTTP ports ─► HTTP (Zeek runs it there by port)
 *          neither on both sides ─► WATCH: each chunk start is checked for a ClientHello (STARTTLS),
 *                                   up to starttlsBytes per side, then DONE; on Zeek's FTP ports the
 *                                   lines are read too, for GridFTP's TLS in base64 ADAT commands
 *        the chosen parser is given the kept bytes of both sides from the start, then the rest
 *        HTTP CONNECT 200 / 101 upgrade ─► UNDECIDED again for what the tunnel carries
 *        TLS handshake over (or nothing more to learn) ─► the tls record, DONE, state released
 * </pre>
 *
 * Directions: the parsers want "from the originator"; a side is mapped to that role when its bytes
 * are handed over ({@link Flow#originatorIsA()}), so a flip of roles is followed.
 */
final class TcpApp extends AppFlow implements HttpTransactionListener {
  static final int UNDECIDED = 0;
  static final int DNS = 1;
  static final int TLS = 2;
  static final int HTTP = 3;
  static final int WATCH = 4;
  static final int DONE = 5;

  /** Zeek's HTTP::ports: its HTTP analyzer runs on these (responder ports) whatever the bytes. */
  static boolean httpPort(int p) {
    return p == 80 || p == 81 || p == 631 || p == 1080 || p == 3128 || p == 8000 || p == 8080 || p == 8888;
  }

  private final AppConfig config;
  final TcpReassembler ra;
  final TcpReassembler rb;
  final Side sideA = new Side(true);
  final Side sideB = new Side(false);

  int mode;
  /** Time of the packet being processed (the bytes delivered now arrived with it). */
  long curTs;
  /** Set when the flow needs nothing more: the layer releases this state after the packet. */
  boolean finished;

  // ---- detection
  /** Kept first bytes of each side, grown on demand up to probeBytes (small ones stay with the pooled state). */
  private byte[] prefixA;
  private byte[] prefixB;
  private int lenA;
  private int lenB;
  private long tsA;
  private long tsB;
  /** Bytes past the kept prefix (or lost in gaps) before the protocol was known. */
  private long droppedA;
  private long droppedB;
  private boolean decidedA;
  private boolean decidedB;
  private boolean closedA;
  private boolean closedB;
  /** Which side sent the first byte (its prefix is handed over first). */
  private int firstSide;
  /** Inside an HTTP CONNECT tunnel or upgrade: detection starts again, without the HTTP port rule. */
  private boolean tunnel;
  // ---- FTP ADAT (GridFTP) in the WATCH state
  private boolean ftp;
  private boolean adat;
  private boolean adatFirst;
  private long adatBytes;
  private byte[] lineA;
  private byte[] lineB;
  private int lineLenA;
  private int lineLenB;

  // ---- parsers
  private HttpConnectionParser http;
  private TlsStreamParser tls;
  private long tlsTs;
  private boolean tlsWritten;
  private boolean tlsFromA;
  private boolean tlsFromB;
  private long watchedA;
  private long watchedB;
  private final DnsTcpFramer framerA = new DnsTcpFramer();
  private final DnsTcpFramer framerB = new DnsTcpFramer();
  private DnsState dns;
  private boolean flushing;
  private final DnsTcpFramer.Sink dnsSinkA = (b, o, l) -> dnsMessage(true, b, o, l);
  private final DnsTcpFramer.Sink dnsSinkB = (b, o, l) -> dnsMessage(false, b, o, l);

  TcpApp(AppLayer layer, AppConfig config) {
    super(layer);
    this.config = config;
    this.ra = new TcpReassembler(layer.budget, layer.counters.reassembly, config.reassemblyFlowCapBytes,
        config.reassemblyMaxRanges, 0);
    this.rb = new TcpReassembler(layer.budget, layer.counters.reassembly, config.reassemblyFlowCapBytes,
        config.reassemblyMaxRanges, 0);
  }

  /** Starts on flow {@code f}: the reassemblers begin where each side's SYN put its stream. */
  void start(Flow f, long tsNanos) {
    attach(f);
    ra.reset(sideA);
    rb.reset(sideB);
    mode = UNDECIDED;
    curTs = tsNanos;
    finished = false;
    lenA = lenB = 0;
    tsA = tsB = 0;
    droppedA = droppedB = 0;
    decidedA = decidedB = closedA = closedB = false;
    firstSide = 0;
    tunnel = false;
    ftp = adat = adatFirst = false;
    adatBytes = 0;
    lineA = lineB = null;
    lineLenA = lineLenB = 0;
    http = null;
    tls = null;
    tlsTs = 0;
    tlsWritten = false;
    tlsFromA = tlsFromB = false;
    watchedA = watchedB = 0;
    framerA.reset();
    framerB.reset();
    dns = null;
    flushing = false;
    if (f.sawSyn(true)) {
      ra.segment(f.synSeq(true), true, false, false, null, 0, 0, tsNanos);
    }
    if (f.sawSyn(false)) {
      rb.segment(f.synSeq(false), true, false, false, null, 0, 0, tsNanos);
    }
  }

  /** One segment of the flow from side A ({@code fromA}) or B. */
  void segment(boolean fromA, DecodedPacket p) {
    curTs = p.tsNanos;
    int flags = p.tcpFlags;
    boolean syn = (flags & DecodedPacket.TCP_SYN) != 0;
    boolean fin = (flags & DecodedPacket.TCP_FIN) != 0;
    boolean rst = (flags & DecodedPacket.TCP_RST) != 0;
    TcpReassembler self = fromA ? ra : rb;
    TcpReassembler peer = fromA ? rb : ra;
    long capBefore = layer.capGaps();
    if ((flags & DecodedPacket.TCP_ACK) != 0) {
      peer.ack(p.ack, flow.cleanlyEstablished());
    }
    int len = p.payloadLen;
    if (len > 0 && p.payloadCaptured < len) {
      // cut by the snap length: the bytes are not all here; the hole becomes a gap later
      layer.counters.inc(AppCounter.TCP_SEGMENTS_TRUNCATED);
      self.segment(p.seq, syn, false, rst, null, 0, 0, curTs);
    } else {
      self.segment(p.seq, syn, fin, rst, p.buf, p.payloadOffset, Math.max(len, 0), curTs);
    }
    if (layer.capGaps() != capBefore) {
      layer.counters.inc(AppCounter.REASSEMBLY_CAP_HIT);
      notice(curTs, "TCP_reassembly_cap_hit",
          "out-of-order data passed the per-flow cap or the worker's reassembly budget: a hole was skipped",
          "tcp", fromOrig(fromA) ? 1 : 0);
    }
  }

  boolean fromOrig(boolean fromA) {
    return fromA == flow.originatorIsA();
  }

  // ------------------------------------------------------------------ stream events

  /** The sink of one side's reassembler. */
  final class Side implements StreamSink {
    final boolean a;

    Side(boolean a) {
      this.a = a;
    }

    @Override
    public void onData(byte[] buf, int off, int len) {
      data(a, buf, off, len);
    }

    @Override
    public void onGap(long bytes) {
      gap(a, bytes);
    }

    @Override
    public void onClose(CloseReason reason) {
      closed(a);
    }
  }

  private void data(boolean a, byte[] buf, int off, int len) {
    switch (mode) {
      case UNDECIDED:
        undecided(a, buf, off, len);
        break;
      case HTTP:
        http.feed(fromOrig(a), buf, off, len, curTs);
        if (http.upgraded()) {
          enterTunnel();
        }
        break;
      case TLS:
        tlsData(a, buf, off, len, curTs);
        break;
      case DNS:
        (a ? framerA : framerB).feed(buf, off, len, a ? dnsSinkA : dnsSinkB);
        break;
      case WATCH:
        watch(a, buf, off, len);
        break;
      default:
        break;
    }
  }

  private void gap(boolean a, long bytes) {
    switch (mode) {
      case UNDECIDED:
        if (a) {
          droppedA += bytes;
          decidedA = true;
        } else {
          droppedB += bytes;
          decidedB = true;
        }
        afterNoMatch();
        break;
      case HTTP:
        http.onGap(fromOrig(a), bytes);
        break;
      case TLS:
        if (a ? tlsFromA : tlsFromB) {
          tls.onGap(fromOrig(a), bytes);
          afterTls();
        }
        break;
      case DNS: {
        DnsTcpFramer fr = a ? framerA : framerB;
        long lost = fr.messagesLost();
        fr.gap((int) Math.min(bytes, Integer.MAX_VALUE));
        if (fr.messagesLost() != lost) {
          layer.counters.inc(AppCounter.DNS_TCP_MESSAGES_LOST);
          notice(curTs, "DNS_content_gap", "a gap in the stream cut a message", "dns", fromOrig(a) ? 1 : 0);
        }
        break;
      }
      case WATCH:
        if (a) {
          watchedA += bytes;
        } else {
          watchedB += bytes;
        }
        watchLimit();
        break;
      default:
        break;
    }
  }

  private void closed(boolean a) {
    if (a) {
      closedA = true;
    } else {
      closedB = true;
    }
    switch (mode) {
      case UNDECIDED:
        if (a) {
          decidedA = true;
        } else {
          decidedB = true;
        }
        afterNoMatch();
        break;
      case DNS:
        flushing = true;
        (a ? framerA : framerB).close(a ? dnsSinkA : dnsSinkB);
        flushing = false;
        break;
      case HTTP:
        if (closedA && closedB) {
          http.onClose();
        }
        break;
      case TLS:
        if (closedA && closedB) {
          tls.onClose();
          afterTls();
        }
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ detection

  private static final int NO = 0;
  private static final int MORE = 1;
  private static final int IS_TLS = 2;
  private static final int IS_DNS = 3;
  private static final int IS_HTTP = 4;

  private void undecided(boolean a, byte[] buf, int off, int len) {
    int n = a ? lenA : lenB;
    long dropped = a ? droppedA : droppedB;
    byte[] p = prefix(a, dropped == 0 ? n + len : n);
    if (firstSide == 0) {
      firstSide = a ? 1 : 2;
    }
    if (n == 0 && dropped == 0) {
      if (a) {
        tsA = curTs;
      } else {
        tsB = curTs;
      }
    }
    if (dropped == 0) {
      int k = Math.min(len, Math.min(p.length, config.probeBytes) - n);
      System.arraycopy(buf, off, p, n, k);
      n += k;
      dropped = len - k;
      if (dropped > 0) {
        layer.counters.inc(AppCounter.PROBE_OVERFLOW);
      }
    } else {
      dropped += len;
    }
    if (a) {
      lenA = n;
      droppedA = dropped;
    } else {
      lenB = n;
      droppedB = dropped;
    }
    if (a ? decidedA : decidedB) {
      if (tlsStart(buf, off, len)) {
        // a ClientHello after plain-text bytes (STARTTLS of PostgreSQL, MySQL, ...) while the other
        // side's first bytes are not decided yet: TLS starts here
        layer.counters.inc(AppCounter.TCP_FLOWS_UNDETECTED);
        mode = WATCH;
        watchChunk(a, buf, off, len);
        return;
      }
      if (dropped > 0 || (a ? decidedB : decidedA)) {
        afterNoMatch();
        if (mode == WATCH) {
          watchChunk(a, buf, off, len);
        }
      }
      return;
    }
    int verdict = probe(p, n, fromOrig(a));
    if (verdict == MORE && dropped > 0) {
      verdict = NO;
    }
    if (verdict == NO) {
      if (a) {
        decidedA = true;
      } else {
        decidedB = true;
      }
      afterNoMatch();
      if (mode == WATCH) {
        watchChunk(a, buf, off, len); // this chunk may be where TLS begins (after a plain-text prefix)
      }
      return;
    }
    switch (verdict) {
      case IS_TLS:
        startTls();
        return;
      case IS_DNS:
        startDns();
        return;
      case IS_HTTP:
        startHttp();
        return;
      default:
        break; // more bytes needed
    }
  }

  /** Side {@code a}'s prefix buffer, grown to hold {@code need} bytes (at most probeBytes). */
  private byte[] prefix(boolean a, int need) {
    byte[] p = a ? prefixA : prefixB;
    int want = Math.min(need, config.probeBytes);
    if (p == null || p.length < want) {
      int size = Math.min(config.probeBytes, Math.max(256, Math.max(want, p == null ? 0 : p.length * 2)));
      byte[] q = new byte[size];
      int n = a ? lenA : lenB;
      if (p != null && n > 0) {
        System.arraycopy(p, 0, q, 0, n);
      }
      p = q;
      if (a) {
        prefixA = q;
      } else {
        prefixB = q;
      }
    }
    return p;
  }

  /** A side's first bytes matched nothing: HTTP by port, or wait for the other side, or give up. */
  private void afterNoMatch() {
    if (!tunnel && httpAllowed() && httpPort(flow.respPort())) {
      startHttp();
      return;
    }
    // a side filled its probe buffer while the other said nothing: stop keeping bytes
    boolean otherSilent = (decidedA && droppedA > 0 && lenB + droppedB == 0)
        || (decidedB && droppedB > 0 && lenA + droppedA == 0);
    if ((decidedA && decidedB) || otherSilent) {
      layer.counters.inc(AppCounter.TCP_FLOWS_UNDETECTED);
      if (config.starttlsBytes > 0 && config.on(AppConfig.TLS)) {
        mode = WATCH;
        watchedA = lenA + droppedA;
        watchedB = lenB + droppedB;
        if (ftpPort(flow.respPort()) && droppedA == 0 && droppedB == 0) {
          ftp = true; // GSI's TLS inside FTP ADAT commands: read the lines kept so far
          boolean aFirst = firstSide != 2;
          ftpLines(aFirst, aFirst ? prefixA : prefixB, 0, aFirst ? lenA : lenB);
          ftpLines(!aFirst, aFirst ? prefixB : prefixA, 0, aFirst ? lenB : lenA);
        }
        watchLimit();
      } else {
        mode = DONE;
        finished = true;
      }
    }
  }

  private boolean httpAllowed() {
    return config.on(AppConfig.HTTP) && (flow.startedWithSyn() || config.analysePartial);
  }

  /** What {@code p[0, n)}, the first bytes of a side, look like. */
  private int probe(byte[] p, int n, boolean client) {
    // a switched-off analyser (--protocols) is never detected: its flows match nothing
    if (config.on(AppConfig.TLS) && tlsStart(p, 0, n)) {
      return IS_TLS;
    }
    if (config.on(AppConfig.DNS) && DnsParser.probe(p, 0, n, true)) {
      return IS_DNS;
    }
    boolean httpOk = httpAllowed();
    if (httpOk && (client ? HttpConnectionParser.probeRequest(p, 0, n) : HttpConnectionParser.probeResponse(p, 0, n))) {
      return IS_HTTP;
    }
    // every probe has had enough bytes to say no?
    if (n < 6) {
      return MORE;
    }
    if (config.on(AppConfig.DNS) && !dnsDefinite(p, n)) {
      return MORE;
    }
    if (httpOk && client && !requestDefinite(p, n)) {
      return MORE;
    }
    return NO;
  }

  /**
   * Whether {@link DnsParser#probe}'s no is final: it had the whole message or all it could need, or
   * the header alone rules DNS out (the same header checks as the probe).
   */
  private static boolean dnsDefinite(byte[] p, int n) {
    int msgLen = u16(p, 0);
    if (msgLen < DnsParser.HEADER_LENGTH + 5 || n - 2 >= msgLen || n - 2 >= DnsParser.HEADER_LENGTH + 260) {
      return true;
    }
    if (n < 2 + DnsParser.HEADER_LENGTH) {
      return false;
    }
    int flags = u16(p, 4);
    int opcode = (flags >> 11) & 15;
    boolean qr = (flags & 0x8000) != 0;
    long minLen = DnsParser.HEADER_LENGTH + 5L * u16(p, 6) + 11L * (u16(p, 8) + u16(p, 10) + u16(p, 12));
    return opcode == 3 || opcode > 5 || (flags & 0x0040) != 0 || (!qr && (flags & 15) != 0) || u16(p, 6) > 4
        || minLen > msgLen;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  /**
   * Whether {@link HttpConnectionParser#probeRequest}'s no is final: the first token is complete,
   * longer than any method, or holds a byte no method has.
   */
  private static boolean requestDefinite(byte[] p, int n) {
    if (n >= 24) {
      return true;
    }
    int i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
      i++;
    }
    for (; i < n; i++) {
      byte c = p[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        return true;
      }
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
        return true;
      }
    }
    return false;
  }

  /** Hands the kept first bytes of both sides to the new parser, the first sender's first. */
  private void replayPrefixes() {
    boolean aFirst = firstSide != 2;
    replay(aFirst);
    replay(!aFirst);
    lenA = lenB = 0;
    droppedA = droppedB = 0;
    dropLargePrefixes();
  }

  /** Big prefix buffers are not kept with the pooled state (a pool of 4 KiB buffers would be memory for nothing). */
  private void dropLargePrefixes() {
    if (prefixA != null && prefixA.length > 512) {
      prefixA = null;
    }
    if (prefixB != null && prefixB.length > 512) {
      prefixB = null;
    }
  }

  private void replay(boolean a) {
    int n = a ? lenA : lenB;
    long dropped = a ? droppedA : droppedB;
    long saved = curTs;
    curTs = a ? tsA : tsB;
    if (n > 0) {
      data(a, a ? prefixA : prefixB, 0, n);
    }
    curTs = saved;
    if (dropped > 0) {
      gap(a, dropped);
    }
    if (a ? closedA : closedB) {
      closed(a);
    }
  }

  private void startTls() {
    mode = TLS;
    layer.counters.inc(AppCounter.FLOWS_TLS);
    tls = layer.newTlsParser();
    tlsFromA = tlsFromB = true;
    replayPrefixes();
  }

  private void startDns() {
    mode = DNS;
    layer.counters.inc(AppCounter.FLOWS_DNS);
    dns = new DnsState(layer, this, true);
    replayPrefixes();
  }

  private void startHttp() {
    mode = HTTP;
    layer.counters.inc(AppCounter.FLOWS_HTTP);
    http = new HttpConnectionParser(layer.counters.http, this);
    replayPrefixes();
  }

  // ------------------------------------------------------------------ TLS

  private void tlsData(boolean a, byte[] buf, int off, int len, long ts) {
    if (!(a ? tlsFromA : tlsFromB)) {
      // STARTTLS: this side's TLS begins with its first record (normally the ServerHello)
      if (!TlsStreamParser.probeServerHello(buf, off, len) && !tlsStart(buf, off, len)) {
        return;
      }
      if (a) {
        tlsFromA = true;
      } else {
        tlsFromB = true;
      }
    }
    tls.feed(fromOrig(a), buf, off, len);
    if (tlsTs == 0 && tls.session().records() > 0) {
      tlsTs = ts;
    }
    afterTls();
  }

  private void afterTls() {
    TlsSession s = tls.session();
    if (s.confirmed() && (flow.services() & Flow.SERVICE_SSL) == 0) {
      flow.addService(Flow.SERVICE_SSL);
    }
    if (tls.isDone() && !tlsWritten) {
      writeTls();
      mode = DONE;
      finished = true;
    }
  }

  private void writeTls() {
    tlsWritten = true;
    TlsSession s = tls.session();
    for (TlsIssue i : s.issues()) {
      notice(curTs, i.weirdName(), i.meaning(), "tls", -1);
    }
    if (AppRecords.hasHello(s)) {
      layer.emit(AppRecords.tls(flow, s, tlsTs != 0 ? tlsTs : curTs), AppCounter.RECORDS_TLS);
    }
  }

  // ------------------------------------------------------------------ STARTTLS watch

  private void watch(boolean a, byte[] buf, int off, int len) {
    if (ftp) {
      ftpLines(a, buf, off, len);
      if (mode != WATCH) {
        return;
      }
    }
    if (watchChunk(a, buf, off, len)) {
      return;
    }
    if (a) {
      watchedA += len;
    } else {
      watchedB += len;
    }
    watchLimit();
  }

  /**
   * A ClientHello starts here: the parser's probe, or a handshake record of any length whose first
   * byte is the ClientHello type (the probe wants 4 bytes of the message in the first record; a
   * hello sent in 1-byte records has 1).
   */
  static boolean tlsStart(byte[] b, int off, int len) {
    if (TlsStreamParser.probe(b, off, len)) {
      return true;
    }
    if (len < 6 || b[off] != 22 || b[off + 1] != 3 || (b[off + 2] & 0xff) > 4 || b[off + 5] != 1) {
      return false;
    }
    int recLen = ((b[off + 3] & 0xff) << 8) | (b[off + 4] & 0xff);
    return recLen >= 1 && recLen <= (1 << 14) + 2048;
  }

  /** Starts TLS if this chunk begins with a ClientHello. */
  private boolean watchChunk(boolean a, byte[] buf, int off, int len) {
    if (tlsStart(buf, off, len)) {
      mode = TLS;
      layer.counters.inc(AppCounter.FLOWS_STARTTLS);
      tls = layer.newTlsParser();
      tlsFromA = a;
      tlsFromB = !a;
      tlsData(a, buf, off, len, curTs);
      return true;
    }
    return false;
  }

  private void watchLimit() {
    if (adat && adatBytes < MAX_ADAT_BYTES && !(closedA && closedB)) {
      return; // an ADAT exchange carries the handshake: read it to its end
    }
    if (watchedA >= config.starttlsBytes && watchedB >= config.starttlsBytes
        || (closedA && closedB)) {
      mode = DONE;
      finished = true;
    }
  }

  // ------------------------------------------------------------------ GridFTP: TLS in FTP ADAT

  /** Zeek's FTP::ports: its FTP analyzer, and so its ADAT decoding, runs there. */
  static boolean ftpPort(int p) {
    return p == 21 || p == 2811;
  }

  /** Most bytes of ADAT lines read on a connection (a handshake with a certificate chain is a few KiB). */
  static final int MAX_ADAT_BYTES = 1 << 20;
  private static final int MAX_LINE = 256 * 1024;

  /** Splits a side's bytes into lines for {@link #ftpLine}. */
  private void ftpLines(boolean a, byte[] buf, int off, int len) {
    int end = off + len;
    int start = off;
    for (int i = off; i < end && mode == WATCH; i++) {
      if (buf[i] == '\n') {
        lineAppend(a, buf, start, i + 1 - start);
        byte[] l = a ? lineA : lineB;
        int n = a ? lineLenA : lineLenB;
        if (a) {
          lineLenA = 0;
        } else {
          lineLenB = 0;
        }
        ftpLine(a, l, n);
        start = i + 1;
      }
    }
    if (start < end && mode == WATCH) {
      lineAppend(a, buf, start, end - start);
    }
  }

  private void lineAppend(boolean a, byte[] buf, int off, int len) {
    byte[] l = a ? lineA : lineB;
    int n = a ? lineLenA : lineLenB;
    if (n + len > MAX_LINE) {
      len = Math.max(0, MAX_LINE - n); // the rest of an overlong line is dropped
    }
    if (l == null || l.length < n + len) {
      l = java.util.Arrays.copyOf(l == null ? new byte[0] : l, Math.min(MAX_LINE, Math.max(256, (n + len) * 2)));
      if (a) {
        lineA = l;
      } else {
        lineB = l;
      }
    }
    System.arraycopy(buf, off, l, n, len);
    if (a) {
      lineLenA = n + len;
    } else {
      lineLenB = n + len;
    }
  }

  /**
   * One FTP line, as Zeek's FTP analyzer and its FTP_ADAT_Analyzer read them: "AUTH GSSAPI" from the
   * client starts a GSSAPI exchange; the client's "ADAT base64" and the server's "335 ADAT=base64"
   * (or 334, 235) carry GSI's TLS handshake, which goes to the TLS parser. The first client token
   * must be a whole TLS handshake record, else it is not GSI and nothing is decoded.
   */
  private void ftpLine(boolean a, byte[] l, int n) {
    boolean client = fromOrig(a);
    int i = 0;
    while (i < n && (l[i] == ' ' || l[i] == '\t')) {
      i++;
    }
    byte[] decoded = null;
    if (client) {
      if (startsWithIgnoreCase(l, i, n, "AUTH GSSAPI")) {
        adat = true;
        adatFirst = true;
        return;
      }
      if (!adat) {
        return;
      }
      if (startsWithIgnoreCase(l, i, n, "ADAT ")) {
        decoded = base64(l, i + 5, n);
        if (adatFirst) {
          adatFirst = false;
          if (decoded == null || decoded.length < 5 || decoded[0] != 22
              || decoded.length - 5 != (((decoded[3] & 0xff) << 8) | (decoded[4] & 0xff))) {
            adat = false; // not GSI's TLS
            return;
          }
        }
      } else if (startsWithIgnoreCase(l, i, n, "AUTH")) {
        adat = false;
        return;
      }
    } else {
      if (!adat || n - i < 3) {
        return;
      }
      int code = replyCode(l, i, n);
      if (code == 334 || code == 335 || code == 235) {
        int j = i + 3;
        if (j < n && l[j] == '-') {
          j++;
        }
        while (j < n && (l[j] == ' ' || l[j] == '\t')) {
          j++;
        }
        if (startsWithIgnoreCase(l, j, n, "ADAT=")) {
          decoded = base64(l, j + 5, n);
        }
      }
    }
    if (decoded == null || decoded.length == 0) {
      return;
    }
    adatBytes += decoded.length;
    if (tls == null) {
      layer.counters.inc(AppCounter.FLOWS_STARTTLS);
      tls = layer.newTlsParser();
    }
    tls.feed(client, decoded, 0, decoded.length);
    if (tlsTs == 0 && tls.session().records() > 0) {
      tlsTs = curTs;
    }
    afterTls();
  }

  private static int replyCode(byte[] l, int i, int n) {
    int c = 0;
    for (int k = 0; k < 3; k++) {
      if (i + k >= n || l[i + k] < '0' || l[i + k] > '9') {
        return -1;
      }
      c = c * 10 + (l[i + k] - '0');
    }
    return c;
  }

  private static boolean startsWithIgnoreCase(byte[] l, int i, int n, String word) {
    if (n - i < word.length()) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (Character.toUpperCase((char) (l[i + k] & 0xff)) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Base64 of {@code l[from, n)}, line end and other non-alphabet bytes ignored; null if undecodable. */
  private static byte[] base64(byte[] l, int from, int n) {
    try {
      return java.util.Base64.getMimeDecoder().decode(java.nio.ByteBuffer.wrap(l, from, Math.max(0, n - from))).array();
    } catch (IllegalArgumentException e) {
      return null; // a line that is not base64: nothing to decode (once per such line, not per packet)
    }
  }

  // ------------------------------------------------------------------ DNS

  private void dnsMessage(boolean a, byte[] b, int off, int len) {
    dns.message(b, off, len, flushing ? 2 : fromOrig(a) ? 1 : 0, curTs);
  }

  // ------------------------------------------------------------------ HTTP listener

  @Override
  public void onTransaction(HttpTransaction tx) {
    layer.emit(AppRecords.http(flow, tx), AppCounter.RECORDS_HTTP);
  }

  @Override
  public void onWeird(HttpWeird weird, boolean fromClient) {
    notice(curTs, weird.zeekName(), weird.meaning(), "http", fromClient ? 1 : 0);
  }

  /**
   * A CONNECT tunnel or a 101 upgrade began: HTTP is over on this connection, and what it carries
   * from the next byte on is detected afresh (Zeek puts a new protocol detector on the tunnel: a
   * CONNECT to port 443 gives "http,ssl"). Zeek's HTTP ports do not apply inside the tunnel.
   */
  private void enterTunnel() {
    http.onClose();
    httpService();
    http = null;
    tunnel = true;
    mode = UNDECIDED;
    lenA = lenB = 0;
    droppedA = droppedB = 0;
    decidedA = closedA;
    decidedB = closedB;
    firstSide = 0;
  }

  private void httpService() {
    if (http.confirmed()) {
      flow.addService(Flow.SERVICE_HTTP);
    } else {
      flow.removeService(Flow.SERVICE_HTTP);
    }
  }

  // ------------------------------------------------------------------ end

  /** Releases the reassemblers' held pages (the state goes back to the pool). */
  void release() {
    ra.reset(sideA);
    rb.reset(sideB);
    lenA = lenB = 0;
    dropLargePrefixes();
    if (http != null) {
      http.discard(); // no-op after onClose(): its pending transactions were handed on
    }
    http = null;
    tls = null;
    if (dns != null) {
      dns.discard(); // no-op after end(): its finish() took every pending message off the worker's list
    }
    dns = null;
  }

  @Override
  void end(EndReason reason, long nowNanos) {
    if (nowNanos > curTs) {
      curTs = nowNanos;
    }
    CloseReason why;
    switch (reason) {
      case END_REASON_TIMEOUT:
        why = CloseReason.TIMEOUT;
        break;
      case END_REASON_EVICTED:
        why = CloseReason.EVICTED;
        break;
      case END_REASON_CLOSED:
        why = flow.wasReset() ? CloseReason.RST : CloseReason.FIN;
        break;
      default:
        why = CloseReason.END_OF_INPUT;
        break;
    }
    ra.close(why);
    rb.close(why);
    switch (mode) {
      case HTTP:
        http.onClose();
        httpService();
        break;
      case DNS:
        dns.finish();
        break;
      default:
        break;
    }
    if (tls != null && !tlsWritten) { // TLS, or TLS found in FTP ADAT lines while watching
      tls.onClose();
      afterTls();
      if (!tlsWritten) {
        writeTls();
      }
    }
    release();
  }
}
