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

  /**
   * Pending transactions over all this worker's connections (Zeek bounds them per connection only,
   * {@link #maxPendingRequests}): at most this many, and at most {@link #maxPendingBytesTotal} of
   * estimated heap ({@link HttpTransaction#estimateBytes}). Past either, the oldest pending transaction
   * of another connection is handed on at once, unanswered, counted ({@link #pendingEvicted}) and
   * weird'ed ({@link HttpWeird#HTTP_PENDING_EVICTED}) on its connection. Set by
   * {@link #setPendingCaps} before any parser runs.
   *
   * <pre>
   *   head (oldest) ◄──► tx ◄──► tx ◄──► ... ◄──► tail (newest)    through HttpTransaction.prev/nextPending
   * </pre>
   */
  private int maxPendingTotal = Integer.MAX_VALUE;
  private long maxPendingBytesTotal = Long.MAX_VALUE;
  private HttpTransaction pendHead;
  private HttpTransaction pendTail;
  private int pendCount;
  private long pendBytes;
  private long pendingEvicted;

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

  /** The worker's caps on pending transactions, in entries and estimated bytes (see the fields). */
  public void setPendingCaps(int maxTransactions, long maxBytes) {
    if (maxTransactions < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("HTTP pending caps must be positive: " + maxTransactions + ", " + maxBytes);
    }
    this.maxPendingTotal = maxTransactions;
    this.maxPendingBytesTotal = maxBytes;
  }

  /** Transactions pending over all connections now. */
  public int pendingTotal() {
    return pendCount;
  }

  /** Their estimated heap now, in bytes. */
  public long pendingBytesTotal() {
    return pendBytes;
  }

  /** Transactions handed on early because a worker cap was reached. */
  public long pendingEvicted() {
    return pendingEvicted;
  }

  void pendingLink(HttpPairing owner, int key, HttpTransaction tx) {
    tx.pendingOwner = owner;
    tx.pendingKey = key;
    tx.pendingBytes = tx.estimateBytes();
    tx.prevPending = pendTail;
    tx.nextPending = null;
    if (pendTail != null) {
      pendTail.nextPending = tx;
    } else {
      pendHead = tx;
    }
    pendTail = tx;
    pendCount++;
    pendBytes += tx.pendingBytes;
    enforce(owner);
  }

  /** The transaction's fields grew (headers read): its estimate again, and the caps. */
  void pendingReweigh(HttpTransaction tx) {
    if (tx.pendingOwner == null) {
      return;
    }
    int b = tx.estimateBytes();
    pendBytes += b - tx.pendingBytes;
    tx.pendingBytes = b;
    enforce(tx.pendingOwner);
  }

  void pendingUnlink(HttpTransaction tx) {
    if (tx.pendingOwner == null) {
      return;
    }
    if (tx.prevPending != null) {
      tx.prevPending.nextPending = tx.nextPending;
    } else {
      pendHead = tx.nextPending;
    }
    if (tx.nextPending != null) {
      tx.nextPending.prevPending = tx.prevPending;
    } else {
      pendTail = tx.prevPending;
    }
    tx.prevPending = null;
    tx.nextPending = null;
    tx.pendingOwner = null;
    pendCount--;
    pendBytes -= tx.pendingBytes;
  }

  /**
   * Over a cap: the oldest transactions of other connections go (the connection being parsed keeps
   * its own, which its per-connection bound {@link #maxPendingRequests} limits).
   */
  private void enforce(HttpPairing current) {
    HttpTransaction tx = pendHead;
    while ((pendCount > maxPendingTotal || pendBytes > maxPendingBytesTotal) && tx != null) {
      HttpTransaction next = tx.nextPending;
      if (tx.pendingOwner != current) {
        HttpPairing owner = tx.pendingOwner;
        int key = tx.pendingKey;
        pendingUnlink(tx);
        pendingEvicted++;
        owner.evicted(key, tx);
      }
      tx = next;
    }
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
