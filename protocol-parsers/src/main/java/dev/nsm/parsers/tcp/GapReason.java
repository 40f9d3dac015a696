package dev.nsm.parsers.tcp;

/**
 * Why the reassembler gave up waiting for a hole and delivered it as a gap. Each reason counts the
 * gaps and their bytes in its two {@link ReassemblyCounter}s.
 */
public enum GapReason {
  ACKED(ReassemblyCounter.GAPS_ACKED, ReassemblyCounter.GAP_BYTES_ACKED,
      "the peer acknowledged bytes never seen: they reached the receiver but not the sensor (Zeek's content_gap)"),
  FLOW_CAP(ReassemblyCounter.GAPS_FLOW_CAP, ReassemblyCounter.GAP_BYTES_FLOW_CAP,
      "holding one more out-of-order segment would pass the per-flow cap (pages or ranges)"),
  BUDGET(ReassemblyCounter.GAPS_BUDGET, ReassemblyCounter.GAP_BYTES_BUDGET,
      "the worker's reassembly budget has no free page for the segment"),
  STALE(ReassemblyCounter.GAPS_STALE, ReassemblyCounter.GAP_BYTES_STALE,
      "held data waited longer than the hold timeout for the hole before it"),
  CLOSE(ReassemblyCounter.GAPS_CLOSE, ReassemblyCounter.GAP_BYTES_CLOSE,
      "the direction closed (RST, timeout, end, eviction) with holes; held data delivered after them");

  private final ReassemblyCounter gaps;
  private final ReassemblyCounter bytes;
  private final String description;

  GapReason(ReassemblyCounter gaps, ReassemblyCounter bytes, String description) {
    this.gaps = gaps;
    this.bytes = bytes;
    this.description = description;
  }

  public ReassemblyCounter gapsCounter() {
    return gaps;
  }

  public ReassemblyCounter bytesCounter() {
    return bytes;
  }

  public String description() {
    return description;
  }
}
