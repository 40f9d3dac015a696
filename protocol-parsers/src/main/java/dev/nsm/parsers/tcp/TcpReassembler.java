package dev.nsm.parsers.tcp;

import java.util.Arrays;

/**
 * Reassembles one direction of a TCP connection into an ordered byte stream for a
 * {@link StreamSink}: bytes in order, each once; holes that will not be filled as gaps; the end.
 * One per direction, reused across flows ({@link #reset}); no threads, no I/O, no allocation per
 * segment once the worker's page pool and this object's small arrays have grown.
 *
 * <h2>Positions</h2>
 * Sequence numbers are unsigned 32-bit and wrap; inside, every byte has a 64-bit stream offset, 0
 * for the first data byte (the one after the SYN, or the first byte of the first segment seen in a
 * mid-stream start). A sequence number is placed relative to the next byte expected, as the signed
 * 32-bit distance from it, so wrap-around at 2^32 is invisible.
 *
 * <pre>
 *   offset:  0                    next                                            finOff
 *            | delivered or gapped | hole | held | hole |   held   |   (not seen) |FIN
 *                                  ^ gap on ack above it, cap, hold timeout or close
 * </pre>
 *
 * <h2>Segments</h2>
 * <ul>
 *   <li>In order with nothing held (the common case): handed to the sink straight from the caller's
 *       buffer, no copy.
 *   <li>Ahead of a hole: the bytes not already held are copied into pages of the worker's
 *       {@link ReassemblyBudget} (page {@code p} of a flow holds offsets {@code [p*size, (p+1)*size)});
 *       held ranges are kept as sorted, disjoint, non-adjacent intervals.
 *   <li>Overlaps: the bytes seen first win (Zeek's default): bytes already delivered are dropped
 *       (counted as retransmitted), bytes already held keep the held copy (counted as overlap, and as
 *       inconsistent when the new copy differs). Bytes already delivered are not kept, so a changed
 *       retransmission of delivered data is not detected (Zeek keeps delivered data until it is
 *       acked to compare it; that would cost a copy of every segment).
 *   <li>SYN: sets the stream start (its data, TCP Fast Open, is offset 0). Without a SYN the first
 *       segment carrying data sets it; a pure ACK does not (a keep-alive's sequence is one below the
 *       stream's), nor a bare FIN or RST. FIN: the stream ends at its place; bytes past it are
 *       dropped. RST: the direction closes at once, unless nothing was delivered or held yet (then
 *       it is counted and ignored, and a later SYN may restart the stream); its payload is not
 *       stream data, as in Zeek.
 *   <li>A wrong start: while nothing was delivered, a SYN with another ISN restarts the stream
 *       (Zeek's SYN_seq_jump), and data (or an ack) further from the ISN than any TCP window can
 *       reach (2^30) restarts it at that data rather than declaring a hole of up to 4 GiB. After
 *       data was delivered, a SYN with another ISN is dropped (counted).
 * </ul>
 *
 * <h2>Memory</h2>
 * Held data costs whole pages: the per-flow cap and the worker's budget count pages, so scattered
 * small segments cannot hold more memory than the caps say. Ranges are limited too (each is two
 * longs). The small arrays of ranges and page numbers grow by doubling up to those limits and are
 * kept across {@link #reset}s. Call {@link #reset} with the sink before the first segment; the
 * payload passed in must lie within its array (not checked on this path).
 *
 * <h2>Gaps</h2>
 * A hole is given up, and the sink told {@link StreamSink#onGap}, when:
 * <ul>
 *   <li>the peer acknowledges beyond it ({@link #ack}): the receiver got bytes the sensor did not
 *       see. This is Zeek's {@code TCP_Reassembler::AckReceived -> TrimToSeq -> Undelivered -> Gap},
 *       which raises {@code content_gap}, whose lengths conn.log sums as {@code missed_bytes}; the
 *       caller says whether Zeek would count it (see {@link #ack}) and {@link #missedBytes()} sums those;
 *   <li>holding a segment would pass the per-flow cap (pages or ranges) or the worker's budget: the
 *       oldest hole is skipped (the new segment itself is never dropped: when nothing else can give,
 *       the hole before it is skipped and it is delivered in order);
 *   <li>held data waited longer than the hold timeout (off by default: Zeek waits for the ack);
 *   <li>the direction closes (RST, timeout, end of input, eviction) with holes: the held data is
 *       delivered after gaps, and a hole before a FIN already seen is a gap too. Zeek does not count
 *       these in missed_bytes, nor the cap and timeout gaps.
 * </ul>
 */
