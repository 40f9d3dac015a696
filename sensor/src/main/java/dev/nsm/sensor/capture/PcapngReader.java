package dev.nsm.sensor.capture;

import dev.nsm.parsers.packet.LinkType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * pcapng files: any number of sections (each in its own byte order, each resetting the interfaces),
 * any number of interfaces per section with their own link type, snaplen, {@code if_tsresol} and
 * {@code if_tsoffset}. Open one with {@link CaptureFiles#open}.
 *
 * <pre>
 * Every block (lengths in the section's byte order; total length counts the whole block):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Block Type                           | 0
 * |                      Block Total Length                       | 4
 * /                          Block Body ...                       / 8
 * |                      Block Total Length (again)               | total-4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Section Header Block (0x0A0D0D0A, the same in both orders):
 *   8: byte-order magic 0x1A2B3C4D | 12: major 1 | 14: minor | 16: section length (64, -1 = unknown)
 *   24: options
 * Interface Description Block (1):
 *   8: LinkType (16) | 10: reserved | 12: SnapLen (0 = none) | 16: options:
 *       {code (16), length (16), value padded to 32 bits}..., code 0 ends
 *       if_tsresol (9, 1 byte): bit 7 clear: 10^-v s, set: 2^-(v &amp; 0x7f) s; default 10^-6
 *       if_tsoffset (14, 8 bytes): seconds added to every timestamp
 * Enhanced Packet Block (6):
 *   8: interface id | 12: timestamp high | 16: timestamp low | 20: captured len | 24: original len
 *   28: packet data padded to 32 bits | options
 * Simple Packet Block (3):
 *   8: original len | 12: packet data (captured len = min(original len, block room, snaplen of
 *   interface 0))
 * Packet Block (2, obsolete):
 *   8: interface id (16) | 10: drops count (16) | 12: ts high | 16: ts low | 20: captured len |
 *   24: original len | 28: packet data | options
 * </pre>
 *
 * Choices:
 * <ul>
 *   <li>Every other block type (name resolution, interface statistics, decryption secrets, custom,
 *       unknown) is skipped by its length, counted in {@link #skippedBlocks()}.
 *   <li>A Simple Packet Block has no timestamp: it gets the previous packet's (0 before any), so
 *       packet time never jumps back to 1970 in the middle of a capture.
 *   <li>An interface whose link type is not supported is an error only when one of its packets is
 *       reached (a capture may declare interfaces it has no packets for).
 *   <li>A packet whose captured length exceeds its interface's snaplen is handed over cut to the
 *       snaplen, as libpcap does ({@link #cutToSnaplen()}). A snaplen over 256 MiB is read as "no
 *       snaplen": the block lengths frame every packet, so it cannot mislead the reader.
 *   <li>{@code if_fcslen} is not read: an FCS, when present, stays in the packet bytes.
 * </ul>
 */
public final class PcapngReader implements PacketSource {
  static final int SHB = 0x0A0D0D0A;
  static final int IDB = 1;
  static final int PB = 2;
  static final int SPB = 3;
  static final int EPB = 6;
  static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

  private static final int BLOCK_TYPE_OFFSET = 0;
  private static final int BLOCK_LENGTH_OFFSET = 4;
  private static final int BLOCK_HEADER_LEN = 8;
  /** Type, length and trailing length: the smallest block there is. */
  private static final int MIN_BLOCK_LEN = 12;
  /** Limit on a block: the largest packet plus room for its options. */
  static final long MAX_BLOCK_LEN = CaptureFiles.MAX_RECORD + (1 << 20);

  private static final int SHB_BOM_OFFSET = 8;
  private static final int SHB_MAJOR_OFFSET = 12;
  private static final int SHB_MINOR_OFFSET = 14;
  private static final int SHB_MIN_LEN = 28;

  private static final int IDB_LINKTYPE_OFFSET = 8;
  private static final int IDB_SNAPLEN_OFFSET = 12;
  private static final int IDB_OPTIONS_OFFSET = 16;
  private static final int IDB_MIN_LEN = 20;
  private static final int OPT_ENDOFOPT = 0;
  private static final int OPT_IF_TSRESOL = 9;
  private static final int OPT_IF_TSOFFSET = 14;
  private static final int MAX_INTERFACES = 1 << 16;

  private static final int EPB_INTERFACE_OFFSET = 8;
  private static final int PB_INTERFACE_OFFSET = 8;
  private static final int PKT_TS_HIGH_OFFSET = 12;
  private static final int PKT_TS_LOW_OFFSET = 16;
  private static final int PKT_CAPLEN_OFFSET = 20;
  private static final int PKT_LEN_OFFSET = 24;
  private static final int PKT_DATA_OFFSET = 28;
  private static final int EPB_MIN_LEN = 32;

  private static final int SPB_LEN_OFFSET = 8;
  private static final int SPB_DATA_OFFSET = 12;
  private static final int SPB_MIN_LEN = 16;

  /** Timestamp units: ns = raw * factor; ns = raw / factor (unsigned); ns from a binary fraction. */
  private static final int TS_MUL = 0;
  private static final int TS_DIV = 1;
  private static final int TS_BIN = 2;
  private static final long NANOS = 1_000_000_000L;

  private final ByteInput in;
  /** The current section is little-endian: header fields are byte-swapped on reading. */
  private boolean swapped;

  // interfaces of the current section, by id (parallel arrays: no object per interface)
  private int ifCount;
  private int[] ifLinkType = new int[4];
  private boolean[] ifSupported = new boolean[4];
  private long[] ifSnaplen = new long[4];
  private int[] ifTsKind = new int[4];
  private long[] ifTsFactor = new long[4];
  private int[] ifTsBits = new int[4];
  private long[] ifTsOffsetNanos = new long[4];

  private long packets;
  private long lastTs;
  private long sections;
  private long skippedBlocks;
  private long simplePackets;
  private long cutToSnaplen;

  /** Reads the first Section Header Block; the input is at its start (the magic already recognised). */
  PcapngReader(ByteInput in) throws IOException {
    this.in = in;
    readSectionHeader();
  }

  @Override
  public boolean next(PacketHandler handler) throws IOException {
    for (;;) {
      int got = in.require(BLOCK_HEADER_LEN);
      if (got < BLOCK_HEADER_LEN) {
        if (got == 0) {
          return false;
        }
        throw truncated(-1, BLOCK_HEADER_LEN, got);
      }
      ByteBuffer b = in.buffer();
      int o = in.offset();
      int type = b.getInt(o + BLOCK_TYPE_OFFSET);
      if (type == SHB) {
        readSectionHeader();
        continue;
      }
      if (swapped) {
        type = Integer.reverseBytes(type);
      }
      int total = blockLength(b, o, type);
      got = in.require(total);
      if (got < total) {
        throw truncated(type, total, got);
      }
      b = in.buffer();
      o = in.offset();
      checkTrailer(b, o, type, total);
      switch (type) {
        case EPB:
          enhancedPacket(handler, b, o, total);
          return true;
        case SPB:
          simplePacket(handler, b, o, total);
          return true;
        case PB:
          obsoletePacket(handler, b, o, total);
          return true;
        case IDB:
          interfaceDescription(b, o, total);
          in.advance(total);
          break;
        default:
          skippedBlocks++;
          in.advance(total);
          break;
      }
    }
  }

  // ---- packets

  private void enhancedPacket(PacketHandler handler, ByteBuffer b, int o, int total)
      throws IOException {
    long iface = u32(b, o + EPB_INTERFACE_OFFSET);
    packet(handler, b, o, total, iface, "enhanced packet block");
  }

  private void obsoletePacket(PacketHandler handler, ByteBuffer b, int o, int total)
      throws IOException {
    int iface = u16(b, o + PB_INTERFACE_OFFSET);
    packet(handler, b, o, total, iface, "packet block");
  }

  /** EPB and the obsolete PB: the same layout from the timestamp on. */
  private void packet(PacketHandler handler, ByteBuffer b, int o, int total, long iface, String what)
      throws IOException {
    int id = checkInterface(iface, what);
    long caplen = u32(b, o + PKT_CAPLEN_OFFSET);
    long len = u32(b, o + PKT_LEN_OFFSET);
    if (caplen > total - EPB_MIN_LEN) {
      throw in.error(
          what + " at byte offset " + in.captureOffset() + " after " + packets
              + " packets: captured length " + caplen + " overruns the block (total length "
              + total + ")");
    }
    long raw = (u32(b, o + PKT_TS_HIGH_OFFSET) << 32) | u32(b, o + PKT_TS_LOW_OFFSET);
    long ts = toNanos(id, raw);
    deliver(handler, b, o + PKT_DATA_OFFSET, total, id, ts, caplen, len);
  }

  private void simplePacket(PacketHandler handler, ByteBuffer b, int o, int total)
      throws IOException {
    if (total < SPB_MIN_LEN) {
      throw tooShort(SPB, total, SPB_MIN_LEN);
    }
    int id = checkInterface(0, "simple packet block");
    long len = u32(b, o + SPB_LEN_OFFSET);
    long caplen = Math.min(len, total - SPB_MIN_LEN);
    simplePackets++;
    deliver(handler, b, o + SPB_DATA_OFFSET, total, id, lastTs, caplen, len);
  }

  private void deliver(PacketHandler handler, ByteBuffer b, int data, int total, int id, long ts,
      long caplen, long len) {
    long snap = ifSnaplen[id];
    if (snap != 0 && caplen > snap) {
      caplen = snap;
      cutToSnaplen++;
    }
    in.advance(total);
    packets++;
    lastTs = ts;
    handler.onPacket(ts, ifLinkType[id], b, data, (int) caplen,
        len > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) len);
  }

  /** The interface id as an index, once it is known to exist and to be readable. */
  private int checkInterface(long iface, String what) throws CaptureFormatException {
    if (iface >= ifCount) {
      throw in.error(
          what + " at byte offset " + in.captureOffset() + " after " + packets
              + " packets refers to interface " + iface + ", but the section declares "
              + (ifCount == 0 ? "none" : "only " + ifCount));
    }
    int id = (int) iface;
    if (!ifSupported[id]) {
      throw in.error(
          what + " at byte offset " + in.captureOffset() + " after " + packets
              + " packets is on interface " + id + " with link type " + ifLinkType[id] + " ("
              + LinkType.name(ifLinkType[id]) + "), which is not supported");
    }
    return id;
  }

  private long toNanos(int id, long raw) {
    long ns;
    switch (ifTsKind[id]) {
      case TS_MUL:
        ns = raw * ifTsFactor[id];
        break;
      case TS_DIV:
        ns = Long.divideUnsigned(raw, ifTsFactor[id]);
        break;
      default: {
        // raw / 2^k seconds: whole seconds, then the fraction, kept to 30 bits so *1e9 fits
        int k = ifTsBits[id];
        long sec = raw >>> k;
        long frac = raw & ((1L << k) - 1);
        int bits = k;
        if (k > 30) {
          frac >>>= k - 30;
          bits = 30;
        }
        ns = sec * NANOS + ((frac * NANOS) >>> bits);
        break;
      }
    }
    return ns + ifTsOffsetNanos[id];
  }

  // ---- structure

  private void readSectionHeader() throws IOException {
    long at = in.captureOffset();
    int got = in.require(SHB_MIN_LEN);
    if (got < SHB_MIN_LEN) {
      throw truncated(SHB, SHB_MIN_LEN, got);
    }
    ByteBuffer b = in.buffer();
    int o = in.offset();
    int bom = b.getInt(o + SHB_BOM_OFFSET);
    if (bom == BYTE_ORDER_MAGIC) {
      swapped = false;
    } else if (bom == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
      swapped = true;
    } else {
      throw in.error(
          "section header block at byte offset " + at + " has a bad byte-order magic "
              + String.format("0x%08x", bom) + " (damaged, or not pcapng)");
    }
    int total = blockLength(b, o, SHB);
    if (total < SHB_MIN_LEN) {
      throw tooShort(SHB, total, SHB_MIN_LEN);
    }
    got = in.require(total);
    if (got < total) {
      throw truncated(SHB, total, got);
    }
    b = in.buffer();
    o = in.offset();
    checkTrailer(b, o, SHB, total);
    int major = u16(b, o + SHB_MAJOR_OFFSET);
    int minor = u16(b, o + SHB_MINOR_OFFSET);
    if (major != 1) {
      throw in.error(
          "section header block at byte offset " + at + ": unsupported pcapng version " + major
              + "." + minor);
    }
    ifCount = 0;
    sections++;
    in.advance(total);
  }

  private void interfaceDescription(ByteBuffer b, int o, int total) throws IOException {
    if (total < IDB_MIN_LEN) {
      throw tooShort(IDB, total, IDB_MIN_LEN);
    }
    if (ifCount == MAX_INTERFACES) {
      throw in.error("more than " + MAX_INTERFACES + " interfaces in one section");
    }
    int linkType = u16(b, o + IDB_LINKTYPE_OFFSET);
    long snaplen = u32(b, o + IDB_SNAPLEN_OFFSET);
    int tsresol = 6;
    long tsoffset = 0;
    int p = o + IDB_OPTIONS_OFFSET;
    int end = o + total - 4;
    while (p + 4 <= end) {
      int code = u16(b, p);
      int len = u16(b, p + 2);
      if (code == OPT_ENDOFOPT) {
        break;
      }
      if (p + 4 + len > end) {
        throw in.error(
            "interface description block at byte offset " + in.captureOffset() + ": option "
                + code + " of length " + len + " overruns the block");
      }
      if (code == OPT_IF_TSRESOL && len >= 1) {
        tsresol = b.get(p + 4) & 0xFF;
      } else if (code == OPT_IF_TSOFFSET && len >= 8) {
        tsoffset = (u32(b, swapped ? p + 8 : p + 4) << 32) | u32(b, swapped ? p + 4 : p + 8);
      }
      p += 4 + ((len + 3) & ~3);
    }

    int id = ifCount;
    if (id == ifLinkType.length) {
      grow();
    }
    ifLinkType[id] = linkType;
    ifSupported[id] = LinkType.isSupported(linkType);
    ifSnaplen[id] = snaplen > CaptureFiles.MAX_RECORD ? 0 : snaplen;
    if ((tsresol & 0x80) == 0) {
      if (tsresol <= 9) {
        ifTsKind[id] = TS_MUL;
        ifTsFactor[id] = pow10(9 - tsresol);
      } else if (tsresol <= 18) {
        ifTsKind[id] = TS_DIV;
        ifTsFactor[id] = pow10(tsresol - 9);
      } else {
        throw in.error(
            "interface " + id + " at byte offset " + in.captureOffset() + ": if_tsresol 10^-"
                + tsresol + " is not supported (at most 10^-18)");
      }
    } else {
      int k = tsresol & 0x7F;
      if (k > 63) {
        throw in.error(
            "interface " + id + " at byte offset " + in.captureOffset() + ": if_tsresol 2^-" + k
                + " is not supported (at most 2^-63)");
      }
      ifTsKind[id] = TS_BIN;
      ifTsBits[id] = k;
    }
    ifTsOffsetNanos[id] = tsoffset * NANOS;
    ifCount++;
  }

  private void grow() {
    int n = ifLinkType.length * 2;
    ifLinkType = Arrays.copyOf(ifLinkType, n);
    ifSupported = Arrays.copyOf(ifSupported, n);
    ifSnaplen = Arrays.copyOf(ifSnaplen, n);
    ifTsKind = Arrays.copyOf(ifTsKind, n);
    ifTsFactor = Arrays.copyOf(ifTsFactor, n);
    ifTsBits = Arrays.copyOf(ifTsBits, n);
    ifTsOffsetNanos = Arrays.copyOf(ifTsOffsetNanos, n);
  }

  private static long pow10(int e) {
    long v = 1;
    for (int i = 0; i < e; i++) {
      v *= 10;
    }
    return v;
  }

  /** The block's total length, checked: a multiple of 4, at least 12, at most the limit. */
  private int blockLength(ByteBuffer b, int o, int type) throws CaptureFormatException {
    long total = u32(b, o + BLOCK_LENGTH_OFFSET);
    if (total < MIN_BLOCK_LEN || (total & 3) != 0 || total > MAX_BLOCK_LEN) {
      String why =
          total < MIN_BLOCK_LEN ? "is less than " + MIN_BLOCK_LEN
              : (total & 3) != 0 ? "is not a multiple of 4"
              : "exceeds the " + (MAX_BLOCK_LEN >> 20) + " MiB limit";
      throw in.error(
          "block at byte offset " + in.captureOffset() + " (type " + hex(type) + ") after "
              + packets + " packets: total length " + total + " " + why);
    }
    if ((type == EPB || type == PB) && total < EPB_MIN_LEN) {
      throw tooShort(type, (int) total, EPB_MIN_LEN);
    }
    return (int) total;
  }

  private void checkTrailer(ByteBuffer b, int o, int type, int total) throws CaptureFormatException {
    long trailing = u32(b, o + total - 4);
    if (trailing != total) {
      throw in.error(
          "block at byte offset " + in.captureOffset() + " (type " + hex(type) + ") after "
              + packets + " packets: trailing length " + trailing + " differs from leading length "
              + total);
    }
  }

  private CaptureFormatException tooShort(int type, int total, int min) {
    return in.error(
        "block at byte offset " + in.captureOffset() + " (type " + hex(type) + ") after " + packets
            + " packets: total length " + total + " is less than the " + min + " its type needs");
  }

  /** @param type the block type, or -1 when even that was cut off */
  private CaptureFormatException truncated(int type, int need, int got) {
    return in.error(
        "truncated record at byte offset " + in.captureOffset() + " after " + packets
            + " packets (" + (type == -1 ? "the block header" : "block type " + hex(type))
            + " needs " + need + " bytes, " + got + " are left)");
  }

  private static String hex(int type) {
    return String.format("0x%08X", type);
  }

  private long u32(ByteBuffer b, int at) {
    int v = b.getInt(at);
    return (swapped ? Integer.reverseBytes(v) : v) & 0xFFFF_FFFFL;
  }

  private int u16(ByteBuffer b, int at) {
    short v = b.getShort(at);
    return (swapped ? Short.reverseBytes(v) : v) & 0xFFFF;
  }

  // ---- counters and state

  /** Packets handed over so far. */
  public long packets() {
    return packets;
  }

  /** Section Header Blocks read so far. */
  public long sections() {
    return sections;
  }

  /** Interfaces declared in the current section. */
  public int interfaces() {
    return ifCount;
  }

  /** Link type of interface {@code id} of the current section. */
  public int linkType(int id) {
    if (id < 0 || id >= ifCount) {
      throw new IndexOutOfBoundsException("interface " + id + " of " + ifCount);
    }
    return ifLinkType[id];
  }

  /** Blocks skipped by their length: name resolution, statistics, secrets, custom, unknown. */
  public long skippedBlocks() {
    return skippedBlocks;
  }

  /** Simple Packet Blocks read (timestamp: the previous packet's). */
  public long simplePackets() {
    return simplePackets;
  }

  /** Packets whose captured length exceeded their interface's snaplen, handed over cut to it. */
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
    return "pcapng " + (swapped ? "little-endian" : "big-endian") + ", " + ifCount + " interfaces";
  }
}
