package dev.nsm.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Flow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TCP connections as Zeek logs them: one test per conn_state, history letters, sizes from sequence
 * numbers, flips, reuse and the TCP timers. Client 10.0.0.1:40000 (ISN 1000), server 10.0.0.2:80
 * (ISN 5000) unless said otherwise; c() and s() build the client's and the server's segments.
 */
class TcpFlowTest {
  static final String C = "10.0.0.1";
  static final String S = "10.0.0.2";
  static final int CP = 40000;
  static final int SP = 80;

  static DecodedPacket c(double ts, String flags, long seq, long ack, int len) {
    return Pkt.tcp(ts, C, CP, S, SP, flags, seq, ack, len);
  }

  static DecodedPacket s(double ts, String flags, long seq, long ack, int len) {
    return Pkt.tcp(ts, S, SP, C, CP, flags, seq, ack, len);
  }

  /** The three-way handshake at t = 1.0, 1.1, 1.2. */
  static DecodedPacket[] handshake() {
    return new DecodedPacket[] {c(1.0, "S", 1000, 0, 0), s(1.1, "SA", 5000, 1001, 0), c(1.2, "A", 1001, 5001, 0)};
  }

  static Flow run(DecodedPacket[]... parts) {
    Harness h = new Harness();
    for (DecodedPacket[] ps : parts) {
      h.feed(ps);
    }
    return h.only();
  }

  static DecodedPacket[] pk(DecodedPacket... ps) {
    return ps;
  }

  @Test
  void sfFullConnection() {
    Flow f = run(handshake(), pk(
        c(1.3, "PA", 1001, 5001, 10),
        s(1.4, "A", 5001, 1011, 0),
        s(1.5, "PA", 5001, 1011, 20),
        c(1.6, "A", 1011, 5021, 0),
        c(1.7, "FA", 1011, 5021, 0),
        s(1.8, "FA", 5021, 1012, 0),
        c(1.9, "A", 1012, 5022, 0)));
    assertEquals("SF", f.getConnState());
    assertEquals("ShADadFf", f.getHistory());
    assertEquals(C, f.getOrigH());
    assertEquals(CP, f.getOrigP());
    assertEquals(S, f.getRespH());
    assertEquals(SP, f.getRespP());
    assertEquals("tcp", f.getProto());
    assertEquals(6, f.getIpProto());
    assertEquals(10, f.getOrigBytes());
    assertEquals(20, f.getRespBytes());
    assertEquals(6, f.getOrigPkts());
    assertEquals(4, f.getRespPkts());
    assertEquals(6 * 40 + 10, f.getOrigIpBytes());
    assertEquals(4 * 40 + 20, f.getRespIpBytes());
    assertEquals(0, f.getMissedBytes());
    // The last ACK came after both FINs: Zeek does not count it as activity.
    assertEquals(1, f.getTs().getSeconds());
    assertEquals(800_000_000, f.getDuration().getNanos());
    assertEquals(EndReason.END_REASON_END_OF_INPUT, f.getEndReason());
  }

  @Test
  void s0AttemptOnly() {
    Flow f = run(pk(c(1.0, "S", 1000, 0, 0), c(4.0, "S", 1000, 0, 0)));
    assertEquals("S0", f.getConnState());
    assertEquals("S", f.getHistory()); // the retransmitted SYN has the same sequence number
    assertEquals(2, f.getOrigPkts());
    assertEquals(0, f.getRespPkts());
    assertEquals(0, f.getOrigBytes());
  }

  @Test
  void s0EndsAfterAttemptDelayEvenWithMoreOriginatorPackets() {
    // Zeek's attempt timer: 5 s after the SYN, no answer -> the connection is over, whatever the
    // originator sent since. Later packets make a new (partial) connection.
    Harness h = new Harness().feed(
        c(1.0, "S", 1000, 0, 0),
        c(2.0, "PA", 1001, 7000, 10),
        c(6.5, "PA", 1011, 7000, 10),
        c(7.0, "FA", 1021, 7000, 0));
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals("S0", out.get(0).getConnState());
    assertEquals("SD", out.get(0).getHistory());
    assertEquals(EndReason.END_REASON_TIMEOUT, out.get(0).getEndReason());
    assertEquals("SH", out.get(1).getConnState());
    assertEquals("DF", out.get(1).getHistory());
  }

  @Test
  void rejSynAnsweredByReset() {
    Flow f = run(pk(c(1.0, "S", 1000, 0, 0), s(1.1, "RA", 0, 1001, 0)));
    assertEquals("REJ", f.getConnState());
    assertEquals("Sr", f.getHistory());
  }