public final class TcpReassembler {
  /** Default per-flow cap on held out-of-order data, in bytes of pages. */
  public static final int DEFAULT_FLOW_CAP_BYTES = 256 << 10;
  /** Default most held ranges (separate runs of out-of-order data) per direction. */
  public static final int DEFAULT_MAX_RANGES = 256;

  /** The largest TCP window (65535 << 14): no data can be sent further than this past the ISN before an ack. */
  private static final long MAX_WINDOW = 1L << 30;

  private static final int NEW = 0; // no stream start yet
  private static final int OPEN = 1;
  private static final int CLOSED = 2;

  private final ReassemblyBudget budget;
  private final long[] c;
  private final int pageShift;
  private final int pageMask;
  private final int maxPages;
  private final int maxRanges;
  private final long holdTimeoutNanos;

  private StreamSink sink;
  private int state;
  private boolean synSeen;
  private boolean finSeen;
  /** Sequence number (low 32 bits) of offset 0. */
  private int base;
  /** Offset of the next byte to deliver; everything below was delivered or gapped. */
  private long next;
  private long finOff;
  private long lastTs;
  /** When the current first hole began to hold data up. */
  private long holdSince;

  // held ranges: [rStart[i], rEnd[i]), sorted, disjoint and not adjacent, all >= next and <= finOff
  private long[] rStart = new long[4];
  private long[] rEnd = new long[4];
  private int ranges;
  // pages of held data, sorted by page number (offset >>> pageShift)
  private long[] pageNo = new long[4];
  private byte[][] pages = new byte[4][];
  private int pageCount;

  // per flow direction
  private long heldBytes;
  private long deliveredBytes;
  private long gaps;
  private long gapBytes;
  private final long[] gapBytesBy = new long[GapReason.values().length];
  private long missedBytes;

  /** A reassembler with the default per-flow cap and range limit and no hold timeout. */
  public TcpReassembler(ReassemblyBudget budget, ReassemblyCounters counters) {
    this(budget, counters, DEFAULT_FLOW_CAP_BYTES, DEFAULT_MAX_RANGES, 0);
  }

  /**
   * @param flowCapBytes most bytes of pages this direction may hold (at least one page)
   * @param maxRanges most separate held ranges (at least 1)
   * @param holdTimeoutNanos skip a hole once data has waited behind it this long, in packet time
   *     (checked on each segment); 0 waits for an ack, a cap or the close, as Zeek does
   */
  public TcpReassembler(ReassemblyBudget budget, ReassemblyCounters counters, int flowCapBytes, int maxRanges,
      long holdTimeoutNanos) {
    if (flowCapBytes < budget.pageSize() || maxRanges < 1 || holdTimeoutNanos < 0) {
      throw new IllegalArgumentException("reassembly limits out of range");
    }
    this.budget = budget;
    this.c = counters.v;
    this.pageShift = budget.pageShift();
    this.pageMask = budget.pageSize() - 1;
    this.maxPages = flowCapBytes >>> pageShift;
    this.maxRanges = maxRanges;
    this.holdTimeoutNanos = holdTimeoutNanos;
  }

  /**
   * Makes this reassembler ready for a new flow direction delivering to {@code sink}. Data still
   * held (a flow not closed) is dropped and counted as discarded.
   */
  public void reset(StreamSink sink) {
    if (heldBytes > 0) {
      c[ReassemblyCounter.DISCARDED_BYTES.id()] += heldBytes;
    }
    releaseAllPages();
    this.sink = sink;
    state = NEW;
    synSeen = false;
    finSeen = false;
    base = 0;
    next = 0;
    finOff = 0;
    lastTs = 0;
    holdSince = 0;
    ranges = 0;
    heldBytes = 0;
    deliveredBytes = 0;
    gaps = 0;
    gapBytes = 0;
    Arrays.fill(gapBytesBy, 0);
    missedBytes = 0;
  }

