package dev.nsm.sensor.flow;

import java.util.concurrent.TimeUnit;

/**
 * Timeouts and bounds of a {@link FlowTable}. Defaults are Zeek's ({@code scripts/base/init-bare.zeek}
 * and {@code base/protocols/conn/inactivity.zeek}); every duration is in nanoseconds of packet time.
 *
 * <p>How Zeek uses each timeout (and so how the table does):
 *
 * <ul>
 *   <li>{@code tcpInactivity} (5 min): a TCP connection with no packet for this long is removed, once
 *       its handshake finished; before that it has the UDP timeout (Zeek sets {@code
 *       udp_inactivity_timeout} when it makes a TCP connection and raises it when an endpoint leaves
 *       the handshake states).
 *   <li>{@code udpInactivity}, {@code icmpInactivity}, {@code otherInactivity} (1 min each).
 *   <li>{@code longInactivity} (1 h) for connections established on ports 21, 22, 23, 513 (Zeek's
 *       {@code Conn::port_inactivity_timeouts}).
 *   <li>{@code tcpSynTimeout} (5 s) then every {@code tcpSessionTimer} (6 s): Zeek's TCP expire
 *       check; it removes a connection that has been quiet for {@code tcpConnectionLinger} (5 s) and is
 *       closed on one side and reset, half closed or never answered.
 *   <li>{@code tcpAttemptDelay} (5 s) after an initial SYN: if the responder said nothing by then, the
 *       attempt is over (S0), even if the originator goes on sending.
 *   <li>{@code tcpCloseDelay} (5 s) after both sides closed (or one reset): the record is written.
 * </ul>
 */
public final class FlowConfig {
  /** Zeek's default table bound for the whole sensor; split between the workers. */
  public static final int DEFAULT_TOTAL_FLOWS = 1_000_000;
  /** No table is smaller than this. */
  public static final int MIN_FLOWS_PER_TABLE = 1024;

  public final long tcpInactivityNanos;
  public final long udpInactivityNanos;
  public final long icmpInactivityNanos;
  public final long otherInactivityNanos;
  public final long longInactivityNanos;
  public final long tcpSynTimeoutNanos;
  public final long tcpSessionTimerNanos;
  public final long tcpConnectionLingerNanos;
  public final long tcpAttemptDelayNanos;
  public final long tcpCloseDelayNanos;
  /** The most flows one table holds; a new flow past it evicts the least recently active one. */
  public final int maxFlows;
  /**
   * Whether VLAN ids are part of the flow key. Off by default, as Zeek's default key (its 5-tuple):
   * the two directions of a routed connection often cross a span port on different VLANs. A flow
   * records the VLAN ids of its first packet either way.
   */
  public final boolean vlanInKey;

  public FlowConfig(
      long tcpInactivityNanos,
      long udpInactivityNanos,
      long icmpInactivityNanos,
      long otherInactivityNanos,
      long longInactivityNanos,
      long tcpSynTimeoutNanos,
      long tcpSessionTimerNanos,
      long tcpConnectionLingerNanos,
      long tcpAttemptDelayNanos,
      long tcpCloseDelayNanos,
      int maxFlows,
      boolean vlanInKey) {
    this.tcpInactivityNanos = positive("tcp inactivity timeout", tcpInactivityNanos);
    this.udpInactivityNanos = positive("udp inactivity timeout", udpInactivityNanos);
    this.icmpInactivityNanos = positive("icmp inactivity timeout", icmpInactivityNanos);
    this.otherInactivityNanos = positive("other-IP inactivity timeout", otherInactivityNanos);
    this.longInactivityNanos = positive("long inactivity timeout", longInactivityNanos);
    this.tcpSynTimeoutNanos = positive("tcp SYN timeout", tcpSynTimeoutNanos);
    this.tcpSessionTimerNanos = positive("tcp session timer", tcpSessionTimerNanos);
    this.tcpConnectionLingerNanos = positive("tcp connection linger", tcpConnectionLingerNanos);
    this.tcpAttemptDelayNanos = positive("tcp attempt delay", tcpAttemptDelayNanos);
    this.tcpCloseDelayNanos = positive("tcp close delay", tcpCloseDelayNanos);
    if (maxFlows < 1) {
      throw new IllegalArgumentException("maxFlows must be at least 1, got " + maxFlows);
    }
    this.maxFlows = maxFlows;
    this.vlanInKey = vlanInKey;
  }

  /** Zeek's defaults, with the whole {@link #DEFAULT_TOTAL_FLOWS} in one table. */
  public static FlowConfig defaults() {
    return new FlowConfig(
        sec(300), sec(60), sec(60), sec(60), sec(3600), sec(5), sec(6), sec(5), sec(5), sec(5),
        DEFAULT_TOTAL_FLOWS, false);
  }

  /** Zeek's defaults for one of {@code workers} tables: {@code 1_000_000 / workers}, at least 1024. */
  public static FlowConfig forWorkers(int workers) {
    return defaults().perWorker(workers);
  }

  /** This configuration with its flow bound split over {@code workers} tables (at least 1024 each). */
  public FlowConfig perWorker(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    return withMaxFlows(Math.max(MIN_FLOWS_PER_TABLE, maxFlows / workers));
  }

  public FlowConfig withMaxFlows(int max) {
    return new FlowConfig(
        tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos,
        longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos,
        tcpAttemptDelayNanos, tcpCloseDelayNanos, max, vlanInKey);
  }

  /** This configuration with VLAN ids in the flow key or not. */
  public FlowConfig withVlanInKey(boolean on) {
    return new FlowConfig(
        tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos,
        longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos,
        tcpAttemptDelayNanos, tcpCloseDelayNanos, maxFlows, on);
  }

  /** This configuration with other inactivity timeouts (TCP, UDP, ICMP and other IP), in nanoseconds. */
  public FlowConfig withInactivity(long tcp, long udp, long icmp, long other) {
    return new FlowConfig(
        tcp, udp, icmp, other, longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos,
        tcpConnectionLingerNanos, tcpAttemptDelayNanos, tcpCloseDelayNanos, maxFlows, vlanInKey);
  }

  private static long sec(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }

  private static long positive(String what, long nanos) {
    if (nanos <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + nanos + " ns");
    }
    return nanos;
  }
}
