package dev.nsm.sensor.app;

/**
 * The worker's bound on DNS messages waiting to be paired, over all its flows: at most
 * {@link AppConfig#dnsMaxPending} of them and {@link AppConfig#dnsPendingBytes} of estimated heap. Zeek
 * bounds them per connection only (50 ids x 50 messages, kept in {@link DnsState}); a flood of
 * unanswered queries from many flows (one source port each) would still hold them all until each
 * flow times out. Past either cap the oldest pending message of the worker (whatever its flow) is
 * written unpaired at once, counted ({@link AppCounter#DNS_PENDING_EVICTED}) and noticed on its flow
 * ({@code DNS_pending_evicted}).
 *
 * <pre>
 *   head (oldest) ◄──► Txn ◄──► Txn ◄──► ... ◄──► tail (newest)     intrusive list through
 *                                                                  Txn.prevPending / nextPending
 *   count, bytes: the sum of Txn.pendingBytes of the linked ones
 * </pre>
 *
 * <p>Bytes are an estimate per message ({@link #estimate}): the Txn and the maps' entries that hold
 * it (~{@value #TXN_BYTES} bytes, measured as heap per pending query under a flood of unanswered
 * queries), plus 2 bytes per character of its query name and {@value #ANSWER_BYTES} bytes per
 * answer or resource record it carries.
 */
final class DnsPending {
  static final int TXN_BYTES = 512;
  static final int ANSWER_BYTES = 96;

  private final AppLayer layer;
  private final int maxCount;
  private final long maxBytes;
  private DnsState.Txn head;
  private DnsState.Txn tail;
  private int count;
  private long bytes;

  DnsPending(AppLayer layer, int maxCount, long maxBytes) {
    this.layer = layer;
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  int count() {
    return count;
  }

  long bytes() {
    return bytes;
  }

  static int estimate(DnsState.Txn t) {
    int n = TXN_BYTES;
    if (t.query != null) {
      n += 2 * t.query.length();
    }
    if (t.answers != null) {
      n += ANSWER_BYTES * t.answers.size();
    }
    if (t.records != null) {
      n += ANSWER_BYTES * t.records.size();
    }
    return n;
  }

  /** {@code t} of {@code owner} now waits (newest); the oldest ones go while a cap is passed. */
  void add(DnsState owner, DnsState.Txn t) {
    t.pendingOwner = owner;
    t.pendingBytes = estimate(t);
    t.prevPending = tail;
    t.nextPending = null;
    if (tail != null) {
      tail.nextPending = t;
    } else {
      head = t;
    }
    tail = t;
    count++;
    bytes += t.pendingBytes;
    while ((count > maxCount || bytes > maxBytes) && head != null) {
      DnsState.Txn oldest = head;
      DnsState from = oldest.pendingOwner;
      remove(oldest);
      layer.counters.inc(AppCounter.DNS_PENDING_EVICTED);
      from.evicted(oldest);
    }
  }

  /** {@code t} no longer waits (paired, written, or its flow's state dropped); no-op if not linked. */
  void remove(DnsState.Txn t) {
    if (t.pendingOwner == null) {
      return;
    }
    if (t.prevPending != null) {
      t.prevPending.nextPending = t.nextPending;
    } else {
      head = t.nextPending;
    }
    if (t.nextPending != null) {
      t.nextPending.prevPending = t.prevPending;
    } else {
      tail = t.prevPending;
    }
    t.prevPending = null;
    t.nextPending = null;
    t.pendingOwner = null;
    count--;
    bytes -= t.pendingBytes;
  }
}
