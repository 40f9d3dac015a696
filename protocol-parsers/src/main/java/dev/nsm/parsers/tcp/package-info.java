/**
 * TCP stream reassembly: {@link dev.nsm.parsers.tcp.TcpReassembler} turns the segments of one TCP
 * direction into an ordered byte stream for a {@link dev.nsm.parsers.tcp.StreamSink} (data, gaps,
 * close), bounded per flow and per worker ({@link dev.nsm.parsers.tcp.ReassemblyBudget}) and counted
 * ({@link dev.nsm.parsers.tcp.ReassemblyCounter}). Pure: no threads, no I/O, JDK only.
 *
 * <h2>Wiring into a flow worker</h2>
 * Per worker: one {@code ReassemblyBudget} and one {@code ReassemblyCounters}. Per TCP flow: two
 * reassemblers (orig and resp; pooled with the flow entry, {@code reset(sink)} when the flow starts).
 * For each TCP packet of the flow, from side X to side Y:
 * <pre>
 *   update the flow's TCP state (history, conn_state, Zeek's endpoint states)
 *   if (ACK)  missed = rY.ack(ack, bothEndpointsEstablishedOrCleanlyClosing)   // Zeek: peer->AckReceived
 *   rX.segment(seq, SYN, FIN, RST, payload, off, len, ts)                       // Zeek: endpoint->DataSent
 *   flow.missedBytes += missed                                                  // conn.log missed_bytes
 * </pre>
 * The ack goes before the data as in Zeek's {@code TCPSessionAdapter::Process} (they concern
 * different directions, so the order only matters for who is told first). Feed every TCP packet,
 * pure ACKs and RSTs included (a RST's payload is ignored). On a RST from X the reassembler of X
 * closes itself if it had data (a RST before any data is ignored: a SYN may still follow); close
 * Y's ({@code close(CloseReason.RST)}) when the flow ends. On flow timeout, eviction or end of
 * input call {@code close(reason)} on both: held data is delivered after gaps, then
 * {@code onClose}. A payload cut by the snap length must not be fed as if whole (feed what is
 * there and let the ack reveal the rest as a gap, or skip the segment). A notice for a cap hit:
 * {@code gapBytes(GapReason.FLOW_CAP) + gapBytes(GapReason.BUDGET) > 0} at the flow's end.
 *
 * <p>One reassembler per direction, not per connection, because that is where the state is: each
 * direction has its own sequence space, holes, FIN and sink (the parser's side), exactly as Zeek
 * keeps one {@code TCP_Reassembler} per {@code TCP_Endpoint}. The only coupling, acks revealing the
 * other side's gaps, is one call; and whether a gap counts as Zeek's missed_bytes depends on the
 * connection's TCP state machine, which the flow tracker owns already (for conn_state and history)
 * and the reassembler should not duplicate.
 */
package dev.nsm.parsers.tcp;
