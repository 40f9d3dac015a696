package dev.nsm.sensor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import dev.nsm.proto.v1.Stats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link ProtoJson} against the reference, protobuf's {@code JsonFormat} (with the HTML-safe escapes
 * of {@code = < > & '} turned back): byte for byte, on every golden record and on random records.
 */
class JsonLinesTest {
  private static final JsonFormat.Printer REFERENCE = JsonFormat.printer()
      .preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

  static String reference(Event e) throws InvalidProtocolBufferException {
    return REFERENCE.print(e).replace("\\u003d", "=").replace("\\u003c", "<").replace("\\u003e", ">")
        .replace("\\u0026", "&").replace("\\u0027", "'");
  }

  @Test
  void oneLineWithProtoNamesAndPlainEquals() {
    Event e = Event.newBuilder().setFlow(Flow.newBuilder()
        .setUid("C1").setCommunityId("1:odm95RjBJYzShPP05TboaFWcr9w=").setOrigP(80).setProto("tcp")
        .setHistory("a<b>&'c")).build();
    String line = JsonLines.toJson(e);
    assertEquals(-1, line.indexOf('\n'));
    assertTrue(line.startsWith("{\"flow\":{\"uid\":\"C1\",\"community_id\":\"1:odm95RjBJYzShPP05TboaFWcr9w=\""), line);
    assertTrue(line.contains("\"history\":\"a<b>&'c\""), line);
    assertTrue(line.contains("\"orig_p\":80"), line);
    assertTrue(line.contains("\"orig_bytes\":\"0\""), line); // counts are always printed
    assertTrue(!line.contains("\"ts\""), line); // an unset timestamp is not
  }

  @Test
  void sameAsJsonFormatOnEveryGoldenRecord() throws IOException {
    String root = System.getProperty("sensor.repo.root", "..");
    List<Path> goldens;
    try (var s = Files.list(Path.of(root, "testdata"))) {
      goldens = s.filter(p -> p.toString().endsWith(".expected.jsonl")).collect(Collectors.toList());
    }
    assertTrue(goldens.size() > 10, "golden files not found");
    JsonFormat.Parser parser = JsonFormat.parser();
    int n = 0;
    for (Path g : goldens) {
      for (String line : Files.readAllLines(g, StandardCharsets.UTF_8)) {
        Event.Builder b = Event.newBuilder();
        parser.merge(line, b);
        Event e = b.build();
        assertEquals(reference(e), ProtoJson.print(e), g.toString());
        assertEquals(reference(e), ProtoJson.printReflective(e), g.toString());
        assertEquals(line, ProtoJson.print(e), "golden line not reproduced in " + g);
        n++;
      }
    }
    assertTrue(n > 40);
  }

  @Test
  void sameAsJsonFormatOnRandomRecords() throws InvalidProtocolBufferException {
    WireJson direct = new WireJson();
    Random r = new Random(20261125);
    // code points, not chars: a string with an unpaired surrogate cannot travel as protobuf bytes
    int[] chars = "aZ09 =<>&'\"\\\t\n\r\b\f\u0001\u001f\u2028\u2029é€😀/".codePoints().toArray();
    for (int i = 0; i < 5000; i++) {
      StringBuilder s = new StringBuilder();
      for (int k = r.nextInt(12); k > 0; k--) {
        s.appendCodePoint(chars[r.nextInt(chars.length)]);
      }
      Flow.Builder f = Flow.newBuilder().setUid(s.toString()).setHistory(s.reverse().toString())
          .setOrigP(r.nextInt(65536)).setOrigBytes(r.nextLong()).setRespBytes(r.nextInt(3))
          .setEndReason(EndReason.forNumber(r.nextInt(5))).setIpProto(r.nextInt(256));
      if (r.nextBoolean()) {
        f.setTs(Timestamp.newBuilder().setSeconds(r.nextInt(2_000_000_000)).setNanos(pickNanos(r)));
      }
      if (r.nextBoolean()) {
        long secs = r.nextInt(100_000) * (r.nextBoolean() ? 1 : -1);
        int nanos = pickNanos(r);
        f.setDuration(Duration.newBuilder().setSeconds(secs).setNanos(secs < 0 ? -nanos : secs == 0 && r.nextBoolean() ? -nanos : nanos));
      }
      for (int k = r.nextInt(3); k > 0; k--) {
        f.addVlan(r.nextInt(4096)).addService(s.toString()).addTunnelParents("");
      }
      Event e = r.nextInt(4) == 0
          ? Event.newBuilder().setStats(Stats.newBuilder().setPacketsRead(r.nextLong())
              .putMalformed("a" + i, r.nextInt(9)).putMalformed(s.toString(), -1L).putCounters("x", 3)).build()
          : Event.newBuilder().setFlow(f).setSeq(r.nextInt(3)).build();
      assertEquals(reference(e), ProtoJson.print(e));
      assertEquals(reference(e), ProtoJson.printReflective(e));
      if (e.hasFlow()) {
        assertTrue(direct.flowLine(e));
        assertEquals(reference(e) + "\n", new String(direct.bytes(), 0, direct.length(), StandardCharsets.UTF_8));
      }
    }
  }

  private static int pickNanos(Random r) {
    switch (r.nextInt(4)) {
      case 0: return 0;
      case 1: return r.nextInt(1000) * 1_000_000;
      case 2: return r.nextInt(1_000_000) * 1000;
      default: return r.nextInt(1_000_000_000);
    }
  }

  @Test
  void linesAreUtf8() throws IOException {
    java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
    JsonLines w = new JsonLines(bos);
    Event e = Event.newBuilder().setFlow(Flow.newBuilder().setUid("é€😀\u2028")).build();
    w.accept(e);
    w.accept(e);
    w.flush();
    String text = bos.toString(StandardCharsets.UTF_8);
    String one = ProtoJson.print(e) + "\n";
    assertEquals(one + one, text);
    assertEquals(2, w.lines());
  }
}
