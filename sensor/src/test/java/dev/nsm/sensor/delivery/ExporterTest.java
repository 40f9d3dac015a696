package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.CollectorStatus;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.sensor.spool.Spool;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exporters against a real collector server on loopback (in this JVM) and against a port where
 * nothing listens, over a real spool: resume from the persisted cursor, and a full spool's drops
 * counted for the collector that had not acked them, not for the one that had.
 */
class ExporterTest {
  @TempDir
  Path tmp;

  private final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L * 1_000_000L);

  static Exporter.Settings settings(String name, int port) {
    return new Exporter.Settings(name, "127.0.0.1", port, null, 500, 1 << 20, Duration.ofMillis(2), Duration.ofSeconds(30),
        Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  private static Event flow(int i) {
    return Event.newBuilder().setFlow(Flow.newBuilder().setUid("C" + i).setProto("udp")).build();
  }

  @Test
  void fullSpoolDropsAreCountedPerCollectorAndCursorsSurviveRestarts() throws Exception {
    Path out = tmp.resolve("collected.jsonl");
    int deadPort = Procs.freePort(); // nothing listens there
    try (CollectorServer collector = new CollectorServer(new InetSocketAddress("127.0.0.1", 0), null, out, Duration.ZERO).start();
        Spool spool = Spool.open(new Spool.Settings(tmp.resolve("state"), RollCycles.FIVE_MINUTELY, 1L << 30, Duration.ofMinutes(40), clock), "x")) {
      Exporter up = Exporter.start(settings("up", collector.port()), spool, tmp.resolve("state"));
      Exporter down = Exporter.start(settings("down", deadPort), spool, tmp.resolve("state"));
      for (int c = 0; c < 4; c++) {
        for (int i = 0; i < 1000; i++) {
          spool.append(flow(c * 1000 + i));
        }
        clock.advanceMillis(5 * 60_000L);
      }
      spool.append(flow(4000)); // a fifth cycle
      assertTrue(up.awaitAcked(4000, Duration.ofSeconds(20)), "the reachable collector acks everything: " + up.status());
      assertEquals(0, up.lag());
      assertEquals(4001, down.lag());
      assertFalse(down.connected());
      assertTrue(down.connects() == 0 || !down.lastError().isEmpty(), down.status().toString());

      // an hour later the four oldest cycles (seq 0..3999) are past max_age 40m: retention deletes them while
      // the exporters run; 'down' had acked none of them
      spool.maintain();
      assertEquals(0, down.dropped(), "nothing old enough yet");
      clock.advanceMillis(60 * 60_000L);
      spool.maintain();
      assertEquals(4000, spool.firstSeq());
      assertEquals(4000, down.dropped(), down.status().toString());
      assertEquals(4000, down.status().getDroppedRecords());
      assertEquals(1, down.lag(), "only seq 4000 is left for it");
      assertEquals(0, up.dropped());
      up.close();
      down.close();
    }
    // the cursors are on disk: a new exporter for "down" resumes, and counts what retention took from it
    assertEquals("4000", Files.readString(tmp.resolve("state/cursors/up.acked")).strip());
    assertFalse(Files.exists(tmp.resolve("state/cursors/down.acked")), "down never acked anything");
    try (CollectorServer collector = new CollectorServer(new InetSocketAddress("127.0.0.1", 0), null, tmp.resolve("b.jsonl"), Duration.ZERO).start();
        Spool spool = Spool.open(new Spool.Settings(tmp.resolve("state"), RollCycles.FIVE_MINUTELY, 1L << 30, Duration.ofDays(1), clock), "x")) {
      Exporter down = Exporter.start(settings("down", collector.port()), spool, tmp.resolve("state"));
      Exporter up = Exporter.start(settings("up", collector.port()), spool, tmp.resolve("state"));
      assertTrue(down.awaitAcked(4000, Duration.ofSeconds(20)), down.status().toString());
      CollectorStatus s = down.status();
      assertEquals(4000, s.getDroppedRecords(), "seq 0..3999 were deleted before 'down' acked them (counted again by this "
          + "process: it starts behind the oldest retained seq): " + s);
      assertEquals(4000, s.getAckedSeq());
      assertEquals(0, up.dropped(), "'up' had acked everything before retention: nothing lost for it");
      assertEquals(0, up.status().getSentRecords(), "'up' resumed after its cursor: nothing to resend");
      down.close();
      up.close();
    }
  }

  @Test
  void sighupReconfiguresCollectorsKeepingTheUnchangedOnes() throws Exception {
    try (CollectorServer a = new CollectorServer(new InetSocketAddress("127.0.0.1", 0), null, tmp.resolve("a.jsonl"), Duration.ZERO).start();
        CollectorServer b = new CollectorServer(new InetSocketAddress("127.0.0.1", 0), null, tmp.resolve("b.jsonl"), Duration.ZERO).start()) {
      Delivery.Plan plan = new Delivery.Plan("x", new Spool.Settings(tmp.resolve("d"), RollCycles.FIVE_MINUTELY, 1L << 30, Duration.ofDays(1)),
          java.util.List.of(settings("a", a.port())), null, null, false, 4);
      Delivery d = Delivery.start(plan, 1024, null);
      var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      d.bind(registry);
      d.output().emit(flow(1));
      Exporter first = d.exporters().get(0);
      assertTrue(first.awaitAcked(0, Duration.ofSeconds(20)));
      assertEquals("started b (127.0.0.1:" + b.port() + ")", d.reconfigure(java.util.List.of(settings("a", a.port()), settings("b", b.port()))));
      assertTrue(d.exporters().get(0) == first, "a's exporter goes on untouched");
      assertTrue(d.exporters().get(1).awaitAcked(0, Duration.ofSeconds(20)), "b gets the spool from the start");
      assertEquals(1.0, registry.get("nsm.collector.connected").tag("collector", "b").gauge().value());
      assertEquals("stopped a", d.reconfigure(java.util.List.of(settings("b", b.port()))));
      assertEquals(1, d.exporters().size());
      assertTrue(registry.find("nsm.collector.lag.records").tag("collector", "a").gauges().isEmpty(), "a's meters are gone");
      assertEquals("collectors unchanged", d.reconfigure(java.util.List.of(settings("b", b.port()))));
      d.close();
    }
  }

  @Test
  void ackTimeoutRestartsAStreamTheCollectorStopsAnswering() throws Exception {
    Path out = tmp.resolve("slow.jsonl");
    try (CollectorServer collector = new CollectorServer(new InetSocketAddress("127.0.0.1", 0), null, out, Duration.ofMillis(3000)).start();
        Spool spool = Spool.open(new Spool.Settings(tmp.resolve("s"), RollCycles.FIVE_MINUTELY, 1L << 30, Duration.ofDays(1), clock), "x")) {
      Exporter.Settings s = new Exporter.Settings("slow", "127.0.0.1", collector.port(), null, 10, 1 << 20, Duration.ZERO,
          Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(10));
      Exporter e = Exporter.start(s, spool, tmp.resolve("s"));
      for (int i = 0; i < 100; i++) {
        spool.append(flow(i));
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (e.connects() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(e.connects() >= 2, "a new stream after no ack for 1 s: " + e.status());
      assertTrue(e.lastError().startsWith("DEADLINE_EXCEEDED: no ack within 1000 ms"), e.lastError());
      e.close();
    }
  }
}
