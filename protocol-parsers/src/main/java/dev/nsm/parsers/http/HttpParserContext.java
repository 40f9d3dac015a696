package dev.nsm.parsers.http;

/**
 * What the HTTP parsers of one thread share: the limits, the outcome counters and a scratch buffer.
 * One per flow worker, handed to every {@link HttpConnectionParser} it creates; not thread-safe (a
 * worker owns its connections, so nothing here is ever shared across threads).
 *
 * <p>The limits bound memory and work per connection whatever the input: a line is never kept beyond
 * {@link #maxLineLength} bytes, a header block never read beyond {@link #maxHeaderBytes} or
 * {@link #maxHeaders} lines, at most {@link #maxPendingRequests} requests wait for their responses,
 * and a compressed body is never inflated beyond {@link #maxInflatedBytes}.
 */
public final class HttpParserContext {
  /** Longest line kept (request line, status line, header line, chunk size); longer is truncated. */
  public final int maxLineLength;
  /** Largest header block (request/status line excluded, trailers included) before a direction stops. */
  public final int maxHeaderBytes;
  /** Most header lines in one block before a direction stops. */
  public final int maxHeaders;
  /** Zeek's HTTP::max_pending_requests: more pending requests flush them all. */
  public final int maxPendingRequests;
  /** Whether gzip/deflate bodies are inflated to count their decompressed length, as Zeek logs it. */
  public final boolean inflateBodies;
  /** Most decompressed bytes counted per body (a decompression bomb costs at most this much work). */
  public final long maxInflatedBytes;
  /**
   * Zeek's DPD::ignore_violations_after: a protocol violation within this many bytes of the
   * connection (both directions) makes the parser give up on the whole connection, as Zeek removes
   * its analyzer; later violations only stop the direction that had them.
   */
  public final long ignoreViolationsAfter;

  private final long[] counts = new long[HttpWeird.values().length];
  private long transactions;
  /** Inflater output, thrown away: only its length is counted. */
  final byte[] inflateScratch = new byte[16 * 1024];
  /** Where a request target is %-decoded (never longer than the line it came from). */
  final byte[] uriScratch;

  /** The defaults: 8 KiB lines, 64 KiB and 256 header lines, 100 pending, 16 MiB inflated, 10 KiB. */
  public HttpParserContext() {
    this(8 * 1024, 64 * 1024, 256, 100, true, 16L << 20, 10 * 1024);
  }

  public HttpParserContext(int maxLineLength, int maxHeaderBytes, int maxHeaders, int maxPendingRequests,
      boolean inflateBodies, long maxInflatedBytes, long ignoreViolationsAfter) {
    if (maxLineLength < 64 || maxHeaderBytes < maxLineLength || maxHeaders < 1 || maxPendingRequests < 1
        || maxInflatedBytes < 0 || ignoreViolationsAfter < 0) {
      throw new IllegalArgumentException("bad HTTP parser limits: line " + maxLineLength + ", header block "
          + maxHeaderBytes + ", headers " + maxHeaders + ", pending " + maxPendingRequests + ", inflated "
          + maxInflatedBytes + ", violations after " + ignoreViolationsAfter);
    }
    this.maxLineLength = maxLineLength;
    this.maxHeaderBytes = maxHeaderBytes;
    this.maxHeaders = maxHeaders;
    this.maxPendingRequests = maxPendingRequests;
    this.inflateBodies = inflateBodies;
    this.maxInflatedBytes = maxInflatedBytes;
    this.ignoreViolationsAfter = ignoreViolationsAfter;
    this.uriScratch = new byte[maxLineLength];
  }

  /** How many times {@code w} happened, over every connection of this context. */
  public long count(HttpWeird w) {
    return counts[w.ordinal()];
  }

  /** Transactions handed to listeners so far. */
  public long transactions() {
    return transactions;
  }

  void increment(HttpWeird w) {
    counts[w.ordinal()]++;
  }

  void countTransaction() {
    transactions++;
  }
}
