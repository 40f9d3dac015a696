package dev.nsm.parsers.tcp;

/**
 * The values of every {@link ReassemblyCounter} for one worker, shared by all its reassemblers.
 * Written by the worker's thread only; read after it stopped, or as a racy snapshot.
 */
public final class ReassemblyCounters {
  private static final ReassemblyCounter[] ALL = ReassemblyCounter.values();

  final long[] v = new long[ALL.length];

  public long get(ReassemblyCounter c) {
    return v[c.id()];
  }

  /** Adds another worker's values into this one (totals over workers). */
  public void add(ReassemblyCounters other) {
    for (int i = 0; i < v.length; i++) {
      v[i] += other.v[i];
    }
  }

  /** {@code name=value} for the non-zero counters, in id order; for logs and test messages. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (ReassemblyCounter c : ALL) {
      if (v[c.id()] != 0) {
        sb.append(sb.length() == 0 ? "" : " ").append(c.name().toLowerCase()).append('=').append(v[c.id()]);
      }
    }
    return sb.toString();
  }
}
