package dev.nsm.sensor.flow;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.EndReason;

/**
 * What a {@link FlowTable} tells the application layer: each TCP segment and UDP datagram of a flow,
 * after the flow's own state took it, and the end of each flow, before its record is written (so
 * that the services detected are in it). Called on the worker's thread, packet by packet: the
 * per-packet methods must not allocate for flows the observer has nothing to do with.
 *
 * <p>Sides: {@code fromA} names the sending side of the flow key ({@link Flow#originatorIsA()} says
 * whether that side is the originator now). Sides never change; roles may flip (Zeek's flips), so
 * per-direction state (reassembly) is kept by side and mapped to roles when it is used.
 */
public interface FlowObserver {
  /** A TCP segment of {@code f} from side A ({@code fromA}) or B, after the TCP state machine ran. */
  void onTcp(Flow f, boolean fromA, DecodedPacket p);

  /** A UDP datagram of {@code f}, after the flow counted it. */
  void onUdp(Flow f, boolean fromA, DecodedPacket p);

  /**
   * {@code f} ends (timeout, close, eviction, reuse, end of input): the observer writes what it still
   * holds and releases its state; the flow's record is written after this returns.
   */
  void onEnd(Flow f, EndReason reason);

  /** Receives the table it observes (to flip a flow's roles as Zeek's analyzers may). */
  default void attach(FlowTable table) {}

  /** Observes nothing. */
  FlowObserver NONE = new FlowObserver() {
    @Override
    public void onTcp(Flow f, boolean fromA, DecodedPacket p) {}

    @Override
    public void onUdp(Flow f, boolean fromA, DecodedPacket p) {}

    @Override
    public void onEnd(Flow f, EndReason reason) {}
  };
}
