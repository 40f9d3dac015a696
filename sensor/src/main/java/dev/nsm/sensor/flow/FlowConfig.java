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
  /**
   * Estimated heap of one table's flows, in bytes: a new flow past it, or a flow whose application
   * state makes the sum pass it, evicts the least recently active ones (counted as evictions, like
   * {@link #maxFlows}). Each flow counts {@link #FLOW_BYTES}, plus {@link #APP_STATE_BYTES} while the
   * application layer holds state for it; see {@link FlowTable}.
   */
  public final long maxBytes;

  /**
   * Estimated heap of a flow: the Flow and its two endpoints, its history, its slot in the hash table
   * (2 per flow) and in the timer heap, its uid. Measured: 10^6 SYN-only flows held 879 MiB of heap
   * after GC (0.9 KiB each), bench/README.md.
   */
  public static final int FLOW_BYTES = 1024;
  /**
   * What the application layer keeps for a flow it looks into (a TCP connection's probe buffers,
   * reassembler and parser objects, or a DNS flow's pairing maps), estimated. Its out-of-order pages
   * and pending DNS messages are bounded by their own caps.
   */
  public static final int APP_STATE_BYTES = 2048;
  /** Default of {@code flows.memory}, for the whole sensor. */
  public static final long DEFAULT_TOTAL_BYTES = 512L << 20;

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
    this(tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos, longInactivityNanos,
        tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos, tcpAttemptDelayNanos, tcpCloseDelayNanos,
        maxFlows, vlanInKey, Long.MAX_VALUE);
  }

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
      boolean vlanInKey,
      long maxBytes) {
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
    if (maxBytes < FLOW_BYTES + APP_STATE_BYTES) {
      throw new IllegalArgumentException("flow memory must hold at least one flow (" + (FLOW_BYTES + APP_STATE_BYTES)
          + " bytes), got " + maxBytes);
    }
    this.maxFlows = maxFlows;
    this.vlanInKey = vlanInKey;
    this.maxBytes = maxBytes;
  }

  /** Zeek's defaults, with the whole {@link #DEFAULT_TOTAL_FLOWS} and {@link #DEFAULT_TOTAL_BYTES} in one table. */
  public static FlowConfig defaults() {
    return new FlowConfig(
        sec(300), sec(60), sec(60), sec(60), sec(3600), sec(5), sec(6), sec(5), sec(5), sec(5),
        DEFAULT_TOTAL_FLOWS, false, DEFAULT_TOTAL_BYTES);
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
    return withMaxFlows(Math.max(MIN_FLOWS_PER_TABLE, maxFlows / workers))
        .withMaxBytes(maxBytes == Long.MAX_VALUE ? maxBytes
            : Math.max((long) MIN_FLOWS_PER_TABLE * FLOW_BYTES, maxBytes / workers));
  }

  /** This configuration with another bound on the flows' estimated heap (see {@link #maxBytes}). */
  public FlowConfig withMaxBytes(long bytes) {
    return new FlowConfig(
        tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos,
        longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos,
        tcpAttemptDelayNanos, tcpCloseDelayNanos, maxFlows, vlanInKey, bytes);
  }

  public FlowConfig withMaxFlows(int max) {
    return new FlowConfig(
        tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos,
        longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos,
        tcpAttemptDelayNanos, tcpCloseDelayNanos, max, vlanInKey, maxBytes);
  }

  /** This configuration with VLAN ids in the flow key or not. */
  public FlowConfig withVlanInKey(boolean on) {
    return new FlowConfig(
        tcpInactivityNanos, udpInactivityNanos, icmpInactivityNanos, otherInactivityNanos,
        longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos, tcpConnectionLingerNanos,
        tcpAttemptDelayNanos, tcpCloseDelayNanos, maxFlows, on, maxBytes);
  }

  /** This configuration with other inactivity timeouts (TCP, UDP, ICMP and other IP), in nanoseconds. */
  public FlowConfig withInactivity(long tcp, long udp, long icmp, long other) {
    return new FlowConfig(
        tcp, udp, icmp, other, longInactivityNanos, tcpSynTimeoutNanos, tcpSessionTimerNanos,
        tcpConnectionLingerNanos, tcpAttemptDelayNanos, tcpCloseDelayNanos, maxFlows, vlanInKey, maxBytes);
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
