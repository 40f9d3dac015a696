package dev.nsm.sensor.app;

/**
 * The application layer's counters, all in one place (Aeron's {@code SystemCounterDescriptor}
 * style): a metric name and a one-line meaning each. Values live in {@link AppCounters}, one per
 * worker, indexed by ordinal. The parsers' own outcome counters (DNS results, TLS issues, HTTP
 * weirds) and the reassembler's are reported beside these under their own names.
 */
public enum AppCounter {
  TCP_FLOWS_INSPECTED("app_tcp_flows_inspected", "TCP flows that carried payload and got reassembly and detection"),
  TCP_FLOWS_PARTIAL_SKIPPED("app_tcp_flows_partial_skipped",
      "TCP flows with payload not analysed because they began without SYN or SYN-ACK "
          + "(only with --no-analyse-partial, as Zeek)"),
  TCP_FLOWS_UNDETECTED("app_tcp_flows_undetected", "TCP flows whose bytes matched no protocol (inspection stopped)"),
  TCP_SEGMENTS_TRUNCATED("app_tcp_segments_truncated",
      "TCP segments cut by the capture's snap length: their payload was not reassembled (a gap)"),
  PROBE_OVERFLOW("app_probe_overflow",
      "flow directions that sent more than the probe buffer before any protocol was recognised"),
  UDP_FLOWS_PROBED("app_udp_flows_probed", "UDP flows whose first datagram was looked at"),
  FLOWS_DNS("app_flows_dns", "flows recognised as DNS (UDP or TCP)"),
  FLOWS_TLS("app_flows_tls", "TCP flows recognised as TLS from their first bytes"),
  FLOWS_STARTTLS("app_flows_starttls", "TCP flows where a TLS handshake began after plain-text bytes"),
  FLOWS_HTTP("app_flows_http", "TCP flows given to the HTTP parser (by content, or Zeek's HTTP ports)"),
  FLOWS_QUIC("app_flows_quic", "UDP flows recognised as QUIC (an Initial packet of a version read)"),
  QUIC_PACKETS_DECRYPTED("quic_initial_packets_decrypted", "QUIC Initial packets decrypted (their CRYPTO frames read)"),
  QUIC_PACKETS_UNDECRYPTABLE("quic_initial_packets_undecryptable",
      "QUIC Initial packets that did not authenticate with the keys of the client's first DCID"),
  QUIC_PACKETS_MALFORMED("quic_initial_packets_malformed", "QUIC packets or Initial frames that overran their bounds"),
  DNS_MESSAGES("dns_messages", "DNS messages parsed"),
  DNS_MESSAGES_MALFORMED("dns_messages_malformed", "DNS messages whose parse stopped at a malformation"),
  DNS_UNTRACKED_OPCODE("dns_untracked_opcode", "DNS messages with an opcode other than query, notify, update"),
  DNS_UNANSWERED("dns_unanswered", "DNS queries written without a response (at the flow's end or a pairing bound)"),
  DNS_UNMATCHED_REPLIES("dns_unmatched_replies", "DNS responses that answered no query seen"),
  DNS_PENDING_FLUSHED("dns_pending_flushed",
      "pending DNS queries or responses written early because a flow passed Zeek's pairing bounds (50 ids, 50 per id)"),
  DNS_PENDING_EVICTED("dns_pending_evicted",
      "pending DNS queries or responses written early (oldest first) because the worker's pending cap "
          + "(protocols.dns.max_pending or pending_memory) was reached"),
  DNS_TCP_MESSAGES_LOST("dns_tcp_messages_lost", "DNS-over-TCP messages cut by a gap in the stream"),
  RECORDS_DNS("records_dns", "dns records written"),
  RECORDS_TLS("records_tls", "tls records written"),
  RECORDS_HTTP("records_http", "http records written"),
  RECORDS_NOTICE("records_notice", "notice records written"),
  NOTICES_REPEATED("notices_repeated", "notices not written because their flow already had one of that name"),
  ERRORS("app_errors", "flows whose application state was dropped because a parser threw (a bug; the first is logged)"),
  REASSEMBLY_CAP_HIT("app_reassembly_cap_hit",
      "flows where out-of-order data passed the per-flow cap or the worker's budget (a gap was forced)");

  private final String metricName;
  private final String description;

  AppCounter(String metricName, String description) {
    this.metricName = metricName;
    this.description = description;
  }

  public String metricName() {
    return metricName;
  }

  public String description() {
    return description;
  }
}
