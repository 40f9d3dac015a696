package dev.nsm.sensor.app;

import dev.nsm.parsers.tcp.ReassemblyBudget;
import dev.nsm.parsers.tcp.TcpReassembler;

/**
 * Bounds and switches of the application layer of one worker. Every buffer it sizes is bounded: a
 * flow direction holds at most {@link #reassemblyFlowCapBytes} of out-of-order data and at most
 * {@link #probeBytes} while its protocol is not known; the worker's reassembly pages never pass
 * {@link #reassemblyWorkerBytes}. Hitting a bound is counted and noticed, never a stall.
 */
public final class AppConfig {
  /** Default total reassembly memory of the sensor, split between the workers. */
  public static final long DEFAULT_REASSEMBLY_TOTAL_BYTES = 256L << 20;

  /** Out-of-order bytes held per flow direction (whole pages). */
  public final int reassemblyFlowCapBytes;
  /** Separate out-of-order runs held per flow direction. */
  public final int reassemblyMaxRanges;
  /** Pages of out-of-order data held by one worker at once, in bytes. */
  public final long reassemblyWorkerBytes;
  /** Size of a reassembly page (a power of two). */
  public final int reassemblyPageSize;
  /**
   * First bytes of each direction kept while no protocol is recognised (the parser that is chosen
   * then reads them from the start).
   */
  public final int probeBytes;
  /**
   * How far into each direction a ClientHello is looked for after plain-text bytes (STARTTLS in SMTP,
   * IMAP, XMPP, FTP AUTH TLS, MySQL, ...); 0 turns the search off.
   */
  public final int starttlsBytes;
  /**
   * Whether TCP connections whose first packet was neither a SYN nor a SYN-ACK are analysed. The
   * default is on ({@link #defaults()}), a deliberate change from Zeek, which does not analyse these
   * partial connections (its ssl.log and http.log have nothing of them): a restarted sensor would
   * otherwise lose every keep-alive connection already open, and a replay of rotated files every
   * connection that began in an earlier file. Off gives Zeek's behaviour.
   */
  public final boolean analysePartial;
  /** DNS messages waiting for their pair in one worker, over all its flows (see {@link DnsPending}). */
  public final int dnsMaxPending;
  /** Their estimated heap in one worker, in bytes. */
  public final long dnsPendingBytes;

  /** HTTP transactions waiting for their response in one worker, over all its connections. */
  public final int httpMaxPending;
  /** Their estimated heap in one worker, in bytes (see HttpParserContext). */
  public final long httpPendingBytes;

  /** Defaults of the whole sensor's HTTP pending caps (split between the workers). */
  public static final int DEFAULT_HTTP_MAX_PENDING = 100_000;
  public static final long DEFAULT_HTTP_PENDING_BYTES = 64L << 20;
  public static final long MIN_HTTP_PENDING_BYTES = 64L << 10;

  /** Defaults of the whole sensor's DNS pending caps (split between the workers). */
  public static final int DEFAULT_DNS_MAX_PENDING = 200_000;
  public static final long DEFAULT_DNS_PENDING_BYTES = 128L << 20;
  /** The least a worker's DNS pending byte cap may be (a few messages). */
  public static final long MIN_DNS_PENDING_BYTES = 64L << 10;

  /** {@link #protocols}: DNS over UDP and TCP. */
  public static final int DNS = 1;
  /** {@link #protocols}: TLS over TCP (also after STARTTLS). */
  public static final int TLS = 2;
  /** {@link #protocols}: HTTP/1.x. */
  public static final int HTTP = 4;
  /** {@link #protocols}: QUIC Initial packets (the ClientHello inside, written as a tls record). */
  public static final int QUIC = 8;
  /** Every analyser (the default). */
  public static final int ALL = DNS | TLS | HTTP | QUIC;

