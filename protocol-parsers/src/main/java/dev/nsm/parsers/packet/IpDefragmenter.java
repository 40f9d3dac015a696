package dev.nsm.parsers.packet;

import static dev.nsm.parsers.packet.Bytes.u16;
import static dev.nsm.parsers.packet.Bytes.u32;
import static dev.nsm.parsers.packet.Bytes.u8;

import java.util.Arrays;

/**
 * Reassembles IPv4 and IPv6 fragments, bounded in datagrams and bytes and timed out on packet time.
 * One per decoding thread; no allocation once its pool of datagram buffers has grown.
 *
 * <p>Overlaps: the first bytes received win (later copies of the same 8-octet units are ignored and
 * counted). A fragment that would end past 65535 octets, or whose length is impossible, or that
 * contradicts where the datagram ends as first learnt (another end, data past it, an end inside data
 * already held), is refused and counted; so is a datagram whose header and data pass 65535 octets.
 * A fragment cut short by the capture's snaplen still counts for its length by header (its missing
 * bytes read as zero), so flows keep their true sizes.
 */
public final class IpDefragmenter {
  /** {@code offer*} result: stored, datagram not complete yet. */
  public static final int HELD = 0;
  /** {@code offer*} result: the fragment is impossible (offset or length); counted, dropped. */
  public static final int INVALID = -1;

  private static final int MAX_DATAGRAM = 65535;
  private static final int UNITS = (MAX_DATAGRAM + 7) / 8 + 1;

  private final int maxDatagrams;
  private final long maxBytes;
  private final long timeoutNanos;

  private final Datagram[] active;
  private int activeCount;
  private long bytesHeld;
  private byte[] out = new byte[2048];

  // counters (read by the owner thread, or after it stopped)
  public long fragmentsSeen;
  public long datagramsReassembled;
  public long datagramsTimedOut;
  public long datagramsEvicted;
  public long fragmentsInvalid;
  public long overlappingFragments;

  /** How long a datagram waits for its missing fragments (30 s, Linux's ipfrag_time). */
  public static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;

  public IpDefragmenter() {
    this(4096, 64L << 20, DEFAULT_TIMEOUT_NANOS);
  }

  /**
   * @param maxDatagrams datagrams in reassembly at once; past it the oldest is dropped (counted)
   * @param maxBytes fragment bytes held at once; past it the oldest datagrams are dropped (counted)
   * @param timeoutNanos a datagram not complete this long after its first fragment is dropped
   */
  public IpDefragmenter(int maxDatagrams, long maxBytes, long timeoutNanos) {
    if (maxDatagrams < 1 || maxBytes < MAX_DATAGRAM || timeoutNanos <= 0) {
      throw new IllegalArgumentException("fragment caps out of range: " + maxDatagrams + " datagrams (at least 1), "
          + maxBytes + " bytes (at least " + MAX_DATAGRAM + "), timeout " + timeoutNanos + " ns");
    }
    this.maxDatagrams = maxDatagrams;
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeoutNanos;
    this.active = new Datagram[maxDatagrams];
  }

  /** The last reassembled datagram, from offset 0; valid until the next offer. */
  public byte[] buffer() {
    return out;
  }

  public int inProgress() {
    return activeCount;
  }

  public long bytesHeld() {
    return bytesHeld;
  }

  /**
   * Takes an IPv4 fragment.
   *
   * @return the length of the reassembled datagram in {@link #buffer()} (IPv4 header of the first
   *     fragment, flags and offset cleared, total length set), {@link #HELD} or {@link #INVALID}
   */
  public int offerV4(byte[] buf, int ipOff, int ihl, int totalLen, int capEnd, long ts) {
    fragmentsSeen++;
    expire(ts);
    int flagsFrag = u16(buf, ipOff + 6);
    int fragOffset = (flagsFrag & 0x1fff) * 8;
    boolean more = (flagsFrag & 0x2000) != 0;
    int dataLen = totalLen - ihl;
    if (dataLen <= 0 || fragOffset + dataLen > MAX_DATAGRAM - ihl || (more && (dataLen & 7) != 0)) {
      fragmentsInvalid++;
      return INVALID;
    }
    long id = u16(buf, ipOff + 4);
    int proto = u8(buf, ipOff + 9);
    Datagram d = find(4, buf, ipOff + 12, ipOff + 16, 4, id, proto, ts);
    if (fragOffset == 0) {
      System.arraycopy(buf, ipOff, d.header, 0, ihl);
      d.headerLen = ihl;
    }
    int dataStart = ipOff + ihl;
    int present = Math.max(0, Math.min(capEnd - dataStart, dataLen));
    return store(d, buf, dataStart, present, fragOffset, dataLen, more);
  }

