package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad arguments and bad files: one line on stderr naming what is wrong, exit code 2. */
class ReplayCliTest {
  @TempDir
  Path tmp;

  private static void assertOneLine(String err, String mustContain) {
    String trimmed = err.strip();
    assertEquals(1, trimmed.lines().count(), "expected one line, got:\n" + err);
    assertTrue(trimmed.startsWith("sensor: "), err);
    assertTrue(trimmed.contains(mustContain), "'" + mustContain + "' not in: " + err);
  }

  @Test
  void missingFile() throws IOException {
    Replay r = Replay.run(tmp, tmp.resolve("nope.pcap").toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "nope.pcap");
  }

  @Test
  void notACapture() throws IOException {
    Path f = tmp.resolve("notes.txt");
    Files.writeString(f, "hello, this is not a capture\n");
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "notes.txt");
  }

  @Test
  void unwritableOutput() throws IOException {
    Path capture = Files.list(Replay.repoRoot().resolve("testdata")).filter(p -> p.toString().endsWith(".pcap"))
        .findFirst().orElseThrow();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = Main.run(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err, true),
        "replay", capture.toString(), "--out", tmp.resolve("no/such/dir/out.jsonl").toString());
    assertEquals(2, code);
    assertOneLine(err.toString(), "--out");
  }

  @Test
  void badWorkers() throws IOException {
    Replay r = Replay.run(tmp, "x.pcap", "--workers", "0");
    assertEquals(2, r.exit);
    assertOneLine(r.err, "--workers");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.CsvSource({
      "--flow-memory, 1000, --flow-memory must be at least 1048576 (1024 flows x --workers) not 1000",
      "--dns-max-pending, 0, --dns-max-pending must be at least 1 (--workers) not 0",
      "--dns-pending-memory, 10, --dns-pending-memory must be at least 65536 (65536 x --workers) not 10",
      "--http-max-pending, 0, --http-max-pending must be at least 1 (--workers) not 0",
      "--http-pending-memory, 4096, --http-pending-memory must be at least 65536 (65536 x --workers) not 4096",
      "--fragments-max-datagrams, 0, --fragments-max-datagrams must be at least 1 not 0",
      "--fragments-memory, 100, --fragments-memory must be at least 65535 not 100",
  })
  void impossibleCap(String option, String value, String expected) throws IOException {
    Replay r = Replay.run(tmp, "x.pcap", "--workers", "1", option, value);
    assertEquals(2, r.exit);
    // CsvSource splits on commas: the expected message is written without the one before "not"
    assertOneLine(r.err.replace(", not ", " not "), expected);
  }

  @Test
  void unknownOption() throws IOException {
    Replay r = Replay.run(tmp, "x.pcap", "--frobnicate");
    assertEquals(2, r.exit);
    assertOneLine(r.err, "--frobnicate");
  }

  // ---------------------------------------------------------------- bad capture files (issue 7)

  private static final Path TCP_SF = Replay.repoRoot().resolve("testdata/tcp-sf.pcap");

  /** tcp-sf.pcap with the 4 bytes at {@code at} of its header replaced (little-endian). */
  private Path patched(String name, int at, int value) throws IOException {
    byte[] b = Files.readAllBytes(TCP_SF);
    java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    Path f = tmp.resolve(name);
    Files.write(f, b);
    return f;
  }

  /** Offset of record {@code n} (from 0) of a little-endian classic pcap. */
  private static int recordOffset(byte[] pcap, int n) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(pcap).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int p = 24;
    for (int i = 0; i < n; i++) {
      p += 16 + b.getInt(p + 8);
    }
    return p;
  }

  private static String flowLine(Replay r) {
    return r.lines.stream().filter(l -> l.startsWith("{\"flow\"")).findFirst().orElseThrow(
        () -> new AssertionError("no flow record in " + r.lines));
  }

  @Test
  void emptyFile() throws IOException {
    Path f = tmp.resolve("empty.pcap");
    Files.write(f, new byte[0]);
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "empty.pcap: empty file, not a capture");
  }

  @Test
  void directory() throws IOException {
    Path d = Files.createDirectory(tmp.resolve("captures"));
    Replay r = Replay.run(tmp, d.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "captures: is a directory, not a capture file");
  }

  @Test
  void snaplenZeroIsReadAsNoLimit() throws IOException {
    // libpcap reads a snaplen of 0 as "no limit" (some writers leave it 0): not bad input
    Replay r = Replay.run(tmp, patched("snap0.pcap", 16, 0).toString());
    assertEquals(0, r.exit, r.err);
    assertEquals("", r.err);
    assertTrue(flowLine(r).contains("\"conn_state\":\"SF\",\"history\":\"ShADadFf\""), flowLine(r));
  }

  @Test
  void hugeSnaplen() throws IOException {
    Replay r = Replay.run(tmp, patched("snaphuge.pcap", 16, 0x7fffffff).toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "snaphuge.pcap: snaplen 2147483647 in the file header exceeds the 256 MiB limit");
  }

  @Test
  void unsupportedLinkType() throws IOException {
    Replay r = Replay.run(tmp, patched("usb.pcap", 20, 189).toString()); // LINKTYPE_USB_LINUX
    assertEquals(2, r.exit);
    assertOneLine(r.err, "usb.pcap: link type 189 (LINKTYPE_189) is not supported");
  }

  @Test
  void unreadable() throws IOException {
    Path f;
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root) {
      f = Files.copy(TCP_SF, tmp.resolve("secret.pcap"));
      Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
    } else {
      // root reads any mode: a procfs file that refuses reading to root too (write-only sysctl)
      f = Path.of("/proc/sys/vm/compact_memory");
      boolean refused;
      try (java.io.InputStream in = Files.newInputStream(f)) {
        refused = false;
      } catch (java.nio.file.AccessDeniedException e) {
        refused = true;
      } catch (IOException e) {
        refused = false;
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(refused,
          "running as root and " + f + " is readable here: no unreadable file to test with");
    }
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, f + ": cannot read it (permission denied)");
  }

  @Test
  void gzipCaptureIsRead() throws IOException {
    Path gz = tmp.resolve("tcp-sf.pcap.gz");
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(TCP_SF));
    }
    Replay plain = Replay.run(tmp, TCP_SF.toString());
    Replay r = Replay.run(tmp, gz.toString());
    assertEquals(0, r.exit, r.err);
    assertEquals(flowLine(plain), flowLine(r));
  }

  @Test
  void gzipCutShortKeepsWhatCameBefore() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(Files.readAllBytes(TCP_SF));
    }
    byte[] gz = bytes.toByteArray();
    Path f = tmp.resolve("cut.pcap.gz");
    Files.write(f, java.util.Arrays.copyOf(gz, gz.length - 40));
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "cut.pcap.gz: gzip data damaged");
    assertTrue(r.lines.get(r.lines.size() - 1).startsWith("{\"stats\""), "the stats line still comes");
    flowLine(r);
  }

  @Test
  void truncatedMidRecordKeepsTheRecordsBefore() throws IOException {
    byte[] pcap = Files.readAllBytes(TCP_SF);
    int eighth = recordOffset(pcap, 7);
    Path f = tmp.resolve("cut.pcap");
    Files.write(f, java.util.Arrays.copyOf(pcap, eighth + 30)); // record header and 14 bytes of the 8th packet
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "cut.pcap: truncated record at byte offset " + eighth + " after 7 packets");
    // the 7 packets read make their flow record (not closed yet: the FINs were in the lost part)
    String flow = flowLine(r);
    assertTrue(flow.contains("\"orig_pkts\":\"4\"") && flow.contains("\"resp_pkts\":\"3\""), flow);
    assertTrue(r.lines.stream().anyMatch(l -> l.startsWith("{\"stats\"") && l.contains("\"packets_read\":\"7\"")),
        r.lines.toString());
  }

  @Test
  void recordLengthLyingKeepsTheRecordsBefore() throws IOException {
    byte[] pcap = Files.readAllBytes(TCP_SF);
    int third = recordOffset(pcap, 2);
    java.nio.ByteBuffer.wrap(pcap).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(third + 8, 0x7fffffff);
    Path f = tmp.resolve("caplen.pcap");
    Files.write(f, pcap);
    Replay r = Replay.run(tmp, f.toString());
    assertEquals(2, r.exit);
    assertOneLine(r.err, "caplen.pcap: record at byte offset " + third + " after 2 packets: caplen 2147483647 exceeds");
    assertTrue(r.lines.stream().anyMatch(l -> l.contains("\"packets_read\":\"2\"")), r.lines.toString());
  }

  @Test
  void fifo() throws Exception {
    // a named pipe: read as a stream (no mapping), same records as the file
    Path fifo = tmp.resolve("capture.fifo");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo not available");
    Thread writer = new Thread(() -> {
      try {
        Files.write(fifo, Files.readAllBytes(TCP_SF));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.start();
    Replay r = Replay.run(tmp, fifo.toString());
    writer.join();
    assertEquals(0, r.exit, r.err);
    assertEquals(flowLine(Replay.run(tmp, TCP_SF.toString())), flowLine(r));
  }

  @Test
  void helpExitsZero() {
    java.io.StringWriter out = new java.io.StringWriter();
    int code = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter()), "replay", "--help");
    assertEquals(0, code);
    assertTrue(out.toString().contains("--workers"), out.toString());
  }
}
