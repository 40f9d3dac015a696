package dev.nsm.sensor.flow;

/**
 * One side of a flow: packet and byte counts for every transport, plus Zeek's TCP endpoint state
 * ({@code TCP_Endpoint}) and a sequence-only model of its reassembler ({@code TCP_Reassembler}) for
 * TCP. Two per {@link Flow}, reused with it; fields are package-private and reset by {@link #reset}.
 *
 * <p>Sequence numbers: {@code startSeq}, {@code lastSeq} and {@code ackSeq} are unsigned 32-bit values
 * held in longs; relative sequence numbers (seq - startSeq + wraps * 2^32, starting at 1 after the SYN)
 * are unsigned 64-bit values held in longs and compared with {@link Long#compareUnsigned}.
 *
 * <p>The reassembler keeps no bytes, only which sequence ranges it has seen: {@code blocks} holds
 * sorted, disjoint, non-adjacent [lo, hi) pairs of relative sequence numbers that are buffered (seen
 * but not yet acknowledged by the peer). Data below {@code lastReassemSeq} was delivered in order;
 * blocks above it wait on a hole. When the peer acknowledges past a hole, the hole is a content gap
 * (Zeek's {@code missed_bytes} and history letter G).
 */
final class Endpoint {
  // TCP endpoint states (Zeek's EndpointState).
  static final int INACTIVE = 0;
  static final int SYN_SENT = 1;
  static final int SYN_ACK_SENT = 2;
  static final int PARTIAL = 3;
  static final int ESTABLISHED = 4;
  static final int CLOSED = 5;
  static final int RESET = 6;

  /** Most holes tracked per endpoint; past it the two closest ranges are merged (and counted). */
  static final int MAX_BLOCKS = 64;

  Endpoint peer;
  /** Whether this endpoint is currently the originator (flips with the flow). */
  boolean isOrig;

  // ---- every transport (Zeek's ConnSize analyzer and UDP/ICMP endpoint sizes)
  long pkts;
  long ipBytes;
  /** UDP/ICMP payload bytes; -1 while this side sent nothing (Zeek's INACTIVE). */
  long payloadBytes;

  // ---- TCP_Endpoint
  int state;
  int prevState;
  long startSeq;
  long lastSeq;
  long ackSeq;
  int seqWraps;
  int ackWraps;
  long finSeq;
  int finCnt;
  int rstCnt;
  boolean didClose;
  int rxmtCnt;
  int rxmtThresh;
  int win0Cnt;
  int win0Thresh;
  int gapCnt;
  int gapThresh;
  long histLastSyn;
  long histLastFin;
  long histLastRst;
  /** This side sent a SYN (with or without ACK); {@code synSeq} is the last one's sequence number. */
  boolean sawSyn;
  long synSeq;

  // ---- TCP_Reassembler (sequence ranges only)
  long lastReassemSeq;
  long trimSeq;
  boolean skipDeliveries;
  boolean didEof;
  /** Allocated on the first range (UDP/ICMP flows never need one); kept when the flow is reused. */
  long[] blocks;
  int nBlocks;

  void reset() {
    isOrig = false;
    pkts = 0;
    ipBytes = 0;
    payloadBytes = -1;
    state = INACTIVE;
    prevState = INACTIVE;
    startSeq = 0;
    lastSeq = 0;
    ackSeq = 0;
    seqWraps = 0;
    ackWraps = 0;
    finSeq = 0;
    finCnt = 0;
    rstCnt = 0;
    didClose = false;
    rxmtCnt = 0;
    rxmtThresh = 1;
    win0Cnt = 0;
    win0Thresh = 1;
    gapCnt = 0;
    gapThresh = 1;
    histLastSyn = 0;
    histLastFin = 0;
    histLastRst = 0;
    sawSyn = false;
    synSeq = 0;
    lastReassemSeq = 1;
    trimSeq = 1;
    skipDeliveries = false;
    didEof = false;
    nBlocks = 0;
  }

  // ---- sequence space helpers (TCP_Endpoint)

  static long fullSeq(long seq32, int wraps) {
    return ((wraps & 0xffffffffL) << 32) + seq32;
  }

  long relativeSeqSpace(long seq32, int wraps) {
    return fullSeq(seq32, wraps) - startSeq;
  }

  void updateLastSeq(long seq) {
    if (seq < lastSeq) {
      ++seqWraps;
    }
    lastSeq = seq;
  }

  void updateAckSeq(long seq) {
    if (seq < ackSeq) {
      ++ackWraps;
    }
    ackSeq = seq;
  }

  boolean noDataAcked() {
    long ack = fullSeq(ackSeq, ackWraps);
    return ack == startSeq || ack == startSeq + 1;
  }

  /**
   * Zeek's {@code TCP_Endpoint::Size()}: payload bytes from sequence numbers, the furthest of what this
   * side sent and what its peer acknowledged, less the SYN and FIN octets.
   */
  long size() {
    if (prevState == SYN_SENT && state == RESET && peer.state == INACTIVE && !noDataAcked()) {
      // A half-open connection discovered and aborted: its sequence numbers mean nothing.
      return 0;
    }
    long last64 = fullSeq(lastSeq, seqWraps);
    long ack64 = fullSeq(ackSeq, ackWraps);
    long size = Long.compareUnsigned(last64, ack64) > 0 ? last64 - startSeq : ack64 - startSeq;
    if (size != 0) {
      --size; // the SYN octet (faked for partial connections)
    }
    if (finCnt > 0 && size != 0) {
      --size; // the FIN octet
    }
    return size;
  }

  boolean hasBlocks() {
    return nBlocks > 0;
  }

  /** Bytes in the buffered ranges (Zeek's DataBlockList::DataSize). */
  long blockDataSize() {
    long n = 0;
    for (int i = 0; i < nBlocks; i++) {
      n += blocks[2 * i + 1] - blocks[2 * i];
    }
    return n;
  }
}
