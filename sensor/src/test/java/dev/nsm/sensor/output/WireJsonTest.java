package dev.nsm.sensor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Stats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link WireJson} writes, from wire bytes, exactly the line {@link ProtoJson} (through
 * {@link JsonLines}) writes for the parsed message: on every golden record of testdata/, on random
 * flows with hostile strings and values, and on encodings protobuf's own serializer never makes
 * (fields out of order, repeated, unknown fields). Where it must decline (merged messages, a map key
 * twice, bad UTF-8, truncation), it says so. The reference is protobuf's JsonFormat.
 */
class WireJsonTest {
  private final WireJson wire = new WireJson();

  /** protobuf's JsonFormat (JsonLines itself prints with WireJson: not a reference). */
  private static String reference(Event e) throws Exception {
    return JsonLinesTest.reference(e) + "\n";
  }

  private void assertSame(Event e, byte[] bytes) throws Exception {
    assertTrue(wire.line(Event.getDescriptor(), bytes, 0, bytes.length), "declined: " + e);
    assertEquals(reference(e), new String(wire.bytes(), 0, wire.length(), StandardCharsets.UTF_8));
    // a flow record is also written straight from the message: the same bytes
    Event parsed = Event.parseFrom(bytes);
    assertEquals(parsed.hasFlow(), wire.flowLine(parsed));
    if (parsed.hasFlow()) {
      assertEquals(reference(e), new String(wire.bytes(), 0, wire.length(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void flowLineOfStringsProtobufCannotCarryAsTheyAre() throws Exception {
    // an unpaired surrogate: protobuf's UTF-8 writes '?', and so does flowLine
    Event e = Event.newBuilder().setFlow(Flow.newBuilder().setUid("a\uD800b").setHistory("\uDC00")
        .addService("x\uD83D")).build();
    byte[] bytes = e.toByteArray();
    assertTrue(wire.line(Event.getDescriptor(), bytes, 0, bytes.length));
    String fromWire = new String(wire.bytes(), 0, wire.length(), StandardCharsets.UTF_8);
    assertTrue(fromWire.contains("\"uid\":\"a?b\""), fromWire);
    assertTrue(wire.flowLine(e));
    assertEquals(fromWire, new String(wire.bytes(), 0, wire.length(), StandardCharsets.UTF_8));
    assertFalse(wire.flowLine(Event.newBuilder().setStats(Stats.newBuilder()).build()), "not a flow");
  }

  private static Path repoRoot() {
    return Path.of(System.getProperty("sensor.repo.root", "..")).toAbsolutePath().normalize();
  }

  @Test
  void everyGoldenFlowRecordOfTestdata() throws Exception {
    List<Event> events = new ArrayList<>();
    try (Stream<Path> files = Files.list(repoRoot().resolve("testdata"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".expected.jsonl")).sorted().toList()) {
        for (String line : Files.readAllLines(f)) {
          Event.Builder b = Event.newBuilder();
          JsonFormat.parser().merge(line, b);
          events.add(b.setSensorId("sensor-ü").setSeq(events.size() * 7919L).build());
        }
      }
    }
    assertTrue(events.size() > 50, "testdata has golden records: " + events.size());
    int flows = 0;
    for (Event e : events) {
      assertSame(e, e.toByteArray());
      if (!e.hasStats()) {
        flows++;
      }
    }
    assertTrue(flows > 30);
  }

  @Test
  void randomFlowsWithHostileStringsAndValues() throws Exception {
    Random r = new Random(42);
    String[] nasty = {"", "a\"b\\c", "tab\there\nnl\r\f\b", "\u0001\u001f\u007f", "line\u2028sep\u2029", "é中文", "emoji \uD83D\uDE00 x",
        "<html>&'=", "\u00a0\u0800\uffff"};
    for (int i = 0; i < 2000; i++) {
      Flow.Builder f = Flow.newBuilder()
          .setUid(nasty[r.nextInt(nasty.length)] + i)
          .setOrigH(nasty[r.nextInt(nasty.length)])
          .setOrigP(r.nextInt())
          .setRespP(r.nextInt(65536))
          .setOrigBytes(r.nextLong())
          .setRespBytes(r.nextBoolean() ? 0 : Long.MIN_VALUE)
          .setHistory(nasty[r.nextInt(nasty.length)])
          .setEndReasonValue(r.nextInt(6)) // 5: a value this build does not know, written as a number
          .setIpProto(r.nextInt(256));
      for (int k = r.nextInt(3); k > 0; k--) {
        f.addVlan(r.nextInt(4096)).addService(nasty[r.nextInt(nasty.length)]).addTunnelParents("C" + k);
      }
      if (r.nextBoolean()) {
        long secs = r.nextInt(3) == 0 ? -(long) r.nextInt(2_000_000_000) * 31 : r.nextInt(3) == 0 ? 253_402_300_799L - r.nextInt(1 << 30)
            : r.nextInt(2_000_000_000);
        int[] fracs = {0, 5_000_000, 123_456_000, 7, r.nextInt(1_000_000_000)};
        f.setTs(com.google.protobuf.Timestamp.newBuilder().setSeconds(secs).setNanos(fracs[r.nextInt(fracs.length)]));
        int ds = r.nextInt(100);
        int dn = r.nextInt(4) * 250_000_000 + (r.nextBoolean() ? 0 : r.nextInt(1000));
        f.setDuration(r.nextInt(4) == 0 ? com.google.protobuf.Duration.newBuilder().setSeconds(-ds).setNanos(-dn).build()
            : com.google.protobuf.Duration.newBuilder().setSeconds(ds).setNanos(dn).build());
      }
      Event.Builder e = Event.newBuilder().setFlow(f);
      if (r.nextBoolean()) {
        e.setSensorId(nasty[r.nextInt(nasty.length)]).setSeq(r.nextLong());
      }
      Event ev = e.build();
      assertSame(ev, ev.toByteArray());
    }
  }

  @Test
  void encodingsProtobufNeverWritesButParsers() throws Exception {
    Flow flow = Flow.newBuilder().setUid("Cabc").setOrigP(80).addVlan(10).addVlan(20).setEndReason(EndReason.END_REASON_CLOSED).build();
    // the record first, then seq, then sensor_id; an unknown field; orig_p twice (the last wins)
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(b);
    c.writeMessage(10, flow);
    c.writeUInt64(2, 99);
    c.writeString(999, "unknown");
    c.writeString(1, "s1");
    c.flush();
    byte[] bytes = b.toByteArray();
    Event parsed = Event.parseFrom(bytes);
    assertSame(parsed, bytes);

    ByteArrayOutputStream b2 = new ByteArrayOutputStream();
    CodedOutputStream c2 = CodedOutputStream.newInstance(b2);
    Flow twice = flow.toBuilder().setOrigP(443).build();
    byte[] inner = concat(flow.toByteArray(), Flow.newBuilder().setOrigP(443).build().toByteArray());
    c2.writeByteArray(10, inner); // one flow field whose bytes hold orig_p twice: 80 then 443
    c2.flush();
    assertSame(Event.newBuilder().setFlow(twice).build(), b2.toByteArray());

    // unpacked repeated vlan (protobuf writes proto3 repeated scalars packed)
    ByteArrayOutputStream b3 = new ByteArrayOutputStream();
    CodedOutputStream c3 = CodedOutputStream.newInstance(b3);
    c3.writeUInt32(21, 7);
    c3.writeString(1, "u");
    c3.writeUInt32(21, 8);
    c3.flush();
    ByteArrayOutputStream b4 = new ByteArrayOutputStream();
    CodedOutputStream c4 = CodedOutputStream.newInstance(b4);
    c4.writeByteArray(10, b3.toByteArray());
    c4.flush();
    assertSame(Event.parseFrom(b4.toByteArray()), b4.toByteArray());
  }

  @Test
  void declinesWhatItCannotWriteExactly() throws Exception {
    // maps are written (the stats record), but a key sent twice is declined (protobuf keeps the last)
    Event stats = Event.newBuilder().setStats(Stats.newBuilder().putCounters("a", 1).putCounters("b", 0)
        .putMalformed("", 7)).build();
    assertSame(stats, stats.toByteArray());
    byte[] entry = Stats.newBuilder().putCounters("a", 1).build().toByteArray();
    byte[] twice = concat(entry, entry);
    ByteArrayOutputStream bs = new ByteArrayOutputStream();
    CodedOutputStream cs = CodedOutputStream.newInstance(bs);
    cs.writeByteArray(Event.STATS_FIELD_NUMBER, twice);
    cs.flush();
    assertFalse(wire.line(Event.getDescriptor(), bs.toByteArray(), 0, bs.size()), "a map key twice");
    byte[] two = concat(Event.newBuilder().setFlow(Flow.newBuilder().setUid("a")).build().toByteArray(),
        Event.newBuilder().setFlow(Flow.newBuilder().setOrigP(1)).build().toByteArray());
    assertFalse(wire.line(Event.getDescriptor(), two, 0, two.length), "a message field twice: protobuf merges");
    byte[] ok = Event.newBuilder().setFlow(Flow.newBuilder().setUid("abc")).build().toByteArray();
    assertFalse(wire.line(Event.getDescriptor(), ok, 0, ok.length - 1), "truncated");
    byte[] bad = ok.clone();
    bad[bad.length - 1] = (byte) 0xff;
    assertFalse(wire.line(Event.getDescriptor(), bad, 0, bad.length), "not UTF-8");
    assertTrue(wire.line(Event.getDescriptor(), ok, 0, ok.length), "and it goes on after declining");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
