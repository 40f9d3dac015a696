package dev.nsm.sensor.flow;

import static dev.nsm.sensor.flow.Endpoint.CLOSED;
import static dev.nsm.sensor.flow.Endpoint.ESTABLISHED;
import static dev.nsm.sensor.flow.Endpoint.INACTIVE;
import static dev.nsm.sensor.flow.Endpoint.PARTIAL;
import static dev.nsm.sensor.flow.Endpoint.RESET;
import static dev.nsm.sensor.flow.Endpoint.SYN_ACK_SENT;
import static dev.nsm.sensor.flow.Endpoint.SYN_SENT;

/**
 * Zeek's TCP connection tracking, ported from {@code TCPSessionAdapter.cc}, {@code TCP_Endpoint.cc} and
 * {@code TCP_Reassembler.cc} (zeek/zeek a13de64f): endpoint state machine, history letters, sizes from
 * sequence numbers, connection reuse, closing, the attempt/expire/delete timers, and content gaps.
 * Zeek's weirds and events are left out except where they change the connection record. The order of
 * the steps in {@link #process} is Zeek's and matters: e.g. a roles flip can happen inside the history
 * update, after which Zeek goes on with the packet's original {@code is_orig} for some steps.
 *
 * <p>One instance per table; nothing here allocates.
 */
final class TcpSession {
  static final int FIN = 0x01;
  static final int SYN = 0x02;
  static final int RST = 0x04;
  static final int ACK = 0x10;

  private static final int TOO_LARGE_SEQ_DELTA = 1048576;
  /** Zeek's tcp_max_initial_window, tcp_max_above_hole_without_any_acks, tcp_excessive_data_... */
  private static final long MAX_INITIAL_WINDOW = 16384;
  private static final long MAX_ABOVE_HOLE_WITHOUT_ACKS = 16384;
  private static final long EXCESSIVE_DATA_WITHOUT_ACKS = 10L * 1024 * 1024;

  // History masks (TCP_Endpoint::HistoryMasks; the responder's are shifted by 16).
  private static final int HIST_SYN_PKT = 0x1;
  private static final int HIST_FIN_PKT = 0x2;
  private static final int HIST_RST_PKT = 0x4;
  private static final int HIST_FIN_RST_PKT = 0x8;
  private static final int HIST_DATA_PKT = 0x10;
  private static final int HIST_ACK_PKT = 0x20;
  private static final int HIST_MULTI_FLAG_PKT = 0x40;

  private final FlowTable table;
  private final FlowConfig config;
  private final FlowCounters counters;

  // scratch "out" values of the current packet
  private boolean underflow;
  private boolean doClose;
  private boolean genEvent;

  TcpSession(FlowTable table, FlowConfig config, FlowCounters counters) {
    this.table = table;
    this.config = config;
    this.counters = counters;
  }

  // ------------------------------------------------------------------ new connection

  /**
   * Zeek's {@code TCPAnalyzer::WantConnection}: whether a new connection's roles should be flipped.
   * A connection starting with a SYN is never flipped; otherwise (missed SYN, or a SYN-ACK) the side
   * on a likely server port becomes the responder; when both ports are likely, the lower port wins,
   * except for SYN-ACKs (stealth scans).
   */
  static boolean flipOnNew(int flags, int srcPort, int dstPort) {
    if ((flags & SYN) == 0 || (flags & ACK) != 0) {
      if (ServerPorts.likelyTcp(srcPort)) {
        if (ServerPorts.likelyTcp(dstPort)) {
          return (flags & SYN) == 0 && srcPort < dstPort;
        }
        return true;
      }
    }
    return false;
  }

  /** What Zeek does when it makes a TCP connection (before any packet is processed). */
  void init(Flow f, long networkTime) {
    // TCPAnalyzer::MakeSessionAdapter sets the UDP timeout until the handshake ends.
    f.inactivityTimeout = config.udpInactivityNanos;
    f.inactivityCheck = f.lastNanos + f.inactivityTimeout;
    addTimer(f, Flow.TIMER_EXPIRE, networkTime + config.tcpSynTimeoutNanos);
  }

