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
   * Whether TCP connections whose first packet was neither a SYN nor a SYN-ACK are analysed. Zeek
   * does not analyse these partial connections (its ssl.log and http.log have nothing of them), so
   * the default is off.
   */
  public final boolean analysePartial;

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
    if ((protocols & ~ALL) != 0) {
      throw new IllegalArgumentException("unknown protocol bits " + Integer.toHexString(protocols));
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
        probeBytes, starttlsBytes, analysePartial, p);
  }

  /** Defaults for one worker holding the whole sensor's reassembly memory. */
  public static AppConfig defaults() {
    return new AppConfig(TcpReassembler.DEFAULT_FLOW_CAP_BYTES, TcpReassembler.DEFAULT_MAX_RANGES,
        DEFAULT_REASSEMBLY_TOTAL_BYTES, ReassemblyBudget.DEFAULT_PAGE_SIZE, 4096, 64 * 1024, false);
  }

  /** These bounds with the given reassembly caps: per flow direction, and in total for the sensor. */
  public AppConfig withReassembly(int flowCapBytes, long totalBytes) {
    return new AppConfig(flowCapBytes, reassemblyMaxRanges, totalBytes, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, protocols);
  }

  public AppConfig withAnalysePartial(boolean on) {
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, reassemblyWorkerBytes, reassemblyPageSize,
        probeBytes, starttlsBytes, on, protocols);
  }

  /** The total reassembly memory split over {@code workers} (never below one flow cap each). */
  public AppConfig perWorker(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    long each = Math.max(reassemblyFlowCapBytes, reassemblyWorkerBytes / workers);
    return new AppConfig(reassemblyFlowCapBytes, reassemblyMaxRanges, each, reassemblyPageSize, probeBytes,
        starttlsBytes, analysePartial, protocols);
  }
}