  /**
   * One segment sent in this direction.
   *
   * @param seq its sequence number (unsigned 32-bit; higher bits ignored)
   * @param buf,off,len its payload; read during the call only (delivered from there when in order)
   * @param tsNanos packet time, for the hold timeout
   */
  public void segment(long seq, boolean syn, boolean fin, boolean rst, byte[] buf, int off, int len, long tsNanos) {
    c[ReassemblyCounter.SEGMENTS.id()]++;
    lastTs = tsNanos;
    if (state == CLOSED) {
      c[ReassemblyCounter.SEGMENTS_AFTER_CLOSE.id()]++;
      return;
    }
    if (rst || (fin && !syn && len == 0 && state == NEW)) {
      if (next == 0 && ranges == 0) {
        // Nothing delivered or held yet: a RST (or a bare FIN without a stream) ends nothing the sink
        // knows of. Stay open, so that a SYN or data that still follows is not lost: that is how
        // Zeek behaves (it delivers data after a RST), and it defeats RSTs injected before the
        // handshake (suricata-verify bug-3286). The flow ends the direction with close() if not.
        c[ReassemblyCounter.CONTROL_BEFORE_DATA.id()]++;
        return;
      }
      finish(CloseReason.RST);
      return;
    }
    int seq32 = (int) seq;
    if (syn) {
      if (state == NEW) {
        start(seq32 + 1, true);
      } else if (seq32 + 1 != base) {
        if (next == 0 && ranges == 0 && !finSeen) {
          c[ReassemblyCounter.SYN_REINIT.id()]++;
          start(seq32 + 1, true);
        } else {
          c[ReassemblyCounter.SYN_IGNORED.id()]++;
          return;
        }
      } else {
        synSeen = true;
      }
      seq32++;
    } else if (state == NEW) {
      if (len == 0) {
        return; // a pure ACK does not start a stream
      }
      start(seq32, false);
    }
    long s = offset(seq32);
    if ((s < 0 || s > MAX_WINDOW) && len > 0 && next == 0 && ranges == 0 && !finSeen) {
      // The first data lies before the SYN or further past it than any TCP window reaches: the SYN
      // was another connection's, or one of several SYN-ACKs with different ISNs
      // (suricata-verify tcp-fastopen-10). Nothing was delivered yet: restart at this data instead
      // of waiting for an ack to declare a hole of up to 4 GiB (what Zeek and tshark do).
      c[ReassemblyCounter.STREAM_REBASED.id()]++;
      start(seq32, false);
      s = 0;
    }
    long e = s + len;
    if (fin) {
      noteFin(e);
    }
    if (finSeen && e > finOff) {
      long past = e - Math.max(s, finOff);
      c[ReassemblyCounter.BYTES_AFTER_FIN.id()] += past;
      e -= past;
    }
    if (s < 0 && e > s) {
      long before = Math.min(e, 0) - s;
      c[ReassemblyCounter.BYTES_BEFORE_START.id()] += before;
      off += (int) before;
      s += before;
    }
    if (e > s) {
      if (e <= next) {
        c[ReassemblyCounter.RETRANSMITTED_SEGMENTS.id()]++;
        c[ReassemblyCounter.RETRANSMITTED_BYTES.id()] += e - s;
      } else if (s <= next) {
        inOrder(buf, off, s, e);
      } else {
        outOfOrder(buf, off, s, e, tsNanos);
      }
    }
    if (finSeen && next >= finOff) {
      finish(CloseReason.FIN);
    } else if (ranges > 0 && holdTimeoutNanos > 0 && tsNanos - holdSince >= holdTimeoutNanos) {
      skipHole(GapReason.STALE);
      holdSince = tsNanos;
    }
  }