  @Test
  void s1Established() {
    Flow f = run(handshake());
    assertEquals("S1", f.getConnState());
    assertEquals("ShA", f.getHistory());
  }

  @Test
  void s2OriginatorClosedOnly() {
    Flow f = run(handshake(), pk(c(1.3, "FA", 1001, 5001, 0)));
    assertEquals("S2", f.getConnState());
    assertEquals("ShAF", f.getHistory());
  }

  @Test
  void s3ResponderClosedOnly() {
    Flow f = run(handshake(), pk(s(1.3, "FA", 5001, 1001, 0)));
    assertEquals("S3", f.getConnState());
    assertEquals("ShAf", f.getHistory());
  }

  @Test
  void rstoOriginatorReset() {
    Flow f = run(handshake(), pk(c(1.3, "RA", 1001, 5001, 0)));
    assertEquals("RSTO", f.getConnState());
    assertEquals("ShAR", f.getHistory());
  }

  @Test
  void rstrResponderReset() {
    Flow f = run(handshake(), pk(c(1.3, "PA", 1001, 5001, 5), s(1.4, "R", 5001, 0, 0)));
    assertEquals("RSTR", f.getConnState());
    assertEquals("ShADr", f.getHistory());
    assertEquals(5, f.getOrigBytes());
  }

  @Test
  void rstos0SynThenOriginatorReset() {
    Flow f = run(pk(c(1.0, "S", 1000, 0, 0), c(1.5, "R", 1001, 0, 0)));
    assertEquals("RSTOS0", f.getConnState());
    assertEquals("SR", f.getHistory());
  }

  @Test
  void rstrhSynAckThenResponderReset() {
    // No SYN seen; the SYN-ACK comes from port 80, so Zeek makes its sender the responder.
    Flow f = run(pk(s(1.0, "SA", 5000, 1001, 0), s(1.5, "R", 5001, 0, 0)));
    assertEquals("RSTRH", f.getConnState());
    assertEquals("^hr", f.getHistory());
    assertEquals(C, f.getOrigH());
  }

  @Test
  void shOriginatorSynAndFinOnly() {
    Flow f = run(pk(c(1.0, "S", 1000, 0, 0), c(1.5, "F", 1001, 0, 0)));
    assertEquals("SH", f.getConnState());
    assertEquals("SF", f.getHistory());
  }

  @Test
  void shrResponderSynAckAndFinOnly() {
    Flow f = run(pk(s(1.0, "SA", 5000, 1001, 0), s(1.5, "FA", 5001, 1001, 0)));
    assertEquals("SHR", f.getConnState());
    assertEquals("^hf", f.getHistory());
  }

  @Test
  void othMidstreamAck() {
    Flow f = run(pk(c(1.0, "A", 1001, 5001, 0), s(1.2, "A", 5001, 1001, 0)));
    assertEquals("OTH", f.getConnState());
    assertEquals("Aa", f.getHistory());
    assertEquals(C, f.getOrigH());
  }

  @Test
  void midstreamFromServerPortIsFlipped() {
    // First packet is data from port 80: Zeek's likely_server_ports flip.
    Flow f = run(pk(s(1.0, "PA", 5001, 1001, 100), c(1.1, "A", 1001, 5101, 0)));
    assertEquals(C, f.getOrigH());
    assertEquals(CP, f.getOrigP());
    assertEquals("^dA", f.getHistory());
    assertEquals(100, f.getRespBytes());
    assertEquals(1, f.getOrigPkts());
    assertEquals(1, f.getRespPkts());
  }

  @Test
  void bothLikelyServerPortsLowerPortIsResponder() {
    // 443 -> 8080, both likely server ports, not a SYN-ACK: the lower port is the server.
    Flow f = run(pk(Pkt.tcp(1.0, C, 8080, S, 443, "A", 1, 1, 0), Pkt.tcp(1.1, S, 443, C, 8080, "A", 1, 1, 0)));
    assertEquals(C, f.getOrigH());
    assertEquals(8080, f.getOrigP());
    assertEquals("Aa", f.getHistory());
    Flow g = run(pk(Pkt.tcp(1.0, S, 443, C, 8080, "A", 1, 1, 0)));
    assertEquals(C, g.getOrigH());
    assertEquals("^a", g.getHistory());
  }

