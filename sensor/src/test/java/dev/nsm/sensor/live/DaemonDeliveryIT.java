package dev.nsm.sensor.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.sensor.spool.Spool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sensor run} with a collector configured: live records go through the spool and the
 * exporter to the bundled collector (both in the lab's client namespace, on its loopback); the
 * collector shows in the metrics; SIGTERM flushes the open flows and the last stats record into the
 * spool and delivers them before exit 0. Every record the daemon appended is in the collector's
 * file once, in seq order from 0.
 */
class DaemonDeliveryIT {
  private static final Pattern LINE = Pattern.compile("^\\{\"sensor_id\":\"live-delivery\",\"seq\":\"(\\d+)\",\"(\\w+)\":");

  @TempDir
  Path tmp;

  @BeforeAll
  static void live() {
    LiveLab.assumeLive();
  }

  @Test
  void liveRecordsReachTheCollectorThroughTheSpool() throws Exception {
    try (LiveLab lab = new LiveLab(7)) {
      lab.startServers(tmp);
      Path out = tmp.resolve("collected.jsonl");
      Path collectLog = tmp.resolve("collect.log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process collector = lab.start(lab.cli, List.of(java, "-Xmx256m", "-jar", SensorProcess.jar().toString(), "collect",
          "--listen", "127.0.0.1:9443", "--out", out.toString(), "--plaintext"), collectLog);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!Files.exists(collectLog) || !Files.readString(collectLog).contains("collect: listening")) {
        assertTrue(collector.isAlive() && System.nanoTime() < deadline, "collector did not start: "
            + (Files.exists(collectLog) ? Files.readString(collectLog) : ""));
        LiveLab.sleep(100);
      }
      Path spool = tmp.resolve("spool");
      String extra = "sensor_id: live-delivery\nspool:\n  dir: " + spool + "\ncollectors:\n  - name: local\n"
          + "    address: 127.0.0.1:9443\n    plaintext: true\n    batch:\n      linger: 5ms\n";
      SensorProcess sensor = SensorProcess.start(lab, tmp, SensorProcess.config(lab, tmp.resolve("unused.jsonl"), "", extra));
      lab.traffic(2);
      LiveLab.sleep(1500); // a stats record (stats_interval 1s) is made and delivered meanwhile
      Map<String, Double> m = sensor.scrape();
      assertEquals(1.0, m.get("nsm_collector_connected{collector=\"local\"}"), "metrics: " + m);
      assertTrue(m.get("nsm_spool_records_appended_total") >= 1, "stats records at least: " + m);
      assertTrue(m.containsKey("nsm_collector_lag_records{collector=\"local\"}"), m.toString());
      // README: the metrics table and the delivery list together are what is served with a collector
      java.util.Set<String> listed = new java.util.TreeSet<>(ReadmeMetrics.table());
      listed.addAll(ReadmeMetrics.delivery());
      assertEquals(listed, ReadmeMetrics.served(sensor.get("/metrics")), "README's metric names vs /metrics with delivery");

      sensor.signal("TERM");
      assertEquals(0, sensor.waitExit(30), "exit code after SIGTERM; log:\n" + Files.readString(sensor.log));
      assertTrue(!Files.exists(tmp.resolve("unused.jsonl")) || Files.size(tmp.resolve("unused.jsonl")) == 0,
          "with a collector the records go to the spool, not output.path");
      long appended;
      try (Spool s = Spool.open(new Spool.Settings(spool, Spool.ROLL_CYCLES.get("5m"), 10L << 30, Duration.ofDays(7)), "live-delivery")) {
        appended = s.nextSeq();
      }
      assertEquals(String.valueOf(appended - 1), Files.readString(spool.resolve("cursors/local.acked")).strip(),
          "the collector acked the last record before the daemon exited");

      BitSet seen = new BitSet();
      int flows = 0;
      String lastType = "";
      List<String> lines = Files.readAllLines(out);
      for (String line : lines) {
        Matcher x = LINE.matcher(line);
        assertTrue(x.find(), line);
        int seq = Integer.parseInt(x.group(1));
        assertTrue(!seen.get(seq), "seq " + seq + " twice");
        seen.set(seq);
        flows += x.group(2).equals("flow") ? 1 : 0;
        lastType = x.group(2);
      }
      assertEquals(appended, lines.size(), "every appended record delivered once");
      assertEquals(appended, seen.nextClearBit(0), "seqs 0 .. " + (appended - 1));
      assertTrue(flows >= 6, "ping, HTTP and DNS flows: " + flows);
      assertEquals("stats", lastType, "the last stats record, made at stop, is delivered too");
      System.out.printf("daemon delivered %d records (%d flows) through the spool%n", lines.size(), flows);
    }
  }
}
