package dev.nsm.sensor.capture;

import static dev.nsm.sensor.capture.CaptureBytes.payload;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nsm.parsers.packet.LinkType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Captures written byte by byte ({@link CaptureBytes}), each exercising one case of the readers. */
class CaptureReadersTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L;

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static ByteOrder order(String o) {
    return o.equals("big") ? BIG_ENDIAN : LITTLE_ENDIAN;
  }

  /** Reads the file every way there is: default windows, tiny windows, stream, gzip; all must agree. */
  private List<Recorded> readEveryWay(Path p) throws IOException {
    List<Recorded> mapped = Recorded.readAll(CaptureFiles.open(p.toString()));
    assertEquals(mapped, Recorded.readAll(CaptureFiles.open(p.toString(), 64)), "64-byte windows");
    try (InputStream in = Files.newInputStream(p)) {
      assertEquals(mapped, Recorded.readAll(CaptureFiles.openStream("s", in, -1)), "stream");
    }
    Path gz = dir.resolve(p.getFileName() + ".gz");
    Files.write(gz, gzip(Files.readAllBytes(p)));
    assertEquals(mapped, Recorded.readAll(CaptureFiles.open(gz.toString())), "gzip");
    return mapped;
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  /** Asserts a one-line CaptureFormatException naming the file and containing {@code what}. */
  private static CaptureFormatException assertFormatError(String name, String what,
      org.junit.jupiter.api.function.Executable ex) {
    CaptureFormatException e = assertThrows(CaptureFormatException.class, ex);
    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }

  /** Reads until the exception; returns the packets handed over before it. */
  private static List<Recorded> readUntilError(PacketSource s, String name, String what)
      throws IOException {
    Recorded.Recorder r = new Recorded.Recorder();
    try (s) {
      assertFormatError(name, what, () -> {
        while (s.next(r)) {
          // until the damage
        }
      });
    }
    return r.packets;
  }

  // ---- classic pcap

  @ParameterizedTest
  @ValueSource(strings = {"big", "little"})
  void pcapMicrosecondsInEitherByteOrder(String o) throws IOException {
    byte[] a = payload(60, 1);
    byte[] b = payload(1514, 7);
    Path p = write("us.pcap", new CaptureBytes(order(o))
        .pcapHeader(0xa1b2c3d4, 65535, LinkType.ETHERNET)
        .pcapRecord(T0, 123456, a, 60)
        .pcapRecord(T0 + 1, 999999, b, 1600)
        .toByteArray());
    List<Recorded> got = readEveryWay(p);
    assertEquals(2, got.size());
    assertEquals(T0 * S + 123_456_000L, got.get(0).tsNanos);
    assertEquals((T0 + 1) * S + 999_999_000L, got.get(1).tsNanos);
    assertEquals(LinkType.ETHERNET, got.get(0).linkType);
    assertArrayEquals(a, got.get(0).data);
    assertArrayEquals(b, got.get(1).data);
    assertEquals(1514, got.get(1).capLen);
    assertEquals(1600, got.get(1).wireLen);
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      PcapReader r = (PcapReader) s;
      assertEquals(o.equals("little"), r.littleEndian());
      assertFalse(r.nanosecondTimestamps());
      assertEquals(65535, r.snaplen());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"big", "little"})
  void pcapNanoseconds(String o) throws IOException {
    Path p = write("ns.pcap", new CaptureBytes(order(o))
        .pcapHeader(0xa1b23c4d, 262144, LinkType.RAW)
        .pcapRecord(T0, 123_456_789, payload(20, 0x45), 20)
        .pcapRecord(4_000_000_000L, 1, payload(40, 0x60), 40) // seconds field unsigned: past 2038
        .toByteArray());
    List<Recorded> got = readEveryWay(p);
    assertEquals(T0 * S + 123_456_789L, got.get(0).tsNanos);
    assertEquals(4_000_000_000L * S + 1, got.get(1).tsNanos);
    assertEquals(LinkType.RAW, got.get(1).linkType);
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      assertTrue(((PcapReader) s).nanosecondTimestamps());
    }
  }

  @Test
  void pcapFcsBitsAreMaskedOffTheLinkType() throws IOException {
    // LT_FCS_DATALINK_EXT(2) | ETHERNET: 2 16-bit words of FCS (4 bytes) at the end of each packet
    long field = (2L << 28) | 0x04000000L | LinkType.ETHERNET;
    Path p = write("fcs.pcap", new CaptureBytes(LITTLE_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 65535, field)
        .pcapRecord(T0, 0, payload(64, 0), 64)
        .toByteArray());
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      assertEquals(LinkType.ETHERNET, ((PcapReader) s).linkType());
      assertEquals(4, ((PcapReader) s).fcsBytes());
    }
    List<Recorded> got = Recorded.readAll(CaptureFiles.open(p.toString()));
    assertEquals(LinkType.ETHERNET, got.get(0).linkType);
    assertEquals(64, got.get(0).capLen); // the FCS is not stripped
  }

  @Test
  void modifiedPcapHasLongerRecordHeaders() throws IOException {
    CaptureBytes c = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2cd34, 65535, LinkType.ETHERNET);
    for (int i = 0; i < 3; i++) {
      // ts, caplen, len, then ifindex (4), protocol (2), pkt_type (1), pad (1)
      c.u32(T0 + i).u32(5).u32(30 + i).u32(30 + i).u32(2).u16(0x0800).u8(0).u8(0)
          .bytes(payload(30 + i, i));
    }
    List<Recorded> got = readEveryWay(write("mod.pcap", c.toByteArray()));
    assertEquals(3, got.size());
    assertEquals((T0 + 2) * S + 5000, got.get(2).tsNanos);
    assertArrayEquals(payload(32, 2), got.get(2).data);
  }

  @Test
  void pcapVersion22HasCaplenAndLenTheOtherWayRound() throws IOException {
    CaptureBytes c = new CaptureBytes(LITTLE_ENDIAN)
        .u32(0xa1b2c3d4).u16(2).u16(2).u32(0).u32(0).u32(65535).u32(LinkType.ETHERNET);
    c.u32(T0).u32(0).u32(1500).u32(100).bytes(payload(100, 0)); // len, then caplen
    List<Recorded> got = readEveryWay(write("v22.pcap", c.toByteArray()));
    assertEquals(100, got.get(0).capLen);
    assertEquals(1500, got.get(0).wireLen);
  }

  @Test
  void pcapSnaplenZeroIsAcceptedAsNoLimit() throws IOException {
    Path p = write("snap0.pcap", new CaptureBytes(LITTLE_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 0, LinkType.ETHERNET)
        .pcapRecord(T0, 0, payload(70000, 3), 70000)
        .toByteArray());
    List<Recorded> got = readEveryWay(p);
    assertEquals(70000, got.get(0).capLen);
    assertArrayEquals(payload(70000, 3), got.get(0).data);
  }

  @Test
  void pcapCaplenOverSnaplenIsCutToItAsLibpcapDoes() throws IOException {
    Path p = write("over.pcap", new CaptureBytes(LITTLE_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 64, LinkType.ETHERNET)
        .pcapRecord(T0, 0, payload(100, 0), 100)
        .pcapRecord(T0, 1, payload(60, 9), 60)
        .toByteArray());
    List<Recorded> got = readEveryWay(p);
    assertEquals(2, got.size());
    assertEquals(64, got.get(0).capLen);
    assertEquals(100, got.get(0).wireLen);
    assertArrayEquals(payload(64, 0), got.get(0).data);
    assertArrayEquals(payload(60, 9), got.get(1).data); // the cut record was skipped whole
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      Recorded.Recorder r = new Recorded.Recorder();
      while (s.next(r)) {
        // all
      }
      assertEquals(1, ((PcapReader) s).cutToSnaplen());
    }
  }

  @Test
  void pcapCaplenBeyondAnySnaplenIsAnError() throws IOException {
    Path p = write("huge.pcap", new CaptureBytes(LITTLE_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 64, LinkType.ETHERNET)
        .pcapRecord(T0, 0, payload(60, 0), 60)
        .u32(T0).u32(0).u32(300_000).u32(300_000).bytes(payload(100, 0))
        .toByteArray());
    List<Recorded> before = readUntilError(CaptureFiles.open(p.toString()), p.toString(),
        "record at byte offset 100 after 1 packets: caplen 300000 exceeds the snaplen 64");
    assertEquals(1, before.size());
  }

  @Test
  void pcapErrorsInTheHeader() throws IOException {
    Path v = write("v3.pcap", new CaptureBytes(LITTLE_ENDIAN)
        .u32(0xa1b2c3d4).u16(3).u16(0).u32(0).u32(0).u32(65535).u32(1).toByteArray());
    assertFormatError(v.toString(), "unsupported pcap version 3.0",
        () -> CaptureFiles.open(v.toString()));

    Path snap = write("snap.pcap", new CaptureBytes(BIG_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 300L << 20, LinkType.ETHERNET).toByteArray());
    assertFormatError(snap.toString(), "snaplen 314572800 in the file header exceeds the 256 MiB limit",
        () -> CaptureFiles.open(snap.toString()));

    Path lt = write("wifi.pcap", new CaptureBytes(BIG_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 65535, 105).toByteArray());
    assertFormatError(lt.toString(), "link type 105 (LINKTYPE_105) is not supported",
        () -> CaptureFiles.open(lt.toString()));

    byte[] full = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 65535, 1).toByteArray();
    Path shortHeader = write("short.pcap", Arrays.copyOf(full, 10));
    assertFormatError(shortHeader.toString(), "too short for a pcap file header (10 of 24 bytes)",
        () -> CaptureFiles.open(shortHeader.toString()));

    Path empty = write("empty-capture.pcap", full);
    try (PacketSource s = CaptureFiles.open(empty.toString())) {
      assertFalse(s.next((ts, l, b, off, c, w) -> { throw new AssertionError("no packet"); }));
      assertEquals(24, s.position());
      assertEquals(24, s.size());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {16 + 100 + 7, 16 + 100 + 16 + 50})
  void pcapTruncatedLastRecord(int cut) throws IOException {
    // header 24, then records of 16 + 100 and 16 + 100, then the third is cut (in its header or data)
    byte[] full = new CaptureBytes(LITTLE_ENDIAN)
        .pcapHeader(0xa1b2c3d4, 65535, LinkType.ETHERNET)
        .pcapRecord(T0, 1, payload(100, 0), 100)
        .pcapRecord(T0, 2, payload(100, 1), 100)
        .pcapRecord(T0, 3, payload(100, 2), 100)
        .toByteArray();
    Path p = write("cut.pcap", Arrays.copyOf(full, 24 + 116 + cut));
    String what = "truncated record at byte offset 256 after 2 packets";
    for (PacketSource s : new PacketSource[] {CaptureFiles.open(p.toString()),
        CaptureFiles.open(p.toString(), 64)}) {
      List<Recorded> before = readUntilError(s, p.toString(), what);
      assertEquals(2, before.size());
      assertArrayEquals(payload(100, 1), before.get(1).data);
    }
    List<Recorded> before = readUntilError(
        CaptureFiles.openStream("pipe", new ByteArrayInputStream(Files.readAllBytes(p)), -1), "pipe",
        what);
    assertEquals(2, before.size());
  }

  // ---- pcapng

  @ParameterizedTest
  @ValueSource(strings = {"big", "little"})
  void pcapngTwoInterfacesWithTheirOwnLinkTypeAndResolution(String o) throws IOException {
    CaptureBytes c = new CaptureBytes(order(o));
    long binTs = (T0 << 20) + (1 << 19); // 2^-20 s units: T0 and a half
    c.shb()
        .idb(LinkType.ETHERNET, 65535, c.tsresolOption(9)) // nanoseconds
        .otherBlock(4, 16) // name resolution: skipped
        .idb(LinkType.RAW, 0, c.tsresolOption(0x80 | 20), c.tsoffsetOption(100))
        .epb(0, T0 * S + 123_456_789L, payload(60, 1), 60)
        .otherBlock(0x00000BAD, 8) // custom: skipped
        .epb(1, binTs, payload(40, 0x45), 1500)
        .otherBlock(5, 24) // interface statistics: skipped
        .spb(payload(62, 2), 62) // interface 0, no timestamp
        .pb(1, ((T0 + 1) << 20) + 1, payload(20, 0x45), 20); // obsolete Packet Block
    Path p = write("two.pcapng", c.toByteArray());
    List<Recorded> got = readEveryWay(p);
    assertEquals(4, got.size());

    assertEquals(T0 * S + 123_456_789L, got.get(0).tsNanos);
    assertEquals(LinkType.ETHERNET, got.get(0).linkType);
    assertArrayEquals(payload(60, 1), got.get(0).data);

    assertEquals((T0 + 100) * S + 500_000_000L, got.get(1).tsNanos); // + if_tsoffset 100 s
    assertEquals(LinkType.RAW, got.get(1).linkType);
    assertEquals(40, got.get(1).capLen);
    assertEquals(1500, got.get(1).wireLen);

    assertEquals(got.get(1).tsNanos, got.get(2).tsNanos); // SPB: the previous packet's time
    assertEquals(LinkType.ETHERNET, got.get(2).linkType);
    assertArrayEquals(payload(62, 2), got.get(2).data);

    assertEquals((T0 + 101) * S + 953, got.get(3).tsNanos); // 1/2^20 s = 953.67 ns
    assertEquals(LinkType.RAW, got.get(3).linkType);

    try (PacketSource s = CaptureFiles.open(p.toString())) {
      PcapngReader r = (PcapngReader) s;
      Recorded.Recorder rec = new Recorded.Recorder();
      while (r.next(rec)) {
        // all
      }
      assertEquals(2, r.interfaces());
      assertEquals(LinkType.RAW, r.linkType(1));
      assertEquals(3, r.skippedBlocks());
      assertEquals(1, r.simplePackets());
      assertEquals(4, r.packets());
      assertEquals(p.toFile().length(), s.position());
    }
  }

  @Test
  void pcapngDefaultResolutionIsMicroseconds() throws IOException {
    CaptureBytes c = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.LINUX_SLL2, 0)
        .epb(0, T0 * 1_000_000L + 1, payload(30, 0), 30);
    List<Recorded> got = readEveryWay(write("us.pcapng", c.toByteArray()));
    assertEquals(T0 * S + 1000, got.get(0).tsNanos);
    assertEquals(LinkType.LINUX_SLL2, got.get(0).linkType);
  }

  @Test
  void pcapngSectionsResetInterfacesAndMayChangeByteOrder() throws IOException {
    CaptureBytes c = new CaptureBytes(BIG_ENDIAN).shb().idb(LinkType.ETHERNET, 0)
        .idb(LinkType.NULL, 0).epb(1, 1, payload(20, 0), 20);
    c.order(LITTLE_ENDIAN).shb().idb(LinkType.PPP, 0).epb(0, 2, payload(20, 1), 20);
    byte[] ok = c.toByteArray();
    List<Recorded> got = readEveryWay(write("sections.pcapng", ok));
    assertEquals(2, got.size());
    assertEquals(LinkType.NULL, got.get(0).linkType);
    assertEquals(1000, got.get(0).tsNanos);
    assertEquals(LinkType.PPP, got.get(1).linkType);

    // interface 1 of the first section does not exist in the second
    c.epb(1, 3, payload(20, 2), 20);
    Path p = write("sections-bad.pcapng", c.toByteArray());
    List<Recorded> before = readUntilError(CaptureFiles.open(p.toString()), p.toString(),
        "enhanced packet block at byte offset " + ok.length
            + " after 2 packets refers to interface 1, but the section declares only 1");
    assertEquals(2, before.size());
  }

  @Test
  void pcapngUnsupportedLinkTypeFailsAtItsFirstPacket() throws IOException {
    CaptureBytes c = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.ETHERNET, 0).idb(147, 0)
        .epb(0, 1, payload(20, 0), 20);
    byte[] ok = c.toByteArray();
    // an interface with a link type not supported but no packets: fine
    assertEquals(1, readEveryWay(write("declared.pcapng", ok)).size());
    c.epb(1, 2, payload(20, 1), 20);
    Path p = write("usb.pcapng", c.toByteArray());
    List<Recorded> before = readUntilError(CaptureFiles.open(p.toString()), p.toString(),
        "enhanced packet block at byte offset " + ok.length
            + " after 1 packets is on interface 1 with link type 147 (LINKTYPE_147), which is not supported");
    assertEquals(1, before.size());
  }

  @Test
  void pcapngBlockLengthErrors() throws IOException {
    byte[] good = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.ETHERNET, 0)
        .epb(0, 1, payload(20, 0), 20).toByteArray();
    int at = good.length;

    Path odd = write("odd.pcapng", concat(good,
        new CaptureBytes(LITTLE_ENDIAN).u32(6).u32(45).bytes(new byte[40]).toByteArray()));
    assertEquals(1, readUntilError(CaptureFiles.open(odd.toString()), odd.toString(),
        "block at byte offset " + at + " (type 0x00000006) after 1 packets: total length 45 is not a multiple of 4")
        .size());

    Path small = write("small.pcapng", concat(good,
        new CaptureBytes(LITTLE_ENDIAN).u32(6).u32(8).u32(8).toByteArray()));
    readUntilError(CaptureFiles.open(small.toString()), small.toString(), "total length 8 is less than 12");

    Path shortEpb = write("shortepb.pcapng", concat(good,
        new CaptureBytes(LITTLE_ENDIAN).u32(6).u32(16).u32(0).u32(16).toByteArray()));
    readUntilError(CaptureFiles.open(shortEpb.toString()), shortEpb.toString(),
        "total length 16 is less than the 32 its type needs");

    byte[] epb = new CaptureBytes(LITTLE_ENDIAN).epb(0, 2, payload(20, 1), 20).toByteArray();
    epb[epb.length - 4] = 99; // trailing length
    Path trailer = write("trailer.pcapng", concat(good, epb));
    readUntilError(CaptureFiles.open(trailer.toString()), trailer.toString(),
        "block at byte offset " + at + " (type 0x00000006) after 1 packets: trailing length 99 differs from leading length 52");

    byte[] over = new CaptureBytes(LITTLE_ENDIAN).epb(0, 2, payload(20, 1), 20).toByteArray();
    over[20] = 21; // captured length 21 in a block with room for 20
    Path overrun = write("overrun.pcapng", concat(good, over));
    readUntilError(CaptureFiles.open(overrun.toString()), overrun.toString(),
        "captured length 21 overruns the block (total length 52)");

    Path bom = write("bom.pcapng", new CaptureBytes(LITTLE_ENDIAN)
        .u32(0x0A0D0D0A).u32(28).u32(0x12345678).u16(1).u16(0).u64(-1).u32(28).toByteArray());
    assertFormatError(bom.toString(), "section header block at byte offset 0 has a bad byte-order magic 0x78563412",
        () -> CaptureFiles.open(bom.toString()));
  }

  @Test
  void pcapngTruncatedLastBlock() throws IOException {
    byte[] full = new CaptureBytes(BIG_ENDIAN).shb().idb(LinkType.ETHERNET, 0)
        .epb(0, 1, payload(100, 0), 100).epb(0, 2, payload(100, 1), 100).toByteArray();
    int second = full.length - 132;
    Path p = write("cut.pcapng", Arrays.copyOf(full, full.length - 10));
    List<Recorded> before = readUntilError(CaptureFiles.open(p.toString()), p.toString(),
        "truncated record at byte offset " + second
            + " after 1 packets (block type 0x00000006 needs 132 bytes, 122 are left)");
    assertEquals(1, before.size());
    assertArrayEquals(payload(100, 0), before.get(0).data);
  }

  // ---- files that are not captures

  @Test
  void notACapture() throws IOException {
    Path zip = write("a.zip", new byte[] {0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0});
    assertFormatError(zip.toString(), "not a pcap or pcapng capture (starts with 50 4b 03 04)",
        () -> CaptureFiles.open(zip.toString()));
    Path tiny = write("tiny", new byte[] {1, 2, 3});
    assertFormatError(tiny.toString(), "too short to be a capture (3 bytes: 01 02 03)",
        () -> CaptureFiles.open(tiny.toString()));
    Path empty = write("empty.pcap", new byte[0]);
    assertFormatError(empty.toString(), "empty file, not a capture",
        () -> CaptureFiles.open(empty.toString()));
    assertFormatError(dir.toString(), "is a directory, not a capture file",
        () -> CaptureFiles.open(dir.toString()));
    String missing = dir.resolve("missing.pcap").toString();
    assertFormatError(missing, "no such file", () -> CaptureFiles.open(missing));
    assertFormatError("s", "empty input, not a capture",
        () -> CaptureFiles.openStream("s", new ByteArrayInputStream(new byte[0]), -1));
  }

  @Test
  void gzipFiles() throws IOException {
    byte[] pcap = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 65535, LinkType.ETHERNET)
        .pcapRecord(T0, 1, payload(100, 0), 100).pcapRecord(T0, 2, payload(200, 1), 200)
        .toByteArray();
    byte[] gz = gzip(pcap);
    Path p = write("x.pcap.gz", gz);
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      assertEquals(gz.length, s.size());
      Recorded.Recorder r = new Recorded.Recorder();
      while (s.next(r)) {
        // all
      }
      assertEquals(2, r.packets.size());
      assertArrayEquals(payload(200, 1), r.packets.get(1).data);
      assertEquals(gz.length, s.position()); // progress in compressed bytes
    }

    Path cut = write("cut.pcap.gz", Arrays.copyOf(gz, gz.length - 12));
    Recorded.Recorder r = new Recorded.Recorder();
    try (PacketSource s = CaptureFiles.open(cut.toString())) {
      CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> {
        while (s.next(r)) {
          // until the damage
        }
      });
      assertTrue(e.getMessage().startsWith(cut + ": "), e.getMessage());
      // the deflate data is all there but the trailer: either the records all came, or gzip fails
      assertTrue(e.getMessage().contains("gzip data damaged") || e.getMessage().contains("truncated"),
          e.getMessage());
    }

    Path notGzip = write("bad.gz", new byte[] {0x1f, (byte) 0x8b, 0, 0, 0});
    assertFormatError(notGzip.toString(), "gzip", () -> CaptureFiles.open(notGzip.toString()));
    Path emptyInside = write("empty.gz", gzip(new byte[0]));
    assertFormatError(emptyInside.toString(), "empty gzip content, not a capture",
        () -> CaptureFiles.open(emptyInside.toString()));
  }

  @Test
  void dashReadsStdinGzippedOrNot() throws IOException {
    byte[] pcapng = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.ETHERNET, 0)
        .epb(0, 5, payload(100, 0), 100).toByteArray();
    InputStream saved = System.in;
    try {
      for (byte[] input : new byte[][] {pcapng, gzip(pcapng)}) {
        System.setIn(new ByteArrayInputStream(input));
        try (PacketSource s = CaptureFiles.open("-")) {
          assertEquals(-1, s.size());
          List<Recorded> got = Recorded.readAll(s);
          assertEquals(1, got.size());
          assertEquals(5000, got.get(0).tsNanos);
        }
      }
      System.setIn(new ByteArrayInputStream("hello".getBytes()));
      assertFormatError(CaptureFiles.STDIN_NAME, "not a pcap or pcapng capture (starts with 68 65 6c 6c)",
          () -> CaptureFiles.open("-"));
    } finally {
      System.setIn(saved);
    }
  }

  // ---- windows, progress, allocation

  @Test
  void tinyWindowsGiveTheSamePacketsAsOneWindow() throws IOException {
    CaptureBytes pcap = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 0, LinkType.ETHERNET);
    CaptureBytes ng = new CaptureBytes(BIG_ENDIAN).shb().idb(LinkType.ETHERNET, 0);
    for (int i = 0; i < 600; i++) {
      int n = i == 300 ? 10_000 : 1 + (i * 37) % 1514; // one packet larger than any small window
      pcap.pcapRecord(T0 + i, i, payload(n, i), n);
      ng.epb(0, T0 * 1_000_000 + i, payload(n, i), n);
    }
    for (CaptureBytes c : new CaptureBytes[] {pcap, ng}) {
      Path p = write("many", c.toByteArray());
      List<Recorded> whole = Recorded.readAll(CaptureFiles.open(p.toString()));
      assertEquals(600, whole.size());
      assertEquals(10_000, whole.get(300).capLen);
      for (int window : new int[] {16, 100, 1500, 4096, 65536}) {
        assertEquals(whole, Recorded.readAll(CaptureFiles.open(p.toString(), window)), "window " + window);
      }
      try (PacketSource s = CaptureFiles.open(p.toString(), 4096)) {
        long size = s.size();
        assertEquals(p.toFile().length(), size);
        long last = s.position();
        int n = 0;
        while (s.next((ts, lt, b, off, cap, w) -> { })) {
          assertTrue(s.position() > last);
          last = s.position();
          n++;
        }
        assertEquals(600, n);
        assertEquals(size, s.position());
      }
    }
  }

  /**
   * A file of 2.5 GiB, sparse so it costs no disk: ten 255 MiB records whose data are holes (zeros),
   * then small packets past 2.4 GiB. Read with the default windows, the offsets past 2 GiB
   * (beyond one ByteBuffer) must come out right.
   */
  @ParameterizedTest
  @ValueSource(strings = {"pcap", "pcapng"})
  void filesOver2GiB(String format) throws IOException {
    Path p = dir.resolve("big." + format);
    int big = 255 << 20;
    long[] offsets = new long[13];
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p,
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      long pos;
      if (format.equals("pcap")) {
        pos = ch.write(ByteBuffer.wrap(new CaptureBytes(LITTLE_ENDIAN)
            .pcapHeader(0xa1b2c3d4, 0, LinkType.ETHERNET).toByteArray()));
      } else {
        pos = ch.write(ByteBuffer.wrap(new CaptureBytes(LITTLE_ENDIAN).shb()
            .idb(LinkType.ETHERNET, 0).toByteArray()));
      }
      for (int i = 0; i < 13; i++) {
        offsets[i] = pos;
        int n = i < 10 ? big : 100 + i;
        byte[] data = i < 10 ? new byte[0] : payload(n, i);
        CaptureBytes c = new CaptureBytes(LITTLE_ENDIAN);
        if (format.equals("pcap")) {
          c.u32(T0 + i).u32(i).u32(n).u32(n).bytes(data);
        } else {
          int padded = (n + 3) & ~3;
          long raw = T0 * 1_000_000 + i;
          c.u32(6).u32(32 + padded).u32(0).u32(raw >>> 32).u32(raw & 0xFFFFFFFFL).u32(n).u32(n)
              .bytes(data).bytes(new byte[data.length == 0 ? 0 : padded - n]);
        }
        ch.write(ByteBuffer.wrap(c.toByteArray()), pos);
        pos += c.size() + (i < 10 ? big : 0);
        if (format.equals("pcapng")) {
          ch.write(ByteBuffer.wrap(new CaptureBytes(LITTLE_ENDIAN)
              .u32(32 + ((n + 3) & ~3)).toByteArray()), pos);
          pos += 4;
        }
      }
      assertEquals(pos, ch.size());
      assertTrue(pos > (1L << 31) + (400L << 20), "file of " + pos + " bytes");
    }
    List<long[]> seen = new java.util.ArrayList<>();
    List<byte[]> small = new java.util.ArrayList<>();
    try (PacketSource s = CaptureFiles.open(p.toString())) {
      while (s.next((ts, lt, b, off, cap, w) -> {
        seen.add(new long[] {ts, cap});
        if (cap < 1000) {
          byte[] d = new byte[cap];
          b.get(off, d, 0, cap);
          small.add(d);
        }
      })) {
        // all
      }
      assertEquals(s.size(), s.position());
    }
    assertEquals(13, seen.size());
    for (int i = 0; i < 10; i++) {
      assertEquals(big, seen.get(i)[1]);
    }
    for (int i = 10; i < 13; i++) {
      assertArrayEquals(payload(100 + i, i), small.get(i - 10), "packet " + i + " at " + offsets[i]);
      assertEquals(format.equals("pcap") ? (T0 + i) * S + 1000L * i : T0 * S + 1000L * i,
          seen.get(i)[0]);
    }
    Files.delete(p);
  }

  /** Windows are unmapped as soon as the next is mapped, or RSS grows with the file read. */
  @Test
  void windowsAreUnmappedAtOnceOnThisJdk() {
    assertTrue(MappedInput.Unmapper.available(), "sun.misc.Unsafe.invokeCleaner not reachable");
  }

  @Test
  void nextAllocatesNothingPerPacket() throws IOException {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    assumeTrue(mx instanceof com.sun.management.ThreadMXBean,
        "no per-thread allocation counter in this JVM: skipped");
    com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
    assumeTrue(tmx.isThreadAllocatedMemorySupported(), "allocation counting not supported: skipped");
    tmx.setThreadAllocatedMemoryEnabled(true);

    int packets = 50_000;
    CaptureBytes pcap = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 65535, LinkType.ETHERNET);
    CaptureBytes ng = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.ETHERNET, 0)
        .idb(LinkType.RAW, 0, new CaptureBytes(LITTLE_ENDIAN).tsresolOption(0x80 | 24));
    for (int i = 0; i < packets; i++) {
      int n = 60 + i % 1400;
      pcap.pcapRecord(T0, i, payload(n, i), n);
      ng.epb(i & 1, i, payload(n, i), n);
      if (i % 100 == 0) {
        ng.spb(payload(n, i), n);
      }
    }
    long[] sum = new long[1];
    PacketHandler h = (ts, lt, b, off, cap, w) -> sum[0] += ts + cap + b.get(off);
    byte[][] files = {pcap.toByteArray(), ng.toByteArray()};
    for (byte[] bytes : files) {
      Path p = write("alloc", bytes);
      for (int mode = 0; mode < 2; mode++) {
        try (PacketSource s = mode == 0 ? CaptureFiles.open(p.toString())
            : CaptureFiles.openStream("s", Files.newInputStream(p), -1)) {
          for (int i = 0; i < 5_000; i++) {
            assertTrue(s.next(h)); // warm-up: the stream buffer reaches its size, code compiles
          }
          long before = tmx.getThreadAllocatedBytes(Thread.currentThread().getId());
          int n = 0;
          while (s.next(h)) {
            n++;
          }
          long allocated = tmx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
          assertTrue(n >= packets - 5_000, "read " + n);
          // a few hundred bytes of noise at most (the counter call itself); none per packet
          assertTrue(allocated < 4096, s + (mode == 0 ? " mapped" : " stream") + ": " + allocated
              + " bytes allocated over " + n + " packets");
        }
      }
    }
    assertTrue(sum[0] != 0);
  }

  @Test
  void streamBufferGrowsForABigRecordOnly() throws IOException {
    byte[] pcap = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 0, LinkType.ETHERNET)
        .pcapRecord(T0, 0, payload(100, 0), 100)
        .pcapRecord(T0, 1, payload(1_000_000, 1), 1_000_000)
        .pcapRecord(T0, 2, payload(100, 2), 100)
        .toByteArray();
    StreamInput in = new StreamInput("s", new ByteArrayInputStream(pcap), null, -1,
        StreamInput.INITIAL_CAPACITY);
    try (PacketSource s = CaptureFiles.forInput(in, "input")) {
      Recorded.Recorder r = new Recorded.Recorder();
      assertTrue(s.next(r));
      assertEquals(StreamInput.INITIAL_CAPACITY, in.capacity());
      assertTrue(s.next(r));
      assertTrue(in.capacity() >= 1_000_016);
      assertTrue(s.next(r));
      assertFalse(s.next(r));
      assertArrayEquals(payload(1_000_000, 1), r.packets.get(1).data);
      assertArrayEquals(payload(100, 2), r.packets.get(2).data);
    }
  }

  @Test
  void aLyingRecordLengthCostsNoBigBuffer() throws IOException {
    // 40 bytes whose one record claims 200 MB (snaplen 0: up to the 256 MiB limit is allowed). The
    // stream buffer grew to the claimed length at once before (200 MB for 40 bytes of input: a few such
    // files on stdin and the heap is gone); now it grows only as bytes arrive.
    byte[] pcap = new CaptureBytes(LITTLE_ENDIAN).pcapHeader(0xa1b2c3d4, 0, LinkType.ETHERNET)
        .u32(T0).u32(0).u32(200_000_000).u32(200_000_000).toByteArray();
    StreamInput in = new StreamInput("s", new ByteArrayInputStream(pcap), null, -1,
        StreamInput.INITIAL_CAPACITY);
    try (PacketSource s = CaptureFiles.forInput(in, "input")) {
      CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> s.next(new Recorded.Recorder()));
      assertEquals("s: truncated record at byte offset 24 after 0 packets (the record needs 200000016 bytes, "
          + "16 are left)", e.getMessage());
      assertEquals(StreamInput.INITIAL_CAPACITY, in.capacity());
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