  /** Zeek's {@code TCPSessionAdapter::IsReuse}: whether this SYN (or SYN-ACK) starts a new connection. */
  static boolean isReuse(Flow f, int flags, long seq) {
    Endpoint connOrig = f.orig;
    if ((flags & SYN) == 0) {
      return false;
    }
    if ((flags & ACK) != 0) {
      if (f.orig.state != INACTIVE) {
        return false; // not a half connection
      }
      connOrig = f.resp;
    }
    if (!isClosed(f)) {
      if (seq == connOrig.startSeq) {
        return false; // a retransmitted SYN
      }
      if ((flags & ACK) == 0
          && connOrig.state == SYN_ACK_SENT
          && f.resp.state == INACTIVE
          && seq == f.resp.startSeq) {
        return false; // SYN and SYN-ACK seen in reverse order: process() flips the roles
      }
    }
    return true;
  }

  static boolean isClosed(Flow f) {
    return f.orig.didClose || f.resp.didClose;
  }

  static boolean bothClosed(Flow f) {
    return f.orig.didClose && f.resp.didClose;
  }

  // ------------------------------------------------------------------ per packet

  /**
   * Zeek's {@code TCPSessionAdapter::Process} for one segment.
   *
   * @param len payload length by header
   * @param captured payload bytes actually captured
   */
  void process(Flow f, boolean isOrig, long t, int flags, long seq, long ack, int window, int len, int captured) {
    Endpoint endpoint = isOrig ? f.orig : f.resp;
    Endpoint peer = endpoint.peer;
    boolean fSyn = (flags & SYN) != 0;
    boolean fFin = (flags & FIN) != 0;
    boolean fRst = (flags & RST) != 0;
    boolean fAck = (flags & ACK) != 0;

    setPartialStatus(f, flags, endpoint.isOrig);

    int segLen = len + (fSyn ? 1 : 0) + (fFin ? 1 : 0);
    if (fRst) {
      segLen -= len;
    }
    long seqOnePast = u32(seq + segLen);

    initEndpoint(endpoint, flags, seq, seqOnePast);
    if (fSyn) {
      endpoint.sawSyn = true; // for the application layer's reassembler (not in Zeek's state)
      endpoint.synSeq = seq;
    }

    long relSeq = relativeSeq(endpoint, seq, endpoint.lastSeq, endpoint.seqWraps);
    boolean seqUnderflow = underflow;

    updateHistory(f, flags, endpoint, relSeq, len);

    // update_window: only the zero-window history letter matters here.
    if (window == 0 && !fRst && endpoint.peer.state != CLOSED && endpoint.state != RESET) {
      scaled(f, endpoint, 'W');
    }

    if (!f.orig.didClose || !f.resp.didClose) {
      f.seen(t); // Zeek: SetLastTime(t); here never backwards (Flow.seen)
    }

    if (fFin) {
      ++endpoint.finCnt;
      endpoint.finSeq = relSeq + segLen;
    }
    if (fRst) {
      ++endpoint.rstCnt;
    }

    long relAck = 0;
    if (fAck) {
      if (peer.state == INACTIVE) {
        relAck = 1;
        // init_peer: number the peer as if its SYN had been seen.
        long s = u32(ack - 1);
        peer.startSeq = s;
        peer.ackSeq = s;
        peer.lastSeq = s;
      } else {
        relAck = relativeSeq(peer, ack, peer.ackSeq, peer.ackWraps);
        if (underflow) {
          relAck = 0;
        } else if (!fRst) {
          updateAckSeq(peer, ack); // acks in RSTs are not trusted
        }
      }
    }

    int deltaLast = updateLastSeq(f, endpoint, seqOnePast, flags, len);

    doClose = false;
    genEvent = false;
    updateStateMachine(f, t, endpoint, peer, seq, len, deltaLast, isOrig, flags);
    boolean close = doClose;
    boolean gen = genEvent;

    if (fAck) {
      ackReceived(f, peer, relAck);
    }

    // CheckPIA_FirstPacket (with the packet's original is_orig, as Zeek)
    if (isOrig) {
      f.firstPacketSeen |= Flow.ORIG;
    } else {
      f.firstPacketSeen |= Flow.RESP;
    }

    long relDataSeq = fSyn ? relSeq + 1 : relSeq;
    if (len > 0 && !fRst && !seqUnderflow) {
      // TCP_Endpoint::DataSent: a segment not captured whole is not given to the reassembler.
      if (captured >= len) {
        dataSent(f, endpoint, relDataSeq, len);
      }
    }

    checkEof(f, endpoint);

    if (close) {
      connectionClosed(f, endpoint, peer, gen);
    }
  }

