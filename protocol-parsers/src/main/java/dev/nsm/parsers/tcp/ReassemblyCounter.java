package dev.nsm.parsers.tcp;

/**
 * The counters of TCP reassembly, one place for all of them (Aeron's {@code SystemCounterDescriptor}
 * style): a stable id, a metric name and a one-line meaning. Values live in a
 * {@link ReassemblyCounters} per worker, indexed by {@link #id()}.
 */
public enum ReassemblyCounter {
  SEGMENTS(0, "tcp_reassembly_segments", "segments offered to a reassembler (any flags, any length)"),
  DELIVERED_BYTES(1, "tcp_reassembly_delivered_bytes", "stream bytes delivered in order, each exactly once"),
  FAST_PATH_SEGMENTS(2, "tcp_reassembly_fast_path_segments",
      "in-order segments delivered straight from the packet with nothing held (no copy)"),
  HELD_SEGMENTS(3, "tcp_reassembly_held_segments", "out-of-order segments copied into pages to wait for a hole"),
  HELD_BYTES(4, "tcp_reassembly_held_bytes", "bytes copied into pages (out-of-order data, new bytes only)"),
  GAPS(5, "tcp_reassembly_gaps", "holes delivered as gaps, all reasons"),
  GAP_BYTES(6, "tcp_reassembly_gap_bytes", "bytes of holes delivered as gaps, all reasons"),
  GAPS_ACKED(7, "tcp_reassembly_gaps_acked", "gaps because the peer acknowledged bytes never seen"),
  GAP_BYTES_ACKED(8, "tcp_reassembly_gap_bytes_acked", "bytes of gaps the peer acknowledged"),
  GAPS_FLOW_CAP(9, "tcp_reassembly_gaps_flow_cap", "gaps forced by the per-flow cap (pages or ranges)"),
  GAP_BYTES_FLOW_CAP(10, "tcp_reassembly_gap_bytes_flow_cap",
      "bytes skipped because of the per-flow cap (their late copies are discarded)"),
  GAPS_BUDGET(11, "tcp_reassembly_gaps_budget", "gaps forced by the worker's reassembly budget"),
  GAP_BYTES_BUDGET(12, "tcp_reassembly_gap_bytes_budget",
      "bytes skipped because the budget was full (their late copies are discarded)"),
  GAPS_STALE(13, "tcp_reassembly_gaps_stale", "gaps forced by the hold timeout"),
  GAP_BYTES_STALE(14, "tcp_reassembly_gap_bytes_stale", "bytes skipped by the hold timeout"),
  GAPS_CLOSE(15, "tcp_reassembly_gaps_close", "holes flushed as gaps when a direction closed"),
  GAP_BYTES_CLOSE(16, "tcp_reassembly_gap_bytes_close", "bytes of holes flushed when a direction closed"),
  MISSED_BYTES(17, "tcp_reassembly_missed_bytes",
      "acknowledged gap bytes of cleanly established connections: what Zeek logs as missed_bytes"),
  RETRANSMITTED_SEGMENTS(18, "tcp_reassembly_retransmitted_segments",
      "segments carrying bytes already delivered or gapped (dropped, or trimmed to the new bytes)"),
  RETRANSMITTED_BYTES(19, "tcp_reassembly_retransmitted_bytes", "bytes already delivered or gapped, dropped"),
  OVERLAP_SEGMENTS(20, "tcp_reassembly_overlap_segments", "segments overlapping held out-of-order data"),
  OVERLAP_BYTES(21, "tcp_reassembly_overlap_bytes", "bytes overlapping held data (the held, first copy wins)"),
  INCONSISTENT_OVERLAPS(22, "tcp_reassembly_inconsistent_overlaps",
      "segments whose overlap with held data differs from it (Zeek's rexmit_inconsistency)"),
  BYTES_AFTER_FIN(23, "tcp_reassembly_bytes_after_fin", "bytes placed at or past the FIN, dropped"),
  SEGMENTS_AFTER_CLOSE(24, "tcp_reassembly_segments_after_close", "segments arriving after the direction closed"),
  BYTES_BEFORE_START(25, "tcp_reassembly_bytes_before_start",
      "bytes before the stream's first byte (a mid-stream start reordered), dropped"),
  ACK_UNDERFLOW(26, "tcp_reassembly_ack_underflow",
      "acks below the stream's start (Zeek's TCP_ack_underflow_or_misorder), ignored"),
  SYN_REINIT(27, "tcp_reassembly_syn_reinit", "a SYN with a new sequence before any data: stream restarted"),
  SYN_IGNORED(28, "tcp_reassembly_syn_ignored", "a SYN with another sequence after data: segment dropped"),
  FIN_CONFLICT(29, "tcp_reassembly_fin_conflict", "a FIN at another place than the first FIN, or before delivered data"),
  DISCARDED_BYTES(30, "tcp_reassembly_discarded_bytes", "held bytes dropped by a reset() without close()"),
  CLOSED_FIN(31, "tcp_reassembly_closed_fin", "directions closed by a FIN reached in order"),
  CLOSED_RST(32, "tcp_reassembly_closed_rst", "directions closed by a RST"),
  CLOSED_TIMEOUT(33, "tcp_reassembly_closed_timeout", "directions closed by a flow timeout"),
  CLOSED_END_OF_INPUT(34, "tcp_reassembly_closed_end_of_input", "directions closed at the end of the input"),
  CLOSED_EVICTED(35, "tcp_reassembly_closed_evicted", "directions closed because the flow was evicted"),
  CONTROL_BEFORE_DATA(36, "tcp_reassembly_control_before_data",
      "a RST, or a bare FIN before the stream started, with nothing delivered yet: ignored"),
  STREAM_REBASED(37, "tcp_reassembly_stream_rebased",
      "first data out of any window of the SYN's ISN (a wrong SYN): stream restarted at the data"),
  ACK_BEYOND_WINDOW(38, "tcp_reassembly_ack_beyond_window",
      "an ack past any window of a stream that delivered nothing yet (a wrong SYN): ignored");

  private final int id;
  private final String metricName;
  private final String description;

  ReassemblyCounter(int id, String metricName, String description) {
    this.id = id;
    this.metricName = metricName;
    this.description = description;
  }

  /** Index into {@link ReassemblyCounters}; stable across releases. */
  public int id() {
    return id;
  }

  public String metricName() {
    return metricName;
  }

  public String description() {
    return description;
  }
}