  /**
   * Takes an IPv6 fragment.
   *
   * @param fragHdrOff offset of its fragment header; the data follows it
   * @param nextHeader the fragment header's next header
   * @return the length of the reassembled datagram in {@link #buffer()} (a 40-byte IPv6 header with
   *     that next header and the payload length set, then the data), {@link #HELD} or {@link #INVALID}
   */
  public int offerV6(byte[] buf, int ipOff, int fragHdrOff, int nextHeader, int capEnd, long ts) {
    fragmentsSeen++;
    expire(ts);
    int payloadLen = u16(buf, ipOff + 4);
    int offMore = u16(buf, fragHdrOff + 2);
    int fragOffset = offMore & 0xfff8;
    boolean more = (offMore & 0x01) != 0;
    int dataStart = fragHdrOff + 8;
    int dataLen = ipOff + 40 + payloadLen - dataStart;
    if (dataLen <= 0 || fragOffset + dataLen > MAX_DATAGRAM - 40 || (more && (dataLen & 7) != 0)) {
      fragmentsInvalid++;
      return INVALID;
    }
    long id = u32(buf, fragHdrOff + 4);
    Datagram d = find(6, buf, ipOff + 8, ipOff + 24, 16, id, -1, ts);
    if (fragOffset == 0) {
      System.arraycopy(buf, ipOff, d.header, 0, 40);
      d.header[6] = (byte) nextHeader;
      d.headerLen = 40;
    }
    int present = Math.max(0, Math.min(capEnd - dataStart, dataLen));
    return store(d, buf, dataStart, present, fragOffset, dataLen, more);
  }

  private int store(Datagram d, byte[] buf, int dataStart, int present, int fragOffset, int dataLen, boolean more) {
    int end = fragOffset + dataLen;
    // A fragment that contradicts what came first about where the datagram ends is refused (first wins),
    // as Linux does: a second, different end; a last fragment ending before data already received; data
    // past the known end. Storing the latter two left units past the end counted as received, so a
    // datagram could "complete" with a hole inside (holding a previous datagram's bytes) or be cut short
    // (ipv6-evasion--frag-29: 0|408, 408|400, then a last fragment 8|1).
    if (!more) {
      if ((d.totalLen >= 0 && d.totalLen != end) || end < d.maxEnd) {
        fragmentsInvalid++;
        return INVALID;
      }
      d.totalLen = end;
    } else if (d.totalLen >= 0 && end > d.totalLen) {
      fragmentsInvalid++;
      return INVALID;
    }
    if (end > d.maxEnd) {
      // Growing a datagram already held may pass maxBytes (find() only makes room when one starts):
      // drop the oldest others until it fits. d alone never exceeds it (maxBytes >= 65535).
      while (bytesHeld + (end - d.maxEnd) > maxBytes && activeCount > 1) {
        evictOldestBut(d);
      }
      bytesHeld += end - d.maxEnd;
      d.maxEnd = end;
    }
    d.ensure(end);
    // copy 8-octet units not yet received (first wins)
    int firstUnit = fragOffset >>> 3;
    int lastUnit = (end + 7) >>> 3;
    boolean overlap = false;
    for (int u = firstUnit; u < lastUnit; u++) {
      long bit = 1L << (u & 63);
      if ((d.units[u >>> 6] & bit) != 0) {
        overlap = true;
        continue;
      }
      d.units[u >>> 6] |= bit;
      d.coveredUnits++;
      int from = u << 3;
      int to = Math.min(from + 8, end);
      int srcFrom = from - fragOffset;
      int srcTo = Math.min(to - fragOffset, present);
      if (srcTo > srcFrom) {
        System.arraycopy(buf, dataStart + srcFrom, d.data, from, srcTo - srcFrom);
      }
      if (srcTo < to - fragOffset) { // beyond the capture: zeros
        Arrays.fill(d.data, from + Math.max(0, srcTo - srcFrom), to, (byte) 0);
      }
    }
    if (overlap) {
      overlappingFragments++;
    }
    if (d.totalLen < 0 || d.headerLen == 0 || d.coveredUnits < (d.totalLen + 7) >>> 3) {
      return HELD;
    }
    return complete(d);
  }