  private void setPartialStatus(Flow f, int flags, boolean isOrig) {
    if (isOrig) {
      if ((f.firstPacketSeen & Flow.ORIG) == 0) {
        f.isPartial = (flags & SYN) == 0 || (flags & ACK) != 0;
      }
    } else {
      if ((f.firstPacketSeen & Flow.RESP) == 0 && !f.isPartial) {
        f.isPartial = (flags & SYN) == 0;
      }
    }
  }

  private static void initEndpoint(Endpoint ep, int flags, long firstSeq, long lastSeq) {
    boolean syn = (flags & SYN) != 0;
    switch (ep.state) {
      case INACTIVE:
        if (syn) {
          ep.ackSeq = firstSeq;
          ep.startSeq = firstSeq;
        } else {
          // A partial connection: number as though a SYN had been seen.
          ep.ackSeq = u32(firstSeq - 1);
          ep.startSeq = u32(firstSeq - 1);
          lastSeq = firstSeq; // so the first packet is not a retransmission
        }
        ep.lastSeq = lastSeq;
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (syn && firstSeq != ep.startSeq) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (syn) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      case RESET:
        if (syn && ep.prevState == INACTIVE) {
          ep.startSeq = firstSeq;
          ep.ackSeq = firstSeq;
          ep.lastSeq = lastSeq;
        }
        break;
      default:
        break;
    }
  }

  /** Zeek's get_relative_seq; sets {@link #underflow}. */
  private long relativeSeq(Endpoint ep, long curBase, long last, int wraps) {
    underflow = false;
    int delta = seqDelta(curBase, last);
    if (delta < 0) {
      if (wraps != 0 && curBase > last) {
        --wraps;
      }
    } else if (delta > 0) {
      if (curBase < last) {
        ++wraps;
      }
    }
    if (wraps == 0) {
      delta = seqDelta(curBase, ep.startSeq);
      if (delta < 0) {
        underflow = true;
      }
      return delta; // a negative delta is a huge unsigned number, as in Zeek
    }
    return ep.relativeSeqSpace(curBase, wraps);
  }

