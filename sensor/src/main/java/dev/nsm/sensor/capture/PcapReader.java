package dev.nsm.sensor.capture;

import dev.nsm.parsers.packet.LinkType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Classic libpcap files: both byte orders, micro- and nanosecond timestamps, and the "modified"
 * (Kuznetzov) variant with its longer record header. Open one with {@link CaptureFiles#open}.
 *
 * <pre>
 * File header (24 bytes, in the writer's byte order; the magic tells which and the time unit):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        magic: a1b2c3d4 (us)  a1b23c4d (ns)  a1b2cd34 (modified)| 0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        version major (2)      |        version minor (4)      | 4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 thiszone (ignored, as libpcap does)           | 8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 sigfigs (ignored)                             | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 snaplen                                       | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |FCS len|R|P|  reserved (0)     |          LINKTYPE_*           | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   P (0x04000000): FCS len (bits 28-31) counts the 16-bit words of FCS at the end of each packet
 *
 * Record header (16 bytes; 24 in the modified format: + ifindex, protocol, pkt_type, pad):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 timestamp seconds (unsigned)                  | 0
 * |                 timestamp micro- or nanoseconds               | 4
 * |                 captured length (caplen)                      | 8
 * |                 original length (on the wire)                 | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 caplen bytes of packet data ...               | 16
 * </pre>
 *
 * Choices, following libpcap where it has one:
 * <ul>
 *   <li>snaplen 0 is accepted (libpcap does, and some writers leave it 0): it means "no limit"
 *       beyond the 256 MiB sanity limit. A snaplen over 256 MiB is refused as a damaged header.
 *   <li>A record whose caplen exceeds the snaplen but not libpcap's 262144 is handed over cut to the
 *       snaplen, as libpcap does (counted in {@link #cutToSnaplen()}); one larger than both is an
 *       error (a damaged record header, most likely).
 *   <li>Versions 2.0 to 2.4; before 2.3 caplen and len were in the other order (swapped back; 2.3 is
 *       swapped when caplen &gt; len), as libpcap does.
 *   <li>The FCS flag is only noted ({@link #fcsBytes()}): the FCS stays in the packet bytes.
 * </ul>
 */
public final class PcapReader implements PacketSource {
  static final int MAGIC_MICROS = 0xa1b2c3d4;
  static final int MAGIC_NANOS = 0xa1b23c4d;
  static final int MAGIC_MODIFIED = 0xa1b2cd34;

  static final int FILE_HEADER_LEN = 24;
  private static final int VERSION_MAJOR_OFFSET = 4;
  private static final int VERSION_MINOR_OFFSET = 6;
  private static final int SNAPLEN_OFFSET = 16;
  private static final int LINKTYPE_OFFSET = 20;

  private static final int RECORD_HEADER_LEN = 16;
  private static final int MODIFIED_RECORD_HEADER_LEN = 24;
  private static final int TS_SEC_OFFSET = 0;
  private static final int TS_FRAC_OFFSET = 4;
  private static final int CAPLEN_OFFSET = 8;
  private static final int LEN_OFFSET = 12;

  private static final int LT_LINKTYPE_MASK = 0x0000FFFF;
  private static final int LT_FCS_LENGTH_PRESENT = 0x04000000;

  private static final int NOT_SWAPPED = 0;
  private static final int MAYBE_SWAPPED = 1;
  private static final int SWAPPED = 2;

  private final ByteInput in;
  private final boolean swapped;
  private final boolean nanos;
  private final int recordHeaderLen;
  private final int linkType;
  private final long snaplen;
  private final int fcsBytes;
  private final int lengthsSwapped;
  private final int versionMinor;
  /** Largest caplen accepted; above {@link #snaplen} (when set) the packet is cut to it. */
  private final long capLimit;

  private long packets;
  private long cutToSnaplen;

  /** Reads and checks the file header; the input is at its start (the magic already recognised). */
  PcapReader(ByteInput in) throws IOException {
    this.in = in;
    int got = in.require(FILE_HEADER_LEN);
    if (got < FILE_HEADER_LEN) {
      throw in.error("too short for a pcap file header (" + got + " of " + FILE_HEADER_LEN + " bytes)");
    }
    ByteBuffer b = in.buffer();
    int o = in.offset();
    b.order(ByteOrder.BIG_ENDIAN); // "swapped" below is relative to big-endian reads
    int magic = b.getInt(o);
    swapped =
        magic == Integer.reverseBytes(MAGIC_MICROS)
            || magic == Integer.reverseBytes(MAGIC_NANOS)
            || magic == Integer.reverseBytes(MAGIC_MODIFIED);
    if (swapped) {
      magic = Integer.reverseBytes(magic);
    }
    if (magic != MAGIC_MICROS && magic != MAGIC_NANOS && magic != MAGIC_MODIFIED) {
      throw new IllegalArgumentException("not a pcap magic: " + Integer.toHexString(magic));
    }
    fileOrder = swapped ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    nanos = magic == MAGIC_NANOS;
    recordHeaderLen = magic == MAGIC_MODIFIED ? MODIFIED_RECORD_HEADER_LEN : RECORD_HEADER_LEN;

    int major = u16(b, o + VERSION_MAJOR_OFFSET);
    versionMinor = u16(b, o + VERSION_MINOR_OFFSET);
    if (major != 2 || versionMinor > 4) {
      throw in.error("unsupported pcap version " + major + "." + versionMinor + " (2.0 to 2.4 are read)");
    }
    lengthsSwapped = versionMinor < 3 ? SWAPPED : versionMinor == 3 ? MAYBE_SWAPPED : NOT_SWAPPED;

    snaplen = u32(b, o + SNAPLEN_OFFSET);
    if (snaplen > CaptureFiles.MAX_RECORD) {
      throw in.error(
          "snaplen " + snaplen + " in the file header exceeds the 256 MiB limit (damaged header?)");
    }
    capLimit = snaplen == 0 ? CaptureFiles.MAX_RECORD : Math.max(snaplen, CaptureFiles.LIBPCAP_MAX_SNAPLEN);

    int lt = (int) u32(b, o + LINKTYPE_OFFSET);
    linkType = lt & LT_LINKTYPE_MASK;
    fcsBytes = (lt & LT_FCS_LENGTH_PRESENT) != 0 ? 2 * (lt >>> 28) : 0;
    if (!LinkType.isSupported(linkType)) {
      throw in.error(
          "link type " + linkType + " (" + LinkType.name(linkType) + ") is not supported");
    }
    in.advance(FILE_HEADER_LEN);
  }

  @Override
  public boolean next(PacketHandler handler) throws IOException {
    final int hdrLen = recordHeaderLen;
    int got = in.require(hdrLen);
    if (got < hdrLen) {
      if (got == 0) {
        return false;
      }
      throw truncated(hdrLen, got);
    }
    ByteBuffer b = fileOrdered(in.buffer());
    int o = in.offset();
    long caplen = b.getInt(o + CAPLEN_OFFSET) & 0xFFFF_FFFFL;
    long len = b.getInt(o + LEN_OFFSET) & 0xFFFF_FFFFL;
    if (lengthsSwapped != NOT_SWAPPED && (lengthsSwapped == SWAPPED || caplen > len)) {
      long t = caplen;
      caplen = len;
      len = t;
    }
    if (caplen > capLimit) {
      throw in.error(
          "record at byte offset " + in.captureOffset() + " after " + packets + " packets: caplen "
              + caplen + " exceeds " + (snaplen == 0 ? "the 256 MiB limit" : "the snaplen " + snaplen)
              + " (damaged record header?)");
    }
    int need = hdrLen + (int) caplen;
    got = in.require(need);
    if (got < need) {
      throw truncated(need, got);
    }
    b = fileOrdered(in.buffer());
    o = in.offset();
    long sec = b.getInt(o + TS_SEC_OFFSET) & 0xFFFF_FFFFL;
    long frac = b.getInt(o + TS_FRAC_OFFSET) & 0xFFFF_FFFFL;
    long ts = sec * 1_000_000_000L + (nanos ? frac : frac * 1000L);
    int deliver = (int) caplen;
    if (snaplen != 0 && caplen > snaplen) {
      deliver = (int) snaplen;
      cutToSnaplen++;
    }
    in.advance(need);
    packets++;
    handler.onPacket(ts, linkType, b, o + hdrLen, deliver, len > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) len);
    return true;
  }

  private CaptureFormatException truncated(int need, int got) {
    return in.error(
        "truncated record at byte offset " + in.captureOffset() + " after " + packets
            + " packets (the record needs " + need + " bytes, " + got + " are left)");
  }

  /**
   * The input's buffer read in the file's byte order: the record header's fields then cost one
   * plain load each (a big-endian view of a little-endian file swaps every read twice, which showed
   * in replay profiles with C1). Only this reader reads the buffer with multi-byte getters; the
   * packet bytes are copied out in bulk, where the order does not matter.
   */
  private ByteBuffer fileOrdered(ByteBuffer b) {
    if (b.order() != fileOrder) {
      b.order(fileOrder); // a new buffer after a remap or a refill starts big-endian
    }
    return b;
  }

  private long u32(ByteBuffer b, int at) {
    int v = b.getInt(at);
    return (swapped ? Integer.reverseBytes(v) : v) & 0xFFFF_FFFFL;
  }

  /** The file's byte order (from the magic). */
  private ByteOrder fileOrder = ByteOrder.BIG_ENDIAN;

  private int u16(ByteBuffer b, int at) {
    short v = b.getShort(at);
    return (swapped ? Short.reverseBytes(v) : v) & 0xFFFF;
  }

  /** LINKTYPE_* of every packet (the low 16 bits of the header's link type field). */
  public int linkType() {
    return linkType;
  }

  /** The file's snaplen; 0 when the header leaves it unset. */
  public long snaplen() {
    return snaplen;
  }

  /** Bytes of FCS at the end of each packet when the header says so (P flag), else 0. Not stripped. */
  public int fcsBytes() {
    return fcsBytes;
  }

  /** True for nanosecond timestamps (magic a1b23c4d). */
  public boolean nanosecondTimestamps() {
    return nanos;
  }

  /** True when the file is little-endian (its header fields are byte-swapped on reading). */
  public boolean littleEndian() {
    return swapped;
  }

  /** Packets handed over so far. */
  public long packets() {
    return packets;
  }

  /** Records whose caplen exceeded the snaplen, handed over cut to the snaplen (as libpcap does). */
  public long cutToSnaplen() {
    return cutToSnaplen;
  }

  @Override
  public long position() {
    return in.progress();
  }

  @Override
  public long size() {
    return in.size();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public String toString() {
    return "pcap 2." + versionMinor + (swapped ? " little-endian" : " big-endian")
        + (nanos ? " ns" : " us") + (recordHeaderLen == MODIFIED_RECORD_HEADER_LEN ? " modified" : "")
        + " linktype " + LinkType.name(linkType) + " snaplen " + snaplen;
  }
}
