package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.sensor.spool.Spool;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Done-when "sensor crash": the sensor is SIGKILLed mid-stream (while it still appends to its spool
 * and streams to a slow collector), then started again on the same state directory; every record it
 * had appended before the kill reaches the collector, and after the collector's dedup nothing is
 * there twice.
 *
 * <p>What was appended before the kill is read from the spool itself (the real Chronicle Queue on
 * disk) between the kill and the restart. The restarted sensor replays an empty capture: it appends
 * only its stats record and delivers everything its cursor says is unacked.
 */
class SensorCrashIT {
  @TempDir
  Path tmp;

  @Test
  void everyRecordAppendedBeforeTheKillArrivesOnce() throws Exception {
    Path pcap = SyntheticCapture.flows(tmp.resolve("flows.pcap"), 300_000, 20);
    Path empty = tmp.resolve("empty.pcap");
    try (OutputStream o = Files.newOutputStream(empty)) {
      SyntheticCapture.header(o);
    }
    Path out = tmp.resolve("collected.jsonl");
    Path spool = tmp.resolve("state");
    int port = Procs.freePort();
    try (Procs procs = new Procs(tmp)) {
      Process collector = procs.collector(out, port, "--plaintext", "--ack-delay", "50ms");
      String[] common = {"--collector", "127.0.0.1:" + port, "--plaintext", "--sensor-id", "crash-test", "--spool", spool.toString(),
          "--batch-max-records", "500", "--backoff-max", "500ms", "--drain-timeout", "60s"};
      Path log1 = tmp.resolve("replay-1.log");
      Process first = procs.sensor(log1, concat(new String[] {"replay", pcap.toString(), "--workers", "1"}, common));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (Procs.lines(out) < 5_000) {
        assertTrue(first.isAlive() && System.nanoTime() < deadline, "no records reached the collector:\n" + Files.readString(log1));
        Procs.sleep(10);
      }
      Procs.kill9(first);
      String log1Text = Files.readString(log1);
      boolean stillAppending = !log1Text.contains("records appended");
      long collectedAtKill = Procs.lines(out);

      long lastAppended;
      try (Spool s = Spool.open(new Spool.Settings(spool, Spool.ROLL_CYCLES.get("5m"), 64L << 30, Duration.ofDays(3650)), "crash-test")) {
        lastAppended = s.nextSeq() - 1;
        assertEquals(0, s.firstSeq());
      }
      assertTrue(lastAppended > collectedAtKill, "the kill came mid-stream: spooled " + (lastAppended + 1) + ", collected " + collectedAtKill);
      System.out.printf("SIGKILL with %d records in the spool (still appending: %s), %d at the collector%n", lastAppended + 1,
          stillAppending, collectedAtKill);

      Path log2 = tmp.resolve("replay-2.log");
      Process second = procs.sensor(log2, concat(new String[] {"replay", empty.toString()}, common));
      assertEquals(0, Procs.waitExit(second, 90), "restarted sensor:\n" + Files.readString(log2));
      long[] made = Procs.appended(log2);
      assertEquals(1, made[0], "the restart appends its stats record only");
      assertEquals(lastAppended + 1, made[1], "seqs go on after the last appended before the kill");
      collector.destroy();
      assertEquals(0, Procs.waitExit(collector, 20));

      Procs.Stored st = Procs.stored(out, "crash-test");
      assertEquals(java.util.List.of(), st.bad);
      assertEquals(0, st.duplicates, "after dedup nothing is there twice");
      assertEquals(lastAppended + 2, st.seen.nextClearBit(0), "every seq from 0 to the restart's stats record arrived");
      assertEquals(lastAppended + 2, st.lines);
      System.out.printf("all %d records arrived once; restart log:%n%s", st.lines, Files.readString(log2));
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