  /**
   * The peer acknowledged everything before {@code ackSeq} (a packet of the other direction with
   * ACK set). Holes below it will not be filled any more: they are delivered as gaps, with the
   * held data between them.
   *
   * @param countMissed whether Zeek would report these gaps as {@code content_gap} and so add them
   *     to conn.log's {@code missed_bytes}: true when both endpoints are established or cleanly
   *     closing (Zeek's {@code established_or_cleanly_closing}: each endpoint's state is ESTABLISHED,
   *     or CLOSED after ESTABLISHED; so no gaps for partial connections, or after a RST, as with
   *     {@code report_gaps_for_partial=F}), judged after the state changes of the packet carrying
   *     the ack
   * @return the gap bytes this ack revealed
   */
  public long ack(long ackSeq, boolean countMissed) {
    if (state != OPEN) {
      return 0;
    }
    long a = offset((int) ackSeq);
    if (a < -1) { // -1 is the SYN itself (or its stand-in in a partial connection)
      c[ReassemblyCounter.ACK_UNDERFLOW.id()]++;
      return 0;
    }
    if (a > MAX_WINDOW && next == 0 && ranges == 0) {
      // past any window from a start that delivered nothing: the SYN's ISN is not this stream's
      // (see STREAM_REBASED); the data will restart the stream
      c[ReassemblyCounter.ACK_BEYOND_WINDOW.id()]++;
      return 0;
    }
    if (finSeen && a > finOff) {
      a = finOff; // an ack of the FIN is not an ack of a missing byte
    }
    if (a <= next) {
      return 0;
    }
    // (Zeek's Undelivered() ignores, in a partial connection, an ack one byte past the start: the
    // first segment seen was a keep-alive, one below the stream. Here a stream without SYN starts at
    // its first data, which is delivered at once, and a bare keep-alive starts nothing: no such gap.)
    long before = gapBytes;
    while (ranges > 0 && rStart[0] < a) {
      gap(rStart[0] - next, GapReason.ACKED);
      drain();
    }
    if (a > next) {
      gap(a - next, GapReason.ACKED);
      drain();
    }
    long revealed = gapBytes - before;
    if (countMissed) {
      missedBytes += revealed;
      c[ReassemblyCounter.MISSED_BYTES.id()] += revealed;
    }
    if (finSeen && next >= finOff) {
      finish(CloseReason.FIN);
    }
    return revealed;
  }

  /**
   * Ends this direction (timeout, end of input, eviction, or a RST seen from the peer): held data
   * is delivered after gaps for the holes before it, then {@link StreamSink#onClose}. Does nothing
   * if already closed.
   */
  public void close(CloseReason reason) {
    if (state != CLOSED) {
      finish(reason);
    }
  }

  // ------------------------------------------------------------------ state

  /** True once closed (FIN reached, RST, or {@link #close}). */
  public boolean isClosed() {
    return state == CLOSED;
  }

  /** True once the stream start is known (a SYN, or a first segment with data). */
  public boolean isStarted() {
    return state != NEW;
  }

  public boolean synSeen() {
    return synSeen;
  }

  /** Offset of the next byte to deliver: bytes delivered plus gap bytes so far. */
  public long nextOffset() {
    return next;
  }

  /** Bytes of out-of-order data held now. */
  public long heldBytes() {
    return heldBytes;
  }

  /** Pages held now (what counts against the per-flow cap and the budget). */
  public int heldPages() {
    return pageCount;
  }

  public int heldRanges() {
    return ranges;
  }

  public long deliveredBytes() {
    return deliveredBytes;
  }

  /** Gaps delivered, all reasons. */
  public long gaps() {
    return gaps;
  }

  /** Bytes of gaps delivered, all reasons. */
  public long gapBytes() {
    return gapBytes;
  }

  /**
   * Bytes of gaps delivered for one reason: {@link GapReason#FLOW_CAP} or {@link GapReason#BUDGET}
   * above 0 is what a "reassembly cap hit" notice for this flow reports.
   */
  public long gapBytes(GapReason reason) {
    return gapBytesBy[reason.ordinal()];
  }

  /** Gap bytes Zeek would add to conn.log's missed_bytes (acked holes with countMissed). */
  public long missedBytes() {
    return missedBytes;
  }

  // ------------------------------------------------------------------ internals

  private void start(int firstDataSeq, boolean syn) {
    state = OPEN;
    synSeen = syn;
    base = firstDataSeq;
    next = 0;
  }

  /** The stream offset of a sequence number, placed within 2^31 of the next byte expected. */
  private long offset(int seq32) {
    return next + (seq32 - (base + (int) next));
  }