  private void updateHistory(Flow f, int flags, Endpoint ep, long relSeq, int len) {
    boolean syn = (flags & SYN) != 0;
    boolean fin = (flags & FIN) != 0;
    boolean rst = (flags & RST) != 0;
    int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) {
        checkHistory(f, ep, HIST_FIN_RST_PKT, 'I');
      } else {
        checkHistory(f, ep, HIST_MULTI_FLAG_PKT, 'Q');
      }
    } else if (bits == 1) {
      if (syn) {
        char code = (flags & ACK) != 0 ? 'H' : 'S';
        if (checkHistory(f, ep, HIST_SYN_PKT, code) && relSeq != ep.histLastSyn) {
          addHistory(f, ep, code);
        }
        ep.histLastSyn = relSeq;
      }
      if (fin) {
        // A FIN's sequence number is at the end of its data.
        if (checkHistory(f, ep, HIST_FIN_PKT, 'F') && relSeq + len != ep.histLastFin) {
          addHistory(f, ep, 'F');
        }
        ep.histLastFin = relSeq + len;
      }
      if (rst) {
        if (checkHistory(f, ep, HIST_RST_PKT, 'R') && relSeq != ep.histLastRst) {
          addHistory(f, ep, 'R');
        }
        ep.histLastRst = relSeq;
      }
    } else {
      if (len > 0) {
        checkHistory(f, ep, HIST_DATA_PKT, 'D');
      } else if ((flags & ACK) != 0) {
        checkHistory(f, ep, HIST_ACK_PKT, 'A');
      }
    }
  }

  /** Zeek's {@code TCP_Endpoint::CheckHistory}, with the flip of connections that began with a SYN-ACK. */
  private boolean checkHistory(Flow f, Endpoint ep, int mask, char code) {
    if ((code == 'A' || code == 'D') && f.historyIsSingle('H')) {
      // The connection began with a SYN-ACK and now carries an ACK or data: the SYN-ACK's sender was
      // the responder after all (a stealth scan would have drawn a RST). Flip, and pretend the
      // missing SYN was seen.
      f.flipRoles(counters);
      f.replaceHistory("^h");
      f.firstPacketSeen |= Flow.ORIG;
    }
    if (!ep.isOrig) {
      mask <<= 16;
      code = Character.toLowerCase(code);
    }
    return f.checkHistory(mask, code, counters);
  }

  private void addHistory(Flow f, Endpoint ep, char code) {
    f.addHistory(ep.isOrig ? code : Character.toLowerCase(code), counters);
  }

  /** Zeek's ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... occurrence. */
  private void scaled(Flow f, Endpoint ep, char upper) {
    char code = ep.isOrig ? upper : Character.toLowerCase(upper);
    switch (upper) {
      case 'T':
        if (++ep.rxmtCnt == ep.rxmtThresh) {
          f.addHistory(code, counters);
          int n = ep.rxmtThresh * 10;
          if (n <= ep.rxmtThresh || n < 0) {
            ep.rxmtCnt = 0;
          } else {
            ep.rxmtThresh = n;
          }
        }
        break;
      case 'W':
        if (++ep.win0Cnt == ep.win0Thresh) {
          f.addHistory(code, counters);
          int n = ep.win0Thresh * 10;
          if (n <= ep.win0Thresh || n < 0) {
            ep.win0Cnt = 0;
          } else {
            ep.win0Thresh = n;
          }
        }
        break;
      case 'G':
        if (++ep.gapCnt == ep.gapThresh) {
          f.addHistory(code, counters);
          int n = ep.gapThresh * 10;
          if (n <= ep.gapThresh || n < 0) {
            ep.gapCnt = 0;
          } else {
            ep.gapThresh = n;
          }
        }
        break;
      default:
        throw new IllegalArgumentException("no scaled history letter " + upper);
    }
  }

  private static void updateAckSeq(Endpoint ep, long ack) {
    int deltaAck = seqDelta(ack, ep.ackSeq);
    if (ack == 0 && deltaAck > TOO_LARGE_SEQ_DELTA) {
      return; // more likely a broken ack than a wrap landing on 0
    }
    if (deltaAck > 0) {
      ep.updateAckSeq(ack);
    }
  }

  private int updateLastSeq(Flow f, Endpoint ep, long lastSeq, int flags, int len) {
    int deltaLast = seqDelta(lastSeq, ep.lastSeq);
    if ((flags & (SYN | RST)) != 0 && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
      // outlandish SYN/RST sequence numbers are not trusted
    } else if ((flags & FIN) != 0 && ep.lastSeq == u32(ep.startSeq + 1)) {
      ep.updateLastSeq(lastSeq); // a > 2 GB connection seen only by its SYN and FIN
    } else if (ep.state == RESET) {
      // nothing after a RST is trusted
    } else if (deltaLast > 0) {
      ep.updateLastSeq(lastSeq);
    } else if (len > 0) {
      scaled(f, ep, 'T'); // data at or below what was already seen: a retransmission
    }
    return deltaLast;
  }

  // ------------------------------------------------------------------ state machine

  private void setState(Flow f, Endpoint ep, int newState) {
    if (newState != ep.state) {
      // Leaving the handshake: the connection gets the TCP inactivity timeout.
      if (!isHandshake(newState) && isHandshake(ep.state) && isHandshake(ep.peer.state)) {
        table.setInactivityTimeout(f, config.tcpInactivityNanos);
      }
      ep.prevState = ep.state;
      ep.state = newState;
    }
  }

  private static boolean isHandshake(int s) {
    return s == INACTIVE || s == SYN_SENT || s == SYN_ACK_SENT;
  }

  private void updateStateMachine(
      Flow f, long t, Endpoint endpoint, Endpoint peer, long seq, int len, int deltaLast, boolean isOrig, int flags) {
    switch (endpoint.state) {
      case INACTIVE:
        updateInactiveState(f, t, endpoint, peer, seq, len, isOrig, flags);
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        updateSynSentState(f, endpoint, peer, flags);
        break;
      case ESTABLISHED:
      case PARTIAL:
        updateEstablishedState(f, endpoint, peer, flags);
        break;
      case CLOSED:
        updateClosedState(f, endpoint, flags);
        break;
      default: // RESET: only weirds
        break;
    }
  }

  private void updateInactiveState(
      Flow f, long t, Endpoint endpoint, Endpoint peer, long seq, int len, boolean isOrig, int flags) {
    boolean syn = (flags & SYN) != 0;
    boolean ack = (flags & ACK) != 0;
    if (syn) {
      if (isOrig) {
        setState(f, endpoint, ack ? SYN_ACK_SENT : SYN_SENT);
        addTimer(f, Flow.TIMER_ATTEMPT, t + config.tcpAttemptDelayNanos);
      } else {
        if (!ack && peer.state == SYN_ACK_SENT && seq == endpoint.startSeq) {
          // SYN after its SYN-ACK (reordered capture): flip and establish.
          f.isPartial = false;
          f.flipRoles(counters);
          setState(f, peer, ESTABLISHED);
          f.firstPacketSeen |= Flow.ORIG;
        }
        if (peer.state == SYN_SENT) {
          setState(f, peer, ESTABLISHED);
        }
        setState(f, endpoint, ESTABLISHED);
        if (peer.state != PARTIAL) {
          f.establishedEvent = true;
        }
      }
    }

    if ((flags & FIN) != 0) {
      setState(f, endpoint, CLOSED);
      doClose = true;
      genEvent = true;
    }

    if ((flags & RST) != 0) {
      setState(f, endpoint, RESET);
      boolean isReject = false;
      if (isOrig) {
        // Our peer is established: a SYN-ACK without its SYN, so a reverse scan: a reject.
        if (peer.state == ESTABLISHED) {
          isReject = true;
        }
      } else if (peer.state == SYN_SENT || peer.state == SYN_ACK_SENT) {
        isReject = true; // rejecting an initial SYN
      }
      doClose = true;
      genEvent = !isReject;
    }

    if (endpoint.state == INACTIVE) { // no control flag changed the state
      if (!isOrig && len == 0 && f.orig.state == SYN_SENT) {
        // Some TCPs ack an initial SYN before their SYN-ACK: not a partial connection.
      } else if (ack && peer.state == ESTABLISHED) {
        // The originator's SYN was missed, its SYN-ACK was seen, and now a pure ACK.
        setState(f, endpoint, ESTABLISHED);
        f.isPartial = false;
        f.firstPacketSeen |= isOrig ? Flow.ORIG : Flow.RESP;
      } else {
        setState(f, endpoint, PARTIAL);
      }
    }
  }

  private void updateSynSentState(Flow f, Endpoint endpoint, Endpoint peer, int flags) {
    if ((flags & FIN) != 0) {
      setState(f, endpoint, CLOSED);
      doClose = true;
      genEvent = true;
    }
    if ((flags & RST) != 0) {
      setState(f, endpoint, RESET);
      connectionReset(f);
      doClose = true;
    }
  }

  private void updateEstablishedState(Flow f, Endpoint endpoint, Endpoint peer, int flags) {
    if ((flags & SYN) != 0) {
      if (endpoint.state == PARTIAL && peer.state == INACTIVE && (flags & ACK) == 0) {
        setState(f, endpoint, SYN_SENT); // SYN after a partial start
      }
    }
    if ((flags & FIN) != 0 && (flags & RST) == 0) {
      setState(f, endpoint, CLOSED);
      if (peer.state == RESET && peer.prevState == CLOSED) {
        // The peer sent a FIN then a RST: that was a normal termination.
        setState(f, peer, CLOSED);
      }
      doClose = true;
      genEvent = true;
    }
    if ((flags & RST) != 0) {
      setState(f, endpoint, RESET);
      doClose = true;
      if (peer.state != RESET || peer.prevState != ESTABLISHED) {
        connectionReset(f);
      }
    }
  }

  private void updateClosedState(Flow f, Endpoint endpoint, int flags) {
    // After this side's FIN, a RST changes the state unless the peer closed too (a full FIN exchange).
    if ((flags & RST) != 0 && endpoint.peer.state != CLOSED) {
      setState(f, endpoint, RESET);
      if (!endpoint.didClose) {
        doClose = true; // RST after FIN
      }
      // Zeek's reset timer only runs with a connection_reset handler, which base scripts lack.
    }
  }

  private static void connectionReset(Flow f) {
    f.isActive = false;
  }

  // ------------------------------------------------------------------ closing

  private void connectionClosed(Flow f, Endpoint endpoint, Endpoint peer, boolean gen) {
    if (dataPending(endpoint)) {
      // Don't close yet: data is still to be delivered.
      f.closeDeferred = true;
      if (!f.deferredGenEvent) {
        f.deferredGenEvent = gen;
      }
      return;
    }
    f.closeDeferred = false;
    if (endpoint.didClose) {
      return;
    }
    endpoint.didClose = true;

    boolean closeComplete = endpoint.state == RESET || peer.didClose || peer.state == INACTIVE;
    if (closeComplete) {
      if (endpoint.prevState != INACTIVE || peer.state != INACTIVE) {
        if (f.deferredGenEvent) {
          gen = true;
          f.deferredGenEvent = false;
        }
        if (gen) {
          f.isActive = false; // ConnectionFinished
        }
      }
      f.nTimers = 0; // CancelTimers (the analyzer's; the session inactivity timer stays)
      addTimer(f, Flow.TIMER_DELETE, f.lastNanos + config.tcpCloseDelayNanos);
    } else if (endpoint.prevState != INACTIVE) {
      // Look for the other side closing, too.
      addTimer(f, Flow.TIMER_EXPIRE, f.lastNanos + config.tcpSessionTimerNanos);
    }
    // else: Zeek's partial-close timer, which only runs with a handler the base scripts lack.
  }

  /** Zeek's TCP_Reassembler::DataPending for {@code ep}. */
  private static boolean dataPending(Endpoint ep) {
    if (ep.skipDeliveries) {
      return false;
    }
    long delivered = ep.startSeq + ep.lastReassemSeq;
    long last = Endpoint.fullSeq(ep.lastSeq, ep.seqWraps);
    if (Long.compareUnsigned(last, delivered) < 0) {
      return false;
    }
    if (delivered != last - 1 && delivered != last) {
      return true;
    }
    return ep.state != RESET && ep.peer.hasBlocks();
  }

  private void checkEof(Flow f, Endpoint ep) {
    if (!ep.didEof && (ep.finCnt > 0 || ep.state == CLOSED || ep.state == RESET) && !dataPending(ep)) {
      ep.didEof = true;
      // EndpointEOF
      if (f.closeDeferred) {
        connectionClosed(f, ep, ep.peer, f.deferredGenEvent);
        f.closeDeferred = false;
      }
    }
  }

  // ------------------------------------------------------------------ timers

  private void addTimer(Flow f, byte kind, long at) {
    if (!f.addTimer(kind, at)) {
      counters.timersDropped++;
    }
    table.timersChanged(f);
  }

  /**
   * Runs one of the connection's analyzer timers at network time {@code now}.
   *
   * @return true when the connection is over (the caller writes and removes it)
   */
  boolean fireTimer(Flow f, byte kind, long now) {
    switch (kind) {
      case Flow.TIMER_ATTEMPT:
        if (!f.isActive) {
          return false;
        }
        if ((f.orig.state == SYN_SENT || f.orig.state == SYN_ACK_SENT) && f.resp.state == INACTIVE) {
          f.isActive = false;
          return true;
        }
        return false;
      case Flow.TIMER_EXPIRE:
        if (!f.isActive) {
          return false; // no longer rescheduled
        }
        if (f.lastNanos + config.tcpConnectionLingerNanos < now) {
          Endpoint o = f.orig;
          Endpoint r = f.resp;
          if (o.didClose || r.didClose) {
            if ((o.didClose && r.didClose)
                || o.state == RESET || r.state == RESET
                || o.state == INACTIVE || r.state == INACTIVE) {
              f.isActive = false;
              return true; // both closed, or one reset, or half closed
            }
          }
          if (r.state == INACTIVE && o.state == INACTIVE) {
            return true; // nothing ever happened on this connection
          }
        }
        addTimer(f, Flow.TIMER_EXPIRE, now + config.tcpSessionTimerNanos);
        return false;
      case Flow.TIMER_DELETE:
        return true;
      default:
        throw new IllegalStateException("unknown timer " + kind);
    }
  }

  // ------------------------------------------------------------------ reassembler (ranges only)

  /** TCP_Reassembler::DataSent for a segment of {@code len} bytes at relative {@code seq}. */
  private void dataSent(Flow f, Endpoint ep, long seq, int len) {
    if (ep.skipDeliveries) {
      return;
    }
    long ackRel = ep.relativeSeqSpace(ep.ackSeq, ep.ackWraps);
    long upper = seq + len;
    if (ult(seq, ackRel)) {
      if (ule(upper, ackRel)) {
        return; // already delivered and acknowledged
      }
      seq = ackRel; // keep only the unacknowledged part
    }
    newBlock(f, ep, seq, upper);

    if (ep.noDataAcked() && ep.nBlocks > 0
        && ugt(ep.blocks[2 * ep.nBlocks - 1] - ep.lastReassemSeq, MAX_ABOVE_HOLE_WITHOUT_ACKS)) {
      ep.nBlocks = 0; // above_hole_data_without_any_acks
      ep.skipDeliveries = true;
    }
    if (ep.blockDataSize() > EXCESSIVE_DATA_WITHOUT_ACKS) {
      ep.nBlocks = 0; // excessive_data_without_further_acks
      ep.skipDeliveries = true;
    }
  }

  private void newBlock(Flow f, Endpoint ep, long seq, long upper) {
    if (ule(upper, seq)) {
      return;
    }
    if (ule(upper, ep.trimSeq)) {
      return; // old data
    }
    if (ult(seq, ep.trimSeq)) {
      seq = ep.trimSeq;
    }
    insertRange(ep, seq, upper);
    deliver(f, ep);
  }

  /** Adds [lo, hi) to the sorted ranges, merging overlapping and adjacent ones. */
  private void insertRange(Endpoint ep, long lo, long hi) {
    long[] b = ep.blocks;
    int n = ep.nBlocks;
    int i = 0;
    while (i < n && ult(b[2 * i + 1], lo)) {
      i++; // ranges entirely below (not even adjacent)
    }
    int j = i;
    while (j < n && ule(b[2 * j], hi)) {
      if (ult(b[2 * j], lo)) {
        lo = b[2 * j];
      }
      if (ugt(b[2 * j + 1], hi)) {
        hi = b[2 * j + 1];
      }
      j++;
    }
    // ranges i..j-1 merge into [lo, hi)
    int removed = j - i;
    if (removed == 0) {
      if (n == Endpoint.MAX_BLOCKS) {
        mergeClosest(ep);
        insertRange(ep, lo, hi);
        return;
      }
      if (b == null) {
        b = new long[4];
        ep.blocks = b;
      } else if (2 * (n + 1) > b.length) {
        b = java.util.Arrays.copyOf(b, Math.min(2 * Endpoint.MAX_BLOCKS, b.length * 2));
        ep.blocks = b;
      }
      System.arraycopy(b, 2 * i, b, 2 * i + 2, 2 * (n - i));
      b[2 * i] = lo;
      b[2 * i + 1] = hi;
      ep.nBlocks = n + 1;
    } else {
      b[2 * i] = lo;
      b[2 * i + 1] = hi;
      System.arraycopy(b, 2 * j, b, 2 * i + 2, 2 * (n - j));
      ep.nBlocks = n - removed + 1;
    }
  }

  /** The range list is full: fill the smallest hole (its bytes will not count as missed). */
  private void mergeClosest(Endpoint ep) {
    long[] b = ep.blocks;
    int best = 0;
    long bestGap = Long.MAX_VALUE;
    for (int k = 0; k + 1 < ep.nBlocks; k++) {
      long gap = b[2 * k + 2] - b[2 * k + 1];
      if (gap < bestGap) {
        bestGap = gap;
        best = k;
      }
    }
    b[2 * best + 1] = b[2 * best + 3];
    System.arraycopy(b, 2 * best + 4, b, 2 * best + 2, 2 * (ep.nBlocks - best - 2));
    ep.nBlocks--;
    counters.reassemblyHolesMerged++;
  }

  /** BlockInserted: deliver in order from lastReassemSeq; then Zeek's initial-window trim. */
  private void deliver(Flow f, Endpoint ep) {
    long[] b = ep.blocks;
    boolean delivered = false;
    for (int k = 0; k < ep.nBlocks; k++) {
      if (ule(b[2 * k], ep.lastReassemSeq) && ugt(b[2 * k + 1], ep.lastReassemSeq)) {
        ep.lastReassemSeq = b[2 * k + 1];
        delivered = true;
        break;
      }
    }
    if (delivered && ep.noDataAcked() && ugt(ep.size(), MAX_INITIAL_WINDOW)) {
      // Much data and no ack: the peer's acks are presumably not seen; don't hold the data.
      trimToSeq(f, ep, ep.lastReassemSeq);
    }
  }

  /** TCP_Reassembler::AckReceived on the endpoint whose data was acknowledged. */
  private void ackReceived(Flow f, Endpoint ep, long seq) {
    if (ep.finCnt > 0 && uge(seq, ep.finSeq)) {
      seq = ep.finSeq - 1;
    }
    if (ule(seq, ep.trimSeq)) {
      return;
    }
    trimToSeq(f, ep, seq);
    checkEof(f, ep);
  }

  /** DataBlockList::Trim: content gaps below {@code seq}, then drop ranges wholly below it. */
  private void trimToSeq(Flow f, Endpoint ep, long seq) {
    if (ugt(seq, ep.lastReassemSeq)) {
      undelivered(f, ep, seq);
    }
    long[] b = ep.blocks;
    int k = 0;
    while (k < ep.nBlocks && ule(b[2 * k + 1], seq)) {
      k++;
    }
    if (k > 0) {
      System.arraycopy(b, 2 * k, b, 0, 2 * (ep.nBlocks - k));
      ep.nBlocks -= k;
    }
    if (ep.nBlocks > 0 && b[0] == ep.lastReassemSeq) {
      deliver(f, ep);
    }
    if (ugt(seq, ep.trimSeq)) {
      ep.trimSeq = seq;
    }
  }

  /** TCP_Reassembler::Undelivered: everything below {@code upTo} not seen is a gap. */
  private void undelivered(Flow f, Endpoint ep, long upTo) {
    if (ule(upTo, 2) && f.isPartial) {
      // A partial connection's faked initial sequence number, or a keep-alive: not a gap.
      return;
    }
    if (!ep.skipDeliveries) {
      long[] b = ep.blocks;
      for (int k = 0; k < ep.nBlocks; k++) {
        long lo = b[2 * k];
        if (ult(lo, ep.lastReassemSeq)) {
          continue; // delivered already
        }
        if (uge(lo, upTo)) {
          break;
        }
        gap(f, ep, lo - ep.lastReassemSeq);
        ep.lastReassemSeq = lo;
        ep.lastReassemSeq = b[2 * k + 1]; // deliver the range
      }
      if (ugt(upTo, ep.lastReassemSeq)) {
        gap(f, ep, upTo - ep.lastReassemSeq);
      }
    }
    if (ugt(upTo, ep.lastReassemSeq)) {
      ep.lastReassemSeq = upTo;
    }
  }

  /** TCP_Reassembler::Gap: counted only while both sides are cleanly established (or closing). */
  private void gap(Flow f, Endpoint ep, long len) {
    if (isClean(ep) && isClean(ep.peer)) {
      scaled(f, ep, 'G');
      f.missedBytes += len;
    }
  }

  private static boolean isClean(Endpoint e) {
    return e.state == ESTABLISHED || (e.state == CLOSED && e.prevState == ESTABLISHED);
  }

  // ------------------------------------------------------------------ arithmetic

  static long u32(long x) {
    return x & 0xffffffffL;
  }

  /** Zeek's seq_delta: the signed 32-bit difference. */
  static int seqDelta(long a, long b) {
    return (int) (a - b);
  }

  private static boolean ult(long a, long b) {
    return Long.compareUnsigned(a, b) < 0;
  }

  private static boolean ule(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }

  private static boolean ugt(long a, long b) {
    return Long.compareUnsigned(a, b) > 0;
  }

  private static boolean uge(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0;
  }
}