  private int complete(Datagram d) {
    int len = d.headerLen + d.totalLen;
    if (len > MAX_DATAGRAM) {
      // each IPv4 fragment was checked against its own IHL; a first fragment with more options than the
      // last one can still make the whole too big (RFC 791: 65535 at most, as Linux's "oversize" check)
      fragmentsInvalid++;
      remove(d);
      return INVALID;
    }
    if (out.length < len) {
      out = new byte[Math.max(len, out.length * 2)];
    }
    System.arraycopy(d.header, 0, out, 0, d.headerLen);
    System.arraycopy(d.data, 0, out, d.headerLen, d.totalLen);
    if (d.version == 4) {
      out[2] = (byte) (len >>> 8);
      out[3] = (byte) len;
      out[6] = 0;
      out[7] = 0;
    } else {
      int payload = len - 40;
      out[4] = (byte) (payload >>> 8);
      out[5] = (byte) payload;
    }
    datagramsReassembled++;
    remove(d);
    return len;
  }

  private Datagram find(int version, byte[] buf, int srcOff, int dstOff, int alen, long id, int proto, long ts) {
    for (int i = 0; i < activeCount; i++) {
      Datagram d = active[i];
      if (d.version == version && d.id == id && d.proto == proto
          && Arrays.equals(d.src, 0, alen, buf, srcOff, srcOff + alen)
          && Arrays.equals(d.dst, 0, alen, buf, dstOff, dstOff + alen)) {
        return d;
      }
    }
    if (activeCount == maxDatagrams) {
      evictOldest();
    }
    while (bytesHeld > maxBytes - MAX_DATAGRAM && activeCount > 0) {
      evictOldest();
    }
    Datagram d = active[activeCount];
    if (d == null) {
      d = new Datagram();
      active[activeCount] = d;
    }
    activeCount++;
    d.reset(version, id, proto, ts);
    System.arraycopy(buf, srcOff, d.src, 0, alen);
    System.arraycopy(buf, dstOff, d.dst, 0, alen);
    return d;
  }

  private void evictOldest() {
    evictOldestBut(null);
  }

  /** Drops the datagram with the oldest first fragment, other than {@code keep}; counted. */
  private void evictOldestBut(Datagram keep) {
    Datagram oldest = null;
    for (int i = 0; i < activeCount; i++) {
      Datagram d = active[i];
      if (d != keep && (oldest == null || d.firstTs < oldest.firstTs)) {
        oldest = d;
      }
    }
    datagramsEvicted++;
    remove(oldest);
  }

  private void expire(long now) {
    for (int i = 0; i < activeCount; ) {
      Datagram d = active[i];
      if (now - d.firstTs > timeoutNanos) {
        datagramsTimedOut++;
        remove(d);
      } else {
        i++;
      }
    }
  }

  /** Drops every datagram still waiting (end of input); counted as timed out. */
  public void flush() {
    while (activeCount > 0) {
      datagramsTimedOut++;
      remove(active[0]);
    }
  }

  private void remove(Datagram d) {
    int i = 0;
    while (active[i] != d) {
      i++;
    }
    bytesHeld -= d.maxEnd;
    activeCount--;
    active[i] = active[activeCount];
    active[activeCount] = d; // keep the object (and its buffer) for reuse
  }

  private static final class Datagram {
    int version;
    long id;
    int proto;
    long firstTs;
    final byte[] src = new byte[16];
    final byte[] dst = new byte[16];
    final byte[] header = new byte[60];
    int headerLen;
    int totalLen;
    int maxEnd;
    int coveredUnits;
    final long[] units = new long[(UNITS + 63) / 64];
    byte[] data = new byte[2048];

    void reset(int version, long id, int proto, long ts) {
      this.version = version;
      this.id = id;
      this.proto = proto;
      this.firstTs = ts;
      headerLen = 0;
      totalLen = -1;
      maxEnd = 0;
      coveredUnits = 0;
      Arrays.fill(units, 0L);
    }

    void ensure(int len) {
      if (data.length < len) {
        data = Arrays.copyOf(data, Math.max(len, Math.min(MAX_DATAGRAM, data.length * 2)));
      }
    }
  }
}