  private void noteFin(long at) {
    if (!finSeen) {
      if (at < next) { // a FIN before bytes already delivered: end here
        c[ReassemblyCounter.FIN_CONFLICT.id()]++;
        at = next;
      }
      finSeen = true;
      finOff = at;
      trimHeldFrom(at);
    } else if (at != finOff) {
      c[ReassemblyCounter.FIN_CONFLICT.id()]++;
    }
  }

  /** A segment that starts at or before {@code next} and ends after it. */
  private void inOrder(byte[] buf, int off, long s, long e) {
    if (s < next) {
      c[ReassemblyCounter.RETRANSMITTED_SEGMENTS.id()]++;
      c[ReassemblyCounter.RETRANSMITTED_BYTES.id()] += next - s;
      off += (int) (next - s);
      s = next;
    }
    if (ranges == 0) {
      c[ReassemblyCounter.FAST_PATH_SEGMENTS.id()]++;
      deliver(buf, off, (int) (e - s));
      return;
    }
    // Walk the held ranges the segment reaches: its own bytes fill the holes between them, the held
    // bytes (first seen) are delivered where both exist.
    long overlap = 0;
    boolean inconsistent = false;
    int j = 0;
    while (j < ranges && rStart[j] < e) {
      long hs = rStart[j];
      long he = rEnd[j];
      if (next < hs) {
        deliver(buf, off + (int) (next - s), (int) (hs - next));
      }
      long oe = Math.min(he, e);
      overlap += oe - hs;
      if (!inconsistent && !sameAsHeld(hs, oe, buf, off + (int) (hs - s))) {
        inconsistent = true;
      }
      deliverHeld(hs, he);
      j++;
    }
    removeFirstRanges(j);
    if (next < e) {
      deliver(buf, off + (int) (next - s), (int) (e - next));
    }
    countOverlap(overlap, inconsistent);
    drain();
  }

  /** A segment that starts after {@code next}: hold its new bytes, making room if the caps say so. */
  private void outOfOrder(byte[] buf, int off, long s, long e, long ts) {
    while (true) {
      // ranges [lo, hi) overlap or touch [s, e] and merge with it
      int hi = ranges;
      while (hi > 0 && rStart[hi - 1] > e) {
        hi--;
      }
      int lo = hi;
      while (lo > 0 && rEnd[lo - 1] >= s) {
        lo--;
      }
      int needPages = missingPages(s, e);
      boolean flowRoom = pageCount + needPages <= maxPages && ranges - (hi - lo) + 1 <= maxRanges;
      if (flowRoom && needPages <= budget.availablePages()) {
        hold(buf, off, s, e, lo, hi, ts);
        return;
      }
      // Skip the oldest hole: up to the first held byte, or to this segment if it comes first.
      GapReason reason = flowRoom ? GapReason.BUDGET : GapReason.FLOW_CAP;
      long target = ranges > 0 ? Math.min(rStart[0], s) : s;
      gap(target - next, reason);
      holdSince = ts;
      if (s > next) {
        drain(); // the first held range starts at next now
      }
      if (e <= next) { // the held data just delivered covered all of it
        c[ReassemblyCounter.RETRANSMITTED_SEGMENTS.id()]++;
        c[ReassemblyCounter.RETRANSMITTED_BYTES.id()] += e - s;
        return;
      }
      if (s <= next) {
        inOrder(buf, off, s, e);
        return;
      }
    }
  }

  private void hold(byte[] buf, int off, long s, long e, int lo, int hi, long ts) {
    long pos = s;
    long overlap = 0;
    boolean inconsistent = false;
    for (int k = lo; k < hi; k++) {
      long hs = rStart[k];
      long he = rEnd[k];
      if (pos < hs) {
        copyIn(buf, off + (int) (pos - s), pos, Math.min(hs, e));
      }
      long os = Math.max(hs, s);
      long oe = Math.min(he, e);
      if (oe > os) {
        overlap += oe - os;
        if (!inconsistent && !sameAsHeld(os, oe, buf, off + (int) (os - s))) {
          inconsistent = true;
        }
      }
      pos = Math.max(pos, he);
    }
    if (pos < e) {
      copyIn(buf, off + (int) (pos - s), pos, e);
    }
    countOverlap(overlap, inconsistent);
    long ns = lo < hi ? Math.min(s, rStart[lo]) : s;
    long ne = lo < hi ? Math.max(e, rEnd[hi - 1]) : e;
    if (ranges == 0) {
      holdSince = ts;
    }
    replaceRanges(lo, hi, ns, ne);
    c[ReassemblyCounter.HELD_SEGMENTS.id()]++;
  }

