/**
 * Flow tracking with Zeek's conn.log semantics (zeek/zeek a13de64f is the reference read).
 *
 * <p>{@link dev.nsm.sensor.flow.FlowTable} is one worker's table; {@code TcpSession} ports Zeek's TCP
 * session adapter, endpoint and reassembler (ranges only, no bytes); {@code ConnState} is
 * {@code conn_state()} of {@code base/protocols/conn/main.zeek}. Decisions, and where they differ
 * from a plain reading of the brief:
 *
 * <ul>
 *   <li>Key: Zeek's 5-tuple (ICMP: addresses, type and counterpart type or code; one-way ICMP types
 *       keep their direction; other IP protocols: addresses and protocol). VLAN ids are recorded
 *       (first packet's) but not keyed unless {@link dev.nsm.sensor.flow.FlowConfig#vlanInKey}: a
 *       routed conversation crosses a span port on two VLANs and Zeek and tshark count one flow.
 *   <li>Originator: the first packet's sender, except Zeek's flips: a first packet that is not a
 *       SYN (or is a SYN-ACK) from a likely server port ({@code ServerPorts}); UDP from a likely
 *       server port to one that is not; a SYN-ACK-first connection once the other side ACKs or
 *       sends data; a SYN seen after its SYN-ACK. Each flip adds '^' to the history.
 *   <li>Timers, on packet time only, as Zeek's: inactivity (TCP 5 min once out of the handshake,
 *       UDP timeout before that; UDP, ICMP, other 1 min; 1 h for TCP ports 21, 22, 23, 513), the
 *       attempt timer (5 s after a SYN with no answer: the attempt is written, later packets of the
 *       tuple start a new connection), the TCP expire check (5 s, then every 6 s) and the close
 *       delay (5 s after both sides closed or one reset). A SYN with a new ISN reuses the tuple.
 *   <li>Sizes: TCP from sequence numbers (Zeek's {@code TCP_Endpoint::Size}); missed bytes and the
 *       G letter from acknowledged ranges the capture lacks, only while both sides are established;
 *       a segment not captured whole is a gap. UDP from the UDP length; ICMP after the 8-byte header.
 *   <li>Checksums are not checked (Zeek's {@code -C}): no C letter.
 * </ul>
 */
package dev.nsm.sensor.flow;
