package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.nsm.proto.v1.Batch;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Stats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled collector's store on a real file: the commit protocol (what was written after the last
 * commit is cut at the next open), dedup by (sensor_id, seq) across opens, the JSON lines' shape.
 */
class CollectorStoreTest {
  @TempDir
  Path tmp;

  private static Event ev(String sensor, long seq) {
    return Event.newBuilder().setSensorId(sensor).setSeq(seq).setFlow(Flow.newBuilder().setUid("C" + seq).setOrigP(1)).build();
  }

  private static byte[] batch(Event... events) {
    return Batch.newBuilder().addAllEvents(List.of(events)).build().toByteArray();
  }

  @Test
  void uncommittedLinesAreCutAtOpenAndDedupSurvives() throws Exception {
    Path out = tmp.resolve("c.jsonl");
    Set<String> touched = new LinkedHashSet<>();
    try (CollectorStore s = CollectorStore.open(out)) {
      s.write(batch(ev("a", 0), ev("a", 1), ev("b", 7)), touched);
      s.commit();
      assertEquals(Set.of("a", "b"), touched);
      assertEquals(1, s.hwm("a"));
      assertEquals(7, s.hwm("b"));
      s.write(batch(ev("a", 2), ev("a", 3)), touched);
      // no commit: a crash here loses these lines from the file, and they were never acked
    }
    long committed = Files.readAllLines(out).size();
    assertTrue(committed >= 3, "the uncommitted lines were flushed at close (as a crash might leave them)");
    try (CollectorStore s = CollectorStore.open(out)) {
      assertEquals(3, Files.readAllLines(out).size(), "cut back to the committed length");
      assertEquals(1, s.hwm("a"), "the high-water marks of the last commit");
      s.write(batch(ev("a", 1), ev("a", 2), ev("a", 3), ev("b", 7), ev("b", 8)), touched);
      s.commit();
      assertEquals(2, s.duplicates(), "a/1 and b/7 were stored before");
      assertEquals(3, s.stored());
    }
    List<String> lines = Files.readAllLines(out);
    assertEquals(List.of(
        "{\"sensor_id\":\"a\",\"seq\":\"0\",",
        "{\"sensor_id\":\"a\",\"seq\":\"1\",",
        "{\"sensor_id\":\"b\",\"seq\":\"7\",",
        "{\"sensor_id\":\"a\",\"seq\":\"2\",",
        "{\"sensor_id\":\"a\",\"seq\":\"3\",",
        "{\"sensor_id\":\"b\",\"seq\":\"8\","), lines.stream().map(l -> l.substring(0, l.indexOf(",\"flow\"") + 1)).toList());
    assertTrue(lines.get(0).endsWith(",\"flow\":{\"uid\":\"C0\",\"community_id\":\"\",\"orig_h\":\"\",\"orig_p\":1,\"resp_h\":\"\","
        + "\"resp_p\":0,\"proto\":\"\",\"service\":[],\"orig_bytes\":\"0\",\"resp_bytes\":\"0\",\"conn_state\":\"\",\"history\":\"\","
        + "\"missed_bytes\":\"0\",\"orig_pkts\":\"0\",\"orig_ip_bytes\":\"0\",\"resp_pkts\":\"0\",\"resp_ip_bytes\":\"0\",\"vlan\":[],"
        + "\"end_reason\":\"END_REASON_UNSPECIFIED\",\"tunnel_parents\":[],\"ip_proto\":0}}"), lines.get(0));
    String state = Files.readString(CollectorStore.stateOf(out));
    assertTrue(state.startsWith("length " + Files.size(out) + "\n"), state);
    assertTrue(state.contains("sensor 3 a\n") && state.contains("sensor 8 b\n"), state);
  }

  @Test
  void statsRecordsTakeTheWirePathAndBadBatchesAreRefused() throws Exception {
    Path out = tmp.resolve("s.jsonl");
    try (CollectorStore s = CollectorStore.open(out)) {
      Set<String> touched = new LinkedHashSet<>();
      Event stats = Event.newBuilder().setSensorId("a").setSeq(5).setStats(Stats.newBuilder().putCounters("x", 2)).build();
      s.write(batch(stats), touched);
      s.commit();
      assertEquals(0, s.slowPath(), "WireJson writes maps: no parsing");
      byte[] good = batch(ev("a", 6));
      byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
      assertThrows(InvalidProtocolBufferException.class, () -> s.write(cut, touched));
      s.commit();
    }
    List<String> lines = Files.readAllLines(out);
    assertEquals(1, lines.size());
    assertTrue(lines.get(0).startsWith("{\"sensor_id\":\"a\",\"seq\":\"5\",\"stats\":{"), lines.get(0));
    assertTrue(lines.get(0).contains("\"counters\":{\"x\":\"2\"}"), lines.get(0));
  }

  @Test
  void aFileWithoutItsStateIsNotTakenBlindly() throws Exception {
    Path out = tmp.resolve("x.jsonl");
    Files.writeString(out, "{\"some\":\"line\"}\n");
    Exception e = assertThrows(java.io.IOException.class, () -> CollectorStore.open(out));
    assertTrue(e.getMessage().contains("has lines but no"), e.getMessage());
  }
}