  private void countOverlap(long overlap, boolean inconsistent) {
    if (overlap > 0) {
      c[ReassemblyCounter.OVERLAP_SEGMENTS.id()]++;
      c[ReassemblyCounter.OVERLAP_BYTES.id()] += overlap;
      if (inconsistent) {
        c[ReassemblyCounter.INCONSISTENT_OVERLAPS.id()]++;
      }
    }
  }

  /** Skips the hole before the first held range and delivers what follows it. */
  private void skipHole(GapReason reason) {
    gap(rStart[0] - next, reason);
    drain();
  }

  /** Delivers the held ranges that start at {@code next}, then gives back the pages freed. */
  private void drain() {
    int j = 0;
    while (j < ranges && rStart[j] == next) {
      deliverHeld(rStart[j], rEnd[j]);
      j++;
    }
    removeFirstRanges(j);
    if (j > 0) {
      holdSince = lastTs; // data behind the next hole (if any) waits from now
    }
  }

  private void finish(CloseReason reason) {
    if (state == OPEN) {
      while (ranges > 0) {
        skipHole(GapReason.CLOSE);
      }
      if (finSeen && finOff > next) {
        gap(finOff - next, GapReason.CLOSE);
      }
    }
    releaseAllPages();
    ranges = 0;
    heldBytes = 0;
    state = CLOSED;
    c[reason.counter().id()]++;
    sink.onClose(reason);
  }

  private void deliver(byte[] buf, int off, int len) {
    next += len;
    deliveredBytes += len;
    c[ReassemblyCounter.DELIVERED_BYTES.id()] += len;
    sink.onData(buf, off, len);
  }

  private void gap(long bytes, GapReason reason) {
    if (bytes <= 0) {
      return;
    }
    next += bytes;
    gaps++;
    gapBytes += bytes;
    gapBytesBy[reason.ordinal()] += bytes;
    c[ReassemblyCounter.GAPS.id()]++;
    c[ReassemblyCounter.GAP_BYTES.id()] += bytes;
    c[reason.gapsCounter().id()]++;
    c[reason.bytesCounter().id()] += bytes;
    sink.onGap(bytes);
  }

  // ------------------------------------------------------------------ pages and ranges

  /** Delivers held bytes [a, b) page by page (must start at {@code next}). */
  private void deliverHeld(long a, long b) {
    int i = findPage(a >>> pageShift);
    while (a < b) {
      long pageEnd = (pageNo[i] + 1) << pageShift;
      int n = (int) (Math.min(b, pageEnd) - a);
      heldBytes -= n;
      deliver(pages[i], (int) (a & pageMask), n);
      a += n;
      i++;
    }
  }

  /** Whether held bytes [a, b) equal {@code buf[off ...]}. */
  private boolean sameAsHeld(long a, long b, byte[] buf, int off) {
    int i = findPage(a >>> pageShift);
    while (a < b) {
      long pageEnd = (pageNo[i] + 1) << pageShift;
      int n = (int) (Math.min(b, pageEnd) - a);
      int po = (int) (a & pageMask);
      if (Arrays.mismatch(pages[i], po, po + n, buf, off, off + n) >= 0) {
        return false;
      }
      off += n;
      a += n;
      i++;
    }
    return true;
  }

  /** Copies new bytes for offsets [a, b) from {@code buf[off ...]} into pages (room was checked). */
  private void copyIn(byte[] buf, int off, long a, long b) {
    heldBytes += b - a;
    c[ReassemblyCounter.HELD_BYTES.id()] += b - a;
    while (a < b) {
      long p = a >>> pageShift;
      int i = findPage(p);
      if (i < 0) {
        i = addPage(-i - 1, p);
      }
      int n = (int) (Math.min(b, (p + 1) << pageShift) - a);
      System.arraycopy(buf, off, pages[i], (int) (a & pageMask), n);
      off += n;
      a += n;
    }
  }

  private int missingPages(long s, long e) {
    int n = 0;
    for (long p = s >>> pageShift, last = (e - 1) >>> pageShift; p <= last; p++) {
      if (findPage(p) < 0) {
        n++;
      }
    }
    return n;
  }

