package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.StatusReply;
import dev.nsm.sensor.spool.Spool;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Done-when "Subscribe": a consumer subscribing from seq 0 during a run receives every record in
 * order, then live ones as they are made; from a seq older than retention it gets OUT_OF_RANGE
 * naming the oldest retained seq.
 *
 * <p>The sensor is {@code replay -} reading a capture from a pipe the test writes in parts, with the
 * Sensor service on (config {@code subscribe:}): records are made while the test watches, because
 * flows time out on packet time as later packets arrive.
 */
class SubscribeIT {
  private static final Pattern PORT = Pattern.compile("Sensor service \\(Subscribe, Status\\) on port (\\d+)");

  @TempDir
  Path tmp;

  private Path config(String sensorId, Path spool, String maxAge) throws Exception {
    Path c = tmp.resolve("sensor.yaml");
    Files.writeString(c, "sensor_id: " + sensorId + "\nspool:\n  dir: " + spool + "\n  max_age: " + maxAge
        + "\nsubscribe:\n  enabled: true\n  plaintext: true\n  listen: 127.0.0.1:0\n");
    return c;
  }

  @Test
  void fromZeroEverythingInOrderThenLive() throws Exception {
    try (Procs procs = new Procs(tmp)) {
      Path log = tmp.resolve("replay.log");
      Process replay = procs.sensor(log, "replay", "-", "--config", config("sub-test", tmp.resolve("spool"), "7d").toString(), "--workers", "2");
      OutputStream stdin = replay.getOutputStream();
      int port = Integer.parseInt(Procs.awaitLog(replay, log, PORT.pattern(), 30).group(1));
      ManagedChannel ch = Grpc.plaintext(port);
      try {
        // part 1: 1000 flows at T0, then one packet 200 s later: the 1000 time out (udp 1m) and are written
        long t0 = SyntheticCapture.T0_MICROS;
        SyntheticCapture.header(stdin);
        SyntheticCapture.packets(stdin, 0, 1000, t0, 1000);
        SyntheticCapture.packets(stdin, 1000, 1, t0 + 200_000_000L, 0);
        stdin.flush();
        Grpc.Subscription sub = Grpc.Subscription.start(ch, 0, List.of());
        Grpc.Subscription statsOnly = Grpc.Subscription.start(ch, 0, List.of("stats"));
        List<Event> got = new ArrayList<>();
        while (got.size() < 1000) {
          Event e = sub.next(20_000);
          assertNotNull(e, "only " + got.size() + " records from seq 0; replay log:\n" + Files.readString(log));
          got.add(e);
        }
        assertEquals(null, sub.next(300), "nothing else made yet");
        // part 2 (live): 500 more flows 400 s later: the lone flow of part 1 times out now
        SyntheticCapture.packets(stdin, 1001, 500, t0 + 400_000_000L, 1000);
        stdin.flush();
        Event live = sub.next(20_000);
        assertNotNull(live, "a live record after subscribing");
        got.add(live);
        assertEquals(1000, live.getSeq());
        assertTrue(live.getFlow().getOrigP() == 1024 + 1000, "the part-1 straggler: " + live);
        // the end of the input writes the 500 open flows and the stats record; the stream ends after them
        stdin.close();
        assertEquals(0, Procs.waitExit(replay, 60), Files.readString(log));
        long[] made = Procs.appended(log);
        assertEquals(1502, made[0]);
        for (Event e; (e = sub.next(5_000)) != null; ) {
          got.add(e);
        }
        Status end = sub.awaitEnd(10);
        assertEquals(Status.Code.UNAVAILABLE, end.getCode(), "the stream ends when the sensor stops: " + end);
        assertTrue(end.getDescription().contains("resume from seq 1502"), end.getDescription());
        assertEquals(1502, got.size(), "every record, live ones included");
        for (int i = 0; i < got.size(); i++) {
          assertEquals(i, got.get(i).getSeq(), "in seq order");
          assertEquals("sub-test", got.get(i).getSensorId());
        }
        assertTrue(got.get(1501).hasStats(), "the last is the stats record");
        Event stats = statsOnly.next(5_000);
        assertNotNull(stats, "the stats-only subscriber");
        assertEquals(1501, stats.getSeq());
        assertEquals(null, statsOnly.next(200), "flows filtered out");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void olderThanRetentionIsOutOfRangeNamingTheOldestSeq() throws Exception {
    Path spoolDir = tmp.resolve("spool");
    // a spool with three 5-minute files an hour old (the sensor's clock moved by the test)
    SetTimeProvider clock = new SetTimeProvider((System.currentTimeMillis() - 3_600_000L) * 1_000_000L);
    try (Spool s = Spool.open(new Spool.Settings(spoolDir, Spool.ROLL_CYCLES.get("5m"), 1L << 30, Duration.ofDays(1), clock), "oor-test")) {
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 100; i++) {
          s.append(Event.newBuilder().setFlow(Flow.newBuilder().setUid("C" + c + "-" + i)).build());
        }
        clock.advanceMillis(5 * 60_000L);
      }
    }
    try (Procs procs = new Procs(tmp)) {
      Path log = tmp.resolve("replay.log");
      // max_age 10m: the files an hour old go at start (never the newest one)
      Process replay = procs.sensor(log, "replay", "-", "--config", config("oor-test", spoolDir, "10m").toString());
      OutputStream stdin = replay.getOutputStream();
      int port = Integer.parseInt(Procs.awaitLog(replay, log, PORT.pattern(), 30).group(1));
      ManagedChannel ch = Grpc.plaintext(port);
      try {
        StatusReply st = Grpc.statusWaiting(ch);
        assertEquals(200, st.getSpool().getFirstSeq(), "retention kept the newest file only: " + st);
        assertEquals(300, st.getSpool().getNextSeq());
        assertEquals("oor-test", st.getSensorId());
        Grpc.Subscription old = Grpc.Subscription.start(ch, 0, List.of());
        Status s = old.awaitEnd(10);
        assertEquals(Status.Code.OUT_OF_RANGE, s.getCode());
        Matcher m = Pattern.compile("the oldest retained seq is (\\d+)").matcher(s.getDescription());
        assertTrue(m.find(), s.getDescription());
        assertEquals(200, Long.parseLong(m.group(1)));
        assertEquals(Status.Code.OUT_OF_RANGE, Grpc.Subscription.start(ch, 199, List.of()).awaitEnd(10).getCode());
        Grpc.Subscription fromOldest = Grpc.Subscription.start(ch, 200, List.of());
        Event e = fromOldest.next(10_000);
        assertNotNull(e);
        assertEquals(200, e.getSeq());
        assertEquals("C2-0", e.getFlow().getUid());
        stdin.close(); // empty input: replay exits (an empty stdin is a bad capture: exit 2)
        Procs.waitExit(replay, 30);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