  /**
   * Which analysers run, a mask of {@link #DNS}, {@link #TLS}, {@link #HTTP}, {@link #QUIC}: 0 gives
   * flow records only (no reassembly, no application state, no analyser in {@code service}), what issue 9
   * measures. A flow whose protocol is switched off is treated as one that matched nothing.
   */
  public final int protocols;

  public AppConfig(int reassemblyFlowCapBytes, int reassemblyMaxRanges, long reassemblyWorkerBytes,
      int reassemblyPageSize, int probeBytes, int starttlsBytes, boolean analysePartial) {
    this(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, ALL);
  }

  public AppConfig(int reassemblyFlowCapBytes, int reassemblyMaxRanges, long reassemblyWorkerBytes,
      int reassemblyPageSize, int probeBytes, int starttlsBytes, boolean analysePartial, int protocols) {
    this(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, DEFAULT_DNS_MAX_PENDING, DEFAULT_DNS_PENDING_BYTES, DEFAULT_HTTP_MAX_PENDING,
        DEFAULT_HTTP_PENDING_BYTES, protocols);
  }

  public AppConfig(int reassemblyFlowCapBytes, int reassemblyMaxRanges, long reassemblyWorkerBytes,
      int reassemblyPageSize, int probeBytes, int starttlsBytes, boolean analysePartial, int dnsMaxPending,
      long dnsPendingBytes, int httpMaxPending, long httpPendingBytes) {
    this(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, dnsMaxPending, dnsPendingBytes, httpMaxPending, httpPendingBytes, ALL);
  }

  public AppConfig(int reassemblyFlowCapBytes, int reassemblyMaxRanges, long reassemblyWorkerBytes,
      int reassemblyPageSize, int probeBytes, int starttlsBytes, boolean analysePartial, int dnsMaxPending,
      long dnsPendingBytes, int httpMaxPending, long httpPendingBytes, int protocols) {
    if ((protocols & ~ALL) != 0) {
      throw new IllegalArgumentException("unknown protocol bits " + Integer.toHexString(protocols));
    }
    if (httpMaxPending < 1 || httpPendingBytes < MIN_HTTP_PENDING_BYTES) {
      throw new IllegalArgumentException("HTTP pending caps out of range: " + httpMaxPending + " transactions, "
          + httpPendingBytes + " bytes (at least 1 transaction and " + MIN_HTTP_PENDING_BYTES + " bytes)");
    }
    if (dnsMaxPending < 1 || dnsPendingBytes < MIN_DNS_PENDING_BYTES) {
      throw new IllegalArgumentException("DNS pending caps out of range: " + dnsMaxPending + " messages, "
          + dnsPendingBytes + " bytes (at least 1 message and " + MIN_DNS_PENDING_BYTES + " bytes)");
    }
    if (reassemblyPageSize < 16 || Integer.bitCount(reassemblyPageSize) != 1) {
      throw new IllegalArgumentException("reassembly page size must be a power of two >= 16, not " + reassemblyPageSize);
    }
    if (reassemblyFlowCapBytes < reassemblyPageSize) {
      throw new IllegalArgumentException("reassembly flow cap must be at least one page (" + reassemblyPageSize
          + " bytes), not " + reassemblyFlowCapBytes);
    }
    if (reassemblyWorkerBytes < reassemblyFlowCapBytes) {
      throw new IllegalArgumentException("reassembly memory per worker (" + reassemblyWorkerBytes
          + " bytes) must be at least the flow cap (" + reassemblyFlowCapBytes + ")");
    }
    if (reassemblyMaxRanges < 1 || probeBytes < 64 || starttlsBytes < 0) {
      throw new IllegalArgumentException("application layer bounds out of range: ranges " + reassemblyMaxRanges
          + ", probe bytes " + probeBytes + ", starttls bytes " + starttlsBytes);
    }
    this.reassemblyFlowCapBytes = reassemblyFlowCapBytes;
    this.reassemblyMaxRanges = reassemblyMaxRanges;
    this.reassemblyWorkerBytes = reassemblyWorkerBytes;
    this.reassemblyPageSize = reassemblyPageSize;
    this.probeBytes = probeBytes;
    this.starttlsBytes = starttlsBytes;
    this.analysePartial = analysePartial;
    this.dnsMaxPending = dnsMaxPending;
    this.dnsPendingBytes = dnsPendingBytes;
    this.httpMaxPending = httpMaxPending;
    this.httpPendingBytes = httpPendingBytes;
    this.protocols = protocols;
  }

