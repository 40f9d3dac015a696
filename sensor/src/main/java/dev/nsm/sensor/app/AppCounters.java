package dev.nsm.sensor.app;

import dev.nsm.parsers.dns.DnsResult;
import dev.nsm.parsers.http.HttpParserContext;
import dev.nsm.parsers.http.HttpWeird;
import dev.nsm.parsers.tcp.ReassemblyCounter;
import dev.nsm.parsers.tcp.ReassemblyCounters;
import dev.nsm.parsers.tls.TlsCertificateCache;
import dev.nsm.parsers.tls.TlsCounters;
import dev.nsm.parsers.tls.TlsIssue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every counter of one worker's application layer: its own ({@link AppCounter}), the reassembler's,
 * and the parsers' outcome counts. Written by the worker's thread only; summed with {@link #add}.
 */
public final class AppCounters {
  private static final AppCounter[] APP = AppCounter.values();

  final long[] app = new long[APP.length];
  final long[] dnsResults = new long[DnsResult.values().length];
  public final ReassemblyCounters reassembly = new ReassemblyCounters();
  public final TlsCounters tls = new TlsCounters();
  /** The worker's HTTP parser context (its limits and weird counts). */
  public final HttpParserContext http = new HttpParserContext();
  private final long[] httpWeirdsAdded = new long[HttpWeird.values().length];
  private final long[] tlsIssuesAdded = new long[TlsIssue.values().length];
  /** The worker's parsed certificates by DER (its TLS parsers share it). */
  public final TlsCertificateCache certificates = new TlsCertificateCache(TlsCertificateCache.DEFAULT_CAPACITY);
  private long certHitsAdded;
  private long certMissesAdded;
  private long certEvictionsAdded;

  void inc(AppCounter c) {
    app[c.ordinal()]++;
  }

  public long get(AppCounter c) {
    return app[c.ordinal()];
  }

  /** Adds another worker's counters into these (for totals). */
  public void add(AppCounters o) {
    for (int i = 0; i < app.length; i++) {
      app[i] += o.app[i];
    }
    for (int i = 0; i < dnsResults.length; i++) {
      dnsResults[i] += o.dnsResults[i];
    }
    reassembly.add(o.reassembly);
    for (TlsIssue t : TlsIssue.values()) {
      tlsIssuesAdded[t.ordinal()] += o.tls.get(t) + o.tlsIssuesAdded[t.ordinal()];
    }
    for (HttpWeird w : HttpWeird.values()) {
      httpWeirdsAdded[w.ordinal()] += o.http.count(w) + o.httpWeirdsAdded[w.ordinal()];
    }
    certHitsAdded += o.certificates.hits() + o.certHitsAdded;
    certMissesAdded += o.certificates.misses() + o.certMissesAdded;
    certEvictionsAdded += o.certificates.evictions() + o.certEvictionsAdded;
  }

  /** The TLS certificate cache's hits (this worker's, plus those of workers merged in). */
  public long certCacheHits() {
    return certificates.hits() + certHitsAdded;
  }

  /** Its misses (certificates parsed). */
  public long certCacheMisses() {
    return certificates.misses() + certMissesAdded;
  }

  /** Its evictions (least recently used, past its size). */
  public long certCacheEvictions() {
    return certificates.evictions() + certEvictionsAdded;
  }

  /**
   * Every counter by name, for the stats record: the application layer's and the reassembler's
   * always; DNS malformations, TLS issues and HTTP weirds only when they happened.
   */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (AppCounter c : APP) {
      m.put(c.metricName(), app[c.ordinal()]);
    }
    for (ReassemblyCounter c : ReassemblyCounter.values()) {
      m.put(c.metricName(), reassembly.get(c));
    }
    for (DnsResult r : DnsResult.values()) {
      if (r.isMalformed() && dnsResults[r.ordinal()] > 0) {
        m.put("dns_" + r.counterName(), dnsResults[r.ordinal()]);
      }
    }
    for (TlsIssue t : TlsIssue.values()) {
      long n = tls.get(t) + tlsIssuesAdded[t.ordinal()];
      if (n > 0) {
        m.put(t.counterName(), n);
      }
    }
    for (HttpWeird w : HttpWeird.values()) {
      long n = http.count(w) + httpWeirdsAdded[w.ordinal()];
      if (n > 0) {
        m.put("http_weird_" + w.name().toLowerCase(java.util.Locale.ROOT), n);
      }
    }
    // Not the certificate cache's hits, misses and evictions: the cache is per worker, so they
    // depend on --workers, and the stats record is the same for any number of workers.
    return m;
  }
}