  @Test
  void synAckFirstThenAckFlips() {
    // Unknown ports: the SYN-ACK's sender starts as originator; the ACK from the other side shows the
    // SYN was just missed, so Zeek flips and rewrites the history to "^h".
    String a = "10.0.0.3";
    String b = "10.0.0.4";
    Flow f = run(pk(
        Pkt.tcp(1.0, b, 5555, a, 40000, "SA", 5000, 1001, 0),
        Pkt.tcp(1.1, a, 40000, b, 5555, "A", 1001, 5001, 0),
        Pkt.tcp(1.2, a, 40000, b, 5555, "PA", 1001, 5001, 7)));
    assertEquals(a, f.getOrigH());
    assertEquals(40000, f.getOrigP());
    assertEquals("^hAD", f.getHistory());
    assertEquals(7, f.getOrigBytes());
    assertEquals(2, f.getOrigPkts());
    assertEquals(1, f.getRespPkts());
  }

  @Test
  void synAckBeforeSynIsFlippedAndEstablished() {
    // Capture reordered the SYN and its SYN-ACK.
    String a = "10.0.0.3";
    String b = "10.0.0.4";
    Flow f = run(pk(
        Pkt.tcp(1.0, b, 5555, a, 40000, "SA", 5000, 1001, 0),
        Pkt.tcp(1.0001, a, 40000, b, 5555, "S", 1000, 0, 0),
        Pkt.tcp(1.1, a, 40000, b, 5555, "A", 1001, 5001, 0)));
    assertEquals(a, f.getOrigH());
    // Zeek writes the SYN's letter (as the responder's) before the flip's '^'.
    assertEquals("Hs^A", f.getHistory());
    assertEquals("S1", f.getConnState());
  }

  @Test
  void retransmissionsScaleTheHistoryLetter() {
    DecodedPacket[] rx = new DecodedPacket[12];
    for (int i = 0; i < rx.length; i++) {
      rx[i] = c(2.0 + i * 0.01, "PA", 1001, 5001, 10); // 1 original + 11 copies
    }
    Flow f = run(handshake(), rx);
    // T at the 1st and the 10th retransmission (Zeek's 1, 10, 100 ... rule)
    assertEquals("ShADTT", f.getHistory());
    assertEquals(10, f.getOrigBytes());
  }

  @Test
  void gapIsMissedBytesAndG() {
    Flow f = run(handshake(), pk(
        c(1.3, "PA", 1001, 5001, 10),
        c(1.4, "PA", 1021, 5001, 10), // bytes 11..20 never seen
        s(1.5, "A", 5001, 1031, 0)));
    assertEquals("ShADaG", f.getHistory());
    assertEquals(10, f.getMissedBytes());
    assertEquals(30, f.getOrigBytes()); // sizes count what the peer acknowledged
  }

  @Test
  void truncatedSegmentCountsAsMissed() {
    // A snaplen-cut segment is not given to the reassembler: once acked, its bytes are a gap.
    DecodedPacket cut = c(1.3, "PA", 1001, 5001, 1000);
    cut.payloadCaptured = 60;
    Flow f = run(handshake(), pk(cut, s(1.4, "A", 5001, 2001, 0)));
    assertEquals(1000, f.getMissedBytes());
    assertEquals("ShADaG", f.getHistory());
    assertEquals(1000, f.getOrigBytes());
  }

  @Test
  void holeFilledLaterIsNotAGap() {
    Flow f = run(handshake(), pk(
        c(1.3, "PA", 1011, 5001, 10), // out of order
        c(1.4, "PA", 1001, 5001, 10),
        s(1.5, "A", 5001, 1021, 0)));
    assertEquals(0, f.getMissedBytes());
    // Below the highest sequence seen: Zeek calls the late segment a retransmission.
    assertEquals("ShADTa", f.getHistory());
  }

  @Test
  void partialConnectionsReportNoGaps() {
    Flow f = run(pk(
        c(1.0, "PA", 1001, 5001, 10),
        c(1.1, "PA", 1021, 5001, 10),
        s(1.2, "A", 5001, 1031, 0)));
    assertEquals(0, f.getMissedBytes());
    assertEquals("Da", f.getHistory());
  }

  @Test
  void zeroWindowAndMultiFlagLetters() {
    DecodedPacket w0 = s(1.3, "A", 5001, 1001, 0);
    w0.window = 0;
    Flow f = run(handshake(), pk(w0, c(1.4, "FR", 1001, 5001, 0)));
    assertEquals("ShAawI", f.getHistory());
    DecodedPacket synFin = c(1.0, "SF", 1000, 0, 0);
    assertEquals("Q", run(pk(synFin)).getHistory());
  }

  @Test
  void portReuseAfterCloseStartsNewConnection() {
    Harness h = new Harness().feed(handshake());
    h.feed(c(1.3, "FA", 1001, 5001, 0), s(1.4, "FA", 5001, 1002, 0), c(1.5, "A", 1002, 5002, 0));
    h.feed(c(2.0, "S", 90000, 0, 0), s(2.1, "SA", 70000, 90001, 0));
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals("SF", out.get(0).getConnState());
    assertEquals(EndReason.END_REASON_CLOSED, out.get(0).getEndReason());
    assertEquals("Sh", out.get(1).getHistory());
    assertEquals(2, out.get(1).getTs().getSeconds());
    assertEquals(1, h.counters.flowsReused);
  }

