package dev.nsm.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The packets of a small classic pcap file, loaded once into one {@code byte[]} each, so that a
 * benchmark measures decoding and flow tracking, not file reading. Not the sensor's reader (that
 * one is memory-mapped and streams); this is a few lines for the benchmark's setup only.
 *
 * <pre>
 *  global header (24 bytes)                      record header (16 bytes), then incl_len bytes
 *  0      4      6      8          16     20     0         4          8          12
 *  +------+------+------+----------+------+----+ +---------+----------+----------+----------+
 *  |magic |major |minor | zone,sig |snap  |link| | ts_sec  | ts_usec  | incl_len | orig_len |
 *  +------+------+------+----------+------+----+ |         | (or nsec)|          |          |
 *  magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds; read in either byte order
 * </pre>
 */
public final class PcapCorpus {
  public final int linkType;
  public final byte[][] packets;
  public final long[] tsNanos;
  public final int[] wireLen;
  /** Bytes of all packets (captured). */
  public final long totalBytes;
  /** Time from the first packet to the last, nanoseconds. */
  public final long spanNanos;

  private PcapCorpus(int linkType, List<byte[]> pkts, List<long[]> meta) {
    this.linkType = linkType;
    int n = pkts.size();
    this.packets = pkts.toArray(new byte[0][]);
    this.tsNanos = new long[n];
    this.wireLen = new int[n];
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      tsNanos[i] = meta.get(i)[0];
      wireLen[i] = (int) meta.get(i)[1];
      bytes += packets[i].length;
    }
    this.totalBytes = bytes;
    this.spanNanos = n == 0 ? 0 : Math.max(0, tsNanos[n - 1] - tsNanos[0]);
  }

  /** Loads at most {@code maxPackets} packets of a classic pcap file. */
  public static PcapCorpus load(Path file, int maxPackets) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    if (b.remaining() < 24) {
      throw new IOException(file + ": not a pcap file (shorter than its 24-byte header)");
    }
    int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
    boolean nanos;
    switch (magic) {
      case 0xa1b2c3d4: nanos = false; break;
      case 0xa1b23c4d: nanos = true; break;
      case 0xd4c3b2a1: nanos = false; b.order(ByteOrder.LITTLE_ENDIAN); break;
      case 0x4d3cb2a1: nanos = true; b.order(ByteOrder.LITTLE_ENDIAN); break;
      default:
        throw new IOException(file + ": not a classic pcap file (magic " + Integer.toHexString(magic)
            + "; pcapng? convert with editcap -F pcap)");
    }
    int linkType = b.getInt(20) & 0x0fff_ffff;
    List<byte[]> pkts = new ArrayList<>();
    List<long[]> meta = new ArrayList<>();
    int pos = 24;
    while (pos + 16 <= b.limit() && pkts.size() < maxPackets) {
      long sec = b.getInt(pos) & 0xffff_ffffL;
      long frac = b.getInt(pos + 4) & 0xffff_ffffL;
      int incl = b.getInt(pos + 8);
      int orig = b.getInt(pos + 12);
      if (incl < 0 || pos + 16 + incl > b.limit()) {
        break; // truncated last record: keep what came before
      }
      byte[] p = new byte[incl];
      System.arraycopy(b.array(), pos + 16, p, 0, incl);
      pkts.add(p);
      meta.add(new long[] {sec * 1_000_000_000L + (nanos ? frac : frac * 1_000L), orig});
      pos += 16 + incl;
    }
    if (pkts.isEmpty()) {
      throw new IOException(file + ": no packets");
    }
    return new PcapCorpus(linkType, pkts, meta);
  }
}