  /** Index of page {@code p}, or {@code -(insertion point) - 1}. */
  private int findPage(long p) {
    // the common cases first: the first page (delivery) and past the last one (appending)
    if (pageCount > 0 && pageNo[0] == p) {
      return 0;
    }
    if (pageCount == 0 || pageNo[pageCount - 1] < p) {
      return -pageCount - 1;
    }
    return Arrays.binarySearch(pageNo, 0, pageCount, p);
  }

  private int addPage(int at, long p) {
    if (pageCount == pageNo.length) {
      int n = pageNo.length * 2;
      pageNo = Arrays.copyOf(pageNo, n);
      pages = Arrays.copyOf(pages, n);
    }
    System.arraycopy(pageNo, at, pageNo, at + 1, pageCount - at);
    System.arraycopy(pages, at, pages, at + 1, pageCount - at);
    pageNo[at] = p;
    pages[at] = budget.take();
    pageCount++;
    return at;
  }

  /** Replaces ranges [lo, hi) (possibly none) by the one range [s, e). */
  private void replaceRanges(int lo, int hi, long s, long e) {
    int removed = hi - lo;
    if (removed == 0) {
      if (ranges == rStart.length) {
        rStart = Arrays.copyOf(rStart, ranges * 2);
        rEnd = Arrays.copyOf(rEnd, ranges * 2);
      }
      System.arraycopy(rStart, lo, rStart, lo + 1, ranges - lo);
      System.arraycopy(rEnd, lo, rEnd, lo + 1, ranges - lo);
      ranges++;
    } else if (removed > 1) {
      System.arraycopy(rStart, hi, rStart, lo + 1, ranges - hi);
      System.arraycopy(rEnd, hi, rEnd, lo + 1, ranges - hi);
      ranges -= removed - 1;
    }
    rStart[lo] = s;
    rEnd[lo] = e;
  }

  /** Drops the first {@code n} ranges (delivered) and gives back the pages no range needs now. */
  private void removeFirstRanges(int n) {
    if (n > 0) {
      System.arraycopy(rStart, n, rStart, 0, ranges - n);
      System.arraycopy(rEnd, n, rEnd, 0, ranges - n);
      ranges -= n;
    }
    // Pages are only made for held bytes and ranges only leave from the front, so the pages no
    // longer needed are exactly those ending at or before the first range left.
    long keepFrom = ranges > 0 ? rStart[0] >>> pageShift : Long.MAX_VALUE;
    int k = 0;
    while (k < pageCount && pageNo[k] < keepFrom) {
      budget.give(pages[k]);
      pages[k] = null;
      k++;
    }
    if (k > 0) {
      System.arraycopy(pageNo, k, pageNo, 0, pageCount - k);
      System.arraycopy(pages, k, pages, 0, pageCount - k);
      Arrays.fill(pages, pageCount - k, pageCount, null);
      pageCount -= k;
    }
  }

  /** Drops held bytes at or past {@code end} (a FIN) and the pages only they used. */
  private void trimHeldFrom(long end) {
    int keep = ranges;
    while (keep > 0 && rStart[keep - 1] >= end) {
      keep--;
    }
    long dropped = 0;
    for (int k = keep; k < ranges; k++) {
      dropped += rEnd[k] - rStart[k];
    }
    if (keep > 0 && rEnd[keep - 1] > end) {
      dropped += rEnd[keep - 1] - end;
      rEnd[keep - 1] = end;
    }
    if (dropped == 0) {
      return;
    }
    ranges = keep;
    heldBytes -= dropped;
    c[ReassemblyCounter.BYTES_AFTER_FIN.id()] += dropped;
    long lastNeeded = ranges > 0 ? (rEnd[ranges - 1] - 1) >>> pageShift : -1;
    while (pageCount > 0 && pageNo[pageCount - 1] > lastNeeded) {
      pageCount--;
      budget.give(pages[pageCount]);
      pages[pageCount] = null;
    }
  }

  private void releaseAllPages() {
    for (int k = 0; k < pageCount; k++) {
      budget.give(pages[k]);
      pages[k] = null;
    }
    pageCount = 0;
  }
}
