package dev.nsm.parsers.tls;

/**
 * Counts of {@link TlsIssue}s, one array per owner (a flow worker shares one among all its
 * connections' parsers). Not thread safe: one writer thread, readers take a snapshot with
 * {@link #get}. Plain array increments, no allocation.
 */
public final class TlsCounters {
  private final long[] counts = new long[TlsIssue.values().length];

  /** Adds one to {@code issue}. */
  public void increment(TlsIssue issue) {
    counts[issue.ordinal()]++;
  }

  public long get(TlsIssue issue) {
    return counts[issue.ordinal()];
  }

  /** Sum over all issues. */
  public long total() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }
}
