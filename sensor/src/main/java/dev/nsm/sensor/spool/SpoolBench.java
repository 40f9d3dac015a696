package dev.nsm.sensor.spool;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The spool's cost per record, for bench/delivery-bench.sh: appends N flow records shaped like the
 * pipeline's (every field of a closed TCP connection set) to a new spool in DIR on one thread, then
 * reads them back with one reader, and prints ns per record each way and bytes per record on disk.
 *
 * <pre>
 *   java [Chronicle's --add-exports/--add-opens] -cp sensor.jar dev.nsm.sensor.spool.SpoolBench DIR [N]
 * </pre>
 *
 * The records are made before the clock starts (a pool of 4096 distinct ones, reused): what is
 * timed is the writer's work, serializing an Event and appending it, as the spool writer thread does.
 */
public final class SpoolBench {
  private SpoolBench() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
    if (args.length < 1) {
      System.err.println("usage: SpoolBench DIR [N]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    if (Files.exists(dir.resolve("queue"))) {
      System.err.println("SpoolBench: " + dir + " already holds a spool; give a new directory");
      System.exit(2);
    }
    Event[] pool = new Event[4096];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = record(i);
    }
    try (Spool spool = Spool.open(new Spool.Settings(dir, Spool.ROLL_CYCLES.get("1h"), 1L << 40, java.time.Duration.ofDays(30)), "bench-sensor")) {
      int warm = Math.min(200_000, n / 4);
      for (int i = 0; i < warm; i++) {
        spool.append(pool[i & 4095]);
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        spool.append(pool[i & 4095]);
      }
      long t1 = System.nanoTime();
      spool.maintain();
      long bytes = spool.bytes();
      long total = (long) n + warm;
      long read = 0;
      long t2 = System.nanoTime();
      try (SpoolReader r = spool.reader()) {
        r.seek(0);
        while (r.next()) {
          read += r.length();
        }
      }
      long t3 = System.nanoTime();
      System.out.printf(Locale.ROOT, "spool write: %d flow records, %.0f ns per record (%.0f records/s), %.0f bytes per record on disk "
          + "(Event %d bytes)%n", n, (t1 - t0) / (double) n, n * 1e9 / (t1 - t0), bytes / (double) total, pool[0].getSerializedSize());
      System.out.printf(Locale.ROOT, "spool read:  %d records, %.0f ns per record (%.0f MB of entries)%n", total, (t3 - t2) / (double) total,
          read / 1e6);
    }
  }

  /** A flow record as the pipeline makes one for a closed TCP connection. */
  static Event record(int i) {
    long ts = 1_700_000_000L + i;
    return Event.newBuilder().setFlow(Flow.newBuilder()
        .setUid("C" + Long.toString(0x9e3779b97f4a7c15L * (i + 1) >>> 4, 36).toUpperCase(Locale.ROOT))
        .setCommunityId("1:" + Integer.toHexString(i * 2654435761L > 0 ? i : -i) + "qUzOJ4c6bdCfGTWQAvpAkIA5K0=")
        .setTs(Timestamp.newBuilder().setSeconds(ts).setNanos(123_456_000))
        .setLastTs(Timestamp.newBuilder().setSeconds(ts + 2).setNanos(654_321_000))
        .setOrigH("10.1." + ((i >> 8) & 255) + "." + (i & 255)).setOrigP(40000 + (i & 8191))
        .setRespH("192.0.2." + (i % 200)).setRespP(443)
        .setProto("tcp").addService("ssl")
        .setDuration(Duration.newBuilder().setSeconds(2).setNanos(530_865_000))
        .setOrigBytes(517 + i % 1000).setRespBytes(4096 + i % 5000)
        .setConnState("SF").setHistory("ShADadFf")
        .setOrigPkts(12).setOrigIpBytes(1300 + i % 1000).setRespPkts(10).setRespIpBytes(5000 + i % 5000)
        .setEndReason(EndReason.END_REASON_CLOSED).setIpProto(6))
        .build();
  }
}
