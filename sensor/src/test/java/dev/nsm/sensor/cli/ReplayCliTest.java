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

  @Test
  void unknownOption() throws IOException {
    Replay r = Replay.run(tmp, "x.pcap", "--frobnicate");
    assertEquals(2, r.exit);
    assertOneLine(r.err, "--frobnicate");
  }

  @Test
  void helpExitsZero() {
    java.io.StringWriter out = new java.io.StringWriter();
    int code = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter()), "replay", "--help");
    assertEquals(0, code);
    assertTrue(out.toString().contains("--workers"), out.toString());
  }
}