  /** Whether any analyser in the mask {@code p} is on. */
  public boolean on(int p) {
    return (protocols & p) != 0;
  }

  /**
   * Parses "all", "none" or a comma-separated list of dns, tls, http, quic (case-insensitive) into a
   * mask; IllegalArgumentException with a one-line message otherwise.
   */
  public static int parseProtocols(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("all")) {
      return ALL;
    }
    if (t.equals("none")) {
      return 0;
    }
    int m = 0;
    for (String part : t.split(",", -1)) {
      switch (part.trim()) {
        case "dns": m |= DNS; break;
        case "tls": m |= TLS; break;
        case "http": m |= HTTP; break;
        case "quic": m |= QUIC; break;
        default:
          throw new IllegalArgumentException("unknown protocol '" + part.trim()
              + "' (all, none, or a list of dns, tls, http, quic)");
      }
    }
    return m;
  }

  /** These bounds with only the analysers of the mask {@code p} on. */
  public AppConfig withProtocols(int p) {
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize,
        probeBytes, starttlsBytes, analysePartial, dnsMaxPending, dnsPendingBytes, httpMaxPending, httpPendingBytes, p);
  }

  /** Defaults for one worker holding the whole sensor's reassembly memory. */
  public static AppConfig defaults() {
    return new AppConfig(TcpReassembler.DEFAULT_FLOW_CAP_BYTES, TcpReassembler.DEFAULT_MAX_RANGES,
        DEFAULT_REASSEMBLY_TOTAL_BYTES, ReassemblyBudget.DEFAULT_PAGE_SIZE, 4096, 64 * 1024, true);
  }

  /** These bounds with the given reassembly caps: per flow direction, and in total for the sensor. */
  public AppConfig withReassembly(int flowCapBytes, long totalBytes) {
    return new AppConfig(flowCapBytes, reassemblyMaxRanges, totalBytes, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, dnsMaxPending, dnsPendingBytes,
        httpMaxPending, httpPendingBytes, protocols);
  }

  public AppConfig withAnalysePartial(boolean on) {
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize,
        probeBytes, starttlsBytes, on, dnsMaxPending, dnsPendingBytes, httpMaxPending,
        httpPendingBytes, protocols);
  }

  /** These bounds with the given DNS pending caps (for the whole sensor: {@link #perWorker} splits them). */
  public AppConfig withDnsPending(int maxMessages, long bytes) {
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize,
        probeBytes, starttlsBytes, analysePartial, maxMessages, bytes, httpMaxPending,
        httpPendingBytes, protocols);
  }

  /** These bounds with the given HTTP pending caps (for the whole sensor: {@link #perWorker} splits them). */
  public AppConfig withHttpPending(int maxTransactions, long bytes) {
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize,
        probeBytes, starttlsBytes, analysePartial, dnsMaxPending, dnsPendingBytes, maxTransactions, bytes, protocols);
  }

  /** The total reassembly memory split over {@code workers} (never below one flow cap each). */
  public AppConfig perWorker(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    long each = Math.max(reassemblyFlowCapBytes, reassemblyWorkerBytes / workers);
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, each, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, Math.max(1, dnsMaxPending / workers),
        Math.max(MIN_DNS_PENDING_BYTES, dnsPendingBytes / workers), Math.max(1, httpMaxPending / workers),
        Math.max(MIN_HTTP_PENDING_BYTES, httpPendingBytes / workers), protocols);
  }
}