  @Test
  void newSynWithOtherIsnOnOpenConnectionIsReuse() {
    Harness h = new Harness().feed(c(1.0, "S", 1000, 0, 0), c(1.5, "S", 3000, 0, 0));
    List<Flow> out = h.flush();
    assertEquals(2, out.size());
    assertEquals("S", out.get(0).getHistory());
    assertEquals("S", out.get(1).getHistory());
  }

  @Test
  void closedConnectionIsWrittenAfterCloseDelay() {
    Harness h = new Harness().feed(handshake());
    h.feed(c(1.3, "FA", 1001, 5001, 0), s(1.4, "FA", 5001, 1002, 0), c(1.5, "A", 1002, 5002, 0));
    h.table.advanceTime(Pkt.ns(6.3)); // 1.4 + 5 s not yet passed
    assertEquals(0, h.out.size());
    h.table.advanceTime(Pkt.ns(6.4));
    assertEquals(1, h.out.size());
    assertEquals(EndReason.END_REASON_CLOSED, h.out.get(0).getEndReason());
    assertEquals(0, h.table.size());
    assertEquals(1, h.counters.flowsClosed);
  }

  @Test
  void establishedConnectionTimesOutAfterFiveMinutes() {
    Harness h = new Harness().feed(handshake());
    h.table.advanceTime(Pkt.ns(1.2 + 299.9));
    assertEquals(0, h.out.size());
    h.table.advanceTime(Pkt.ns(1.2 + 300.0));
    assertEquals(1, h.out.size());
    assertEquals(EndReason.END_REASON_TIMEOUT, h.out.get(0).getEndReason());
    assertEquals("S1", h.out.get(0).getConnState());
  }

  @Test
  void sshConnectionGetsOneHour() {
    Harness h = new Harness().feed(
        Pkt.tcp(1.0, C, CP, S, 22, "S", 1000, 0, 0),
        Pkt.tcp(1.1, S, 22, C, CP, "SA", 5000, 1001, 0),
        Pkt.tcp(1.2, C, CP, S, 22, "A", 1001, 5001, 0));
    h.table.advanceTime(Pkt.ns(1.2 + 3000));
    assertEquals(0, h.out.size());
    h.table.advanceTime(Pkt.ns(1.2 + 3600));
    assertEquals(1, h.out.size());
  }

  @Test
  void unansweredMidstreamUsesUdpTimeoutUntilHandshakeEnds() {
    // A partial connection leaves the handshake states (PARTIAL), so it has the TCP timeout too.
    Harness h = new Harness().feed(c(1.0, "A", 1001, 5001, 0));
    h.table.advanceTime(Pkt.ns(62));
    assertEquals(0, h.out.size());
    // A lone SYN stays in the handshake: the attempt timer ends it after 5 s.
    Harness g = new Harness().feed(c(1.0, "S", 1000, 0, 0));
    g.table.advanceTime(Pkt.ns(6.0));
    assertEquals(1, g.out.size());
    assertEquals("S0", g.out.get(0).getConnState());
  }

  @Test
  void packetWithItsTcpOptionsCutMakesTheFlowButCountsNothing() {
    // Zeek (zeek-core.vntag-in-vlan): a SYN-ACK cut inside its options gives a conn, OTH, no packet;
    // its roles are decided from the readable flags and ports (a SYN-ACK from 80: the client is orig)
    DecodedPacket cut = s(1.0, "SA", 5000, 1001, 0);
    cut.keyOnly = true;
    Flow f = run(new DecodedPacket[] {cut});
    assertEquals(C, f.getOrigH());
    assertEquals(CP, f.getOrigP());
    assertEquals("OTH", f.getConnState());
    assertEquals("^", f.getHistory(), "the flip, as Zeek's new connection");
    assertEquals(0, f.getOrigPkts());
    assertEquals(0, f.getRespPkts());
    assertEquals(0, f.getOrigIpBytes() + f.getRespIpBytes());

    // later whole packets of the same connection count as usual
    DecodedPacket cut2 = s(1.0, "SA", 5000, 1001, 0);
    cut2.keyOnly = true;
    Flow g = run(new DecodedPacket[] {cut2, c(1.2, "A", 1001, 5001, 0), s(1.3, "A", 5001, 1001, 10)});
    assertEquals(1, g.getOrigPkts());
    assertEquals(1, g.getRespPkts());
  }
}
