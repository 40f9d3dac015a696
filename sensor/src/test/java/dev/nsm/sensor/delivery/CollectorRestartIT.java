package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Done-when "collector restart": while the sensor streams 250 001 records, the collector process is
 * SIGKILLed and started again twice, on the same port and file; afterwards its file holds every
 * record exactly once by seq, as many as the sensor made.
 *
 * <p>The sensor is {@code replay --collector} (same spool and exporter as the daemon) on a capture of
 * 250 000 one-packet flows; the collector acks slowly ({@code --ack-delay}, small batches) so that
 * the stream lasts a few seconds and the kills land mid-stream.
 */
class CollectorRestartIT {
  @TempDir
  Path tmp;

  @Test
  void everyRecordExactlyOnceAfterTwoCollectorKills() throws Exception {
    int flows = 250_000;
    Path pcap = SyntheticCapture.flows(tmp.resolve("flows.pcap"), flows, 20);
    Path out = tmp.resolve("collected.jsonl");
    int port = Procs.freePort();
    try (Procs procs = new Procs(tmp)) {
      String[] slow = {"--plaintext", "--ack-delay", "40ms"};
      Process collector = procs.collector(out, port, slow);
      Path replayLog = tmp.resolve("replay.log");
      Process replay = procs.sensor(replayLog, "replay", pcap.toString(), "--collector", "127.0.0.1:" + port, "--plaintext",
          "--sensor-id", "restart-test", "--spool", tmp.resolve("spool").toString(), "--batch-max-records", "1000",
          "--backoff-max", "500ms", "--drain-timeout", "90s", "--workers", "1");
      long[] killAt = {30_000, 120_000};
      for (long at : killAt) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Procs.lines(out) < at) {
          assertTrue(System.nanoTime() < deadline, "the collector did not reach " + at + " lines; replay:\n" + Files.readString(replayLog));
          assertTrue(replay.isAlive(), "replay ended before the kill at " + at + ":\n" + Files.readString(replayLog));
          Procs.sleep(20);
        }
        Procs.kill9(collector);
        long before = Procs.lines(out);
        Procs.sleep(300); // the sensor notices and backs off
        collector = procs.collector(out, port, slow);
        System.out.printf("collector SIGKILLed at %d lines, restarted%n", before);
      }
      assertEquals(0, Procs.waitExit(replay, 120), "replay's exit code:\n" + Files.readString(replayLog));
      long[] made = Procs.appended(replayLog);
      assertEquals(flows + 1, made[0], "records made: every flow and the stats record");
      collector.destroy(); // SIGTERM: a clean stop
      assertEquals(0, Procs.waitExit(collector, 20));

      Procs.Stored s = Procs.stored(out, "restart-test");
      assertEquals(java.util.List.of(), s.bad, "lines that are not {sensor_id, seq, record}");
      assertEquals(0, s.duplicates, "duplicate seqs in the collector's file");
      assertEquals(made[0], s.lines, "lines in the collector's file = records the sensor made");
      assertEquals(made[0], s.seen.cardinality());
      assertEquals(made[2], s.seen.length() - 1, "highest seq");
      assertEquals(made[0], s.seen.nextClearBit(0), "every seq from 0 to the last, none missing");
      assertEquals(1, s.statsRecords);
      System.out.printf("%d records, each once, after 2 collector kills; replay log:%n%s", s.lines, Files.readString(replayLog));
    }
  }
}
