package dev.nsm.sensor.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on a real Chronicle Queue on disk, with a clock the test moves to roll cycles. */
class SpoolTest {
  private static final long MINUTE = 60_000L;

  @TempDir
  Path dir;

  private final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L * 1_000_000L);

  private Spool open(long maxBytes, Duration maxAge) throws Exception {
    return Spool.open(new Spool.Settings(dir, RollCycles.FIVE_MINUTELY, maxBytes, maxAge, clock), "sensor-a");
  }

  static Event flow(int i) {
    return Event.newBuilder().setFlow(Flow.newBuilder().setUid("C" + i).setOrigP(i & 0xffff).setProto("udp")).build();
  }

  /** Reads every entry from {@code from} as Events, checking each entry's seq against the reader's. */
  static List<Event> readAll(Spool s, long from) {
    List<Event> out = new ArrayList<>();
    try (SpoolReader r = s.reader()) {
      r.seek(from);
      while (r.next()) {
        try {
          Event e = Event.parseFrom(java.util.Arrays.copyOf(r.entry(), r.length()));
          assertEquals(r.seq(), e.getSeq());
          assertEquals(e.getFlow().getUid().isEmpty() ? Event.RecordCase.STATS.getNumber() : Event.RecordCase.FLOW.getNumber(),
              SpoolEntry.recordField(r.entry(), 0, r.length()));
          out.add(e);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }

  @Test
  void entriesAreEventsWithSensorIdAndDenseSeqAcrossCyclesAndRestarts() throws Exception {
    try (Spool s = open(1L << 30, Duration.ofDays(1))) {
      assertEquals(0, s.nextSeq());
      for (int i = 0; i < 1000; i++) {
        assertEquals(i, s.append(flow(i)));
        if (i % 250 == 249) {
          clock.advanceMillis(5 * MINUTE); // roll: the next record opens a new cycle file
        }
      }
      assertEquals(4, s.cycles());
      // an event that already had delivery fields gets the spool's
      assertEquals(1000, s.append(flow(1000).toBuilder().setSensorId("other").setSeq(7).build()));
    }
    try (Spool s = open(1L << 30, Duration.ofDays(1))) {
      assertEquals(1001, s.nextSeq(), "the next seq after a restart follows the last entry");
      assertEquals(0, s.firstSeq());
      assertEquals(1001, s.append(Event.newBuilder().setStats(Stats.newBuilder().setPacketsRead(5)).build()));
      List<Event> all = readAll(s, 0);
      assertEquals(1002, all.size());
      for (int i = 0; i < 1001; i++) {
        Event e = all.get(i);
        assertEquals("sensor-a", e.getSensorId());
        assertEquals(i, e.getSeq());
        assertEquals(flow(i).getFlow(), e.getFlow(), "record " + i + " as appended");
      }
      assertEquals(5, all.get(1001).getStats().getPacketsRead());
      // seek lands exactly, in the middle of a cycle and at a cycle's first entry
      for (long from : new long[] {1, 249, 250, 251, 777, 1000, 1001}) {
        List<Event> tail = readAll(s, from);
        assertEquals(1002 - from, tail.size(), "from " + from);
        assertEquals(from, tail.get(0).getSeq());
      }
      // a seq not made yet: nothing now, then exactly it once appended
      try (SpoolReader r = s.reader()) {
        assertEquals(1002, r.seek(1002));
        assertFalse(r.next());
        s.append(flow(1002));
        assertTrue(r.next());
        assertEquals(1002, r.seq());
        assertFalse(r.next());
      }
    }
  }

  @Test
  void retentionBySizeDeletesOldestCyclesNeverTheNewestAndTellsWhichSeqs() throws Exception {
    try (Spool s = open(1L << 30, Duration.ofDays(1))) {
      for (int c = 0; c < 5; c++) {
        for (int i = 0; i < 2000; i++) {
          s.append(flow(c * 2000 + i));
        }
        clock.advanceMillis(5 * MINUTE);
      }
      s.maintain();
      long all = s.bytes();
      assertTrue(all > 5 * 2000 * 20, "bytes measured: " + all);
    }
    // reopen with a bound of about two cycles' worth: the three oldest go
    try (Spool s = Spool.open(new Spool.Settings(dir, RollCycles.FIVE_MINUTELY, 0, Duration.ofDays(1), clock), "sensor-a")) {
      // maxBytes 0: everything but the newest cycle is too much
      assertEquals(8000, s.firstSeq());
      assertEquals(1, s.cycles());
      assertEquals(10000, s.nextSeq());
      assertEquals(8000, s.deleted());
      List<Event> left = readAll(s, 0);
      assertEquals(2000, left.size(), "from 0: the oldest retained on");
      assertEquals(8000, left.get(0).getSeq());
      try (Stream<Path> files = Files.list(dir.resolve("queue"))) {
        assertEquals(1, files.filter(p -> p.toString().endsWith(".cq4")).count());
      }
    }
    long perCycle;
    try (Spool s = open(1L << 30, Duration.ofDays(1))) {
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 2000; i++) {
          s.append(flow(i));
        }
        clock.advanceMillis(5 * MINUTE);
      }
      s.append(flow(0)); // opens a 5th cycle: 8000.., 10000.., 12000.., 14000.., 16000
      s.maintain();
      perCycle = s.bytes() / 4;
    }
    // a bound of 2.5 full cycles: the two oldest go
    try (Spool t = Spool.open(new Spool.Settings(dir, RollCycles.FIVE_MINUTELY, perCycle * 5 / 2, Duration.ofDays(1), clock), "sensor-a")) {
      assertEquals(12000, t.firstSeq(), "two cycles deleted (8000..11999), 2.5 cycles' bytes kept");
      assertEquals(16001, t.nextSeq());
      assertEquals(4000, t.deleted());
    }
  }

  @Test
  void retentionByAgeAndListenersOnTheWriter() throws Exception {
    List<long[]> gone = new ArrayList<>();
    try (Spool s = open(1L << 30, Duration.ofMinutes(20))) {
      s.addRetentionListener((from, to) -> gone.add(new long[] {from, to}));
      for (int c = 0; c < 4; c++) {
        for (int i = 0; i < 100; i++) {
          s.append(flow(i));
        }
        clock.advanceMillis(5 * MINUTE);
      }
      s.maintain();
      assertEquals(0, gone.size(), "the oldest cycle ended 15 minutes ago: kept");
      clock.advanceMillis(6 * MINUTE);
      s.maintain();
      assertEquals(1, gone.size());
      assertEquals(0, gone.get(0)[0]);
      assertEquals(100, gone.get(0)[1]);
      assertEquals(100, s.firstSeq());
      clock.advanceMillis(60 * MINUTE); // everything is old: all but the newest cycle go
      s.maintain();
      assertEquals(300, s.firstSeq());
      assertEquals(3, gone.size());
      assertEquals(300, gone.get(2)[0] + 100);
      // a reader left before the deleted range moves to the oldest retained record
      List<Event> left = readAll(s, 5);
      assertEquals(100, left.size());
      assertEquals(300, left.get(0).getSeq());
    }
  }
}
