package dev.nsm.sensor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Flow;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  @Test
  void oneLineWithProtoNamesAndPlainEquals() {
    Event e = Event.newBuilder().setFlow(Flow.newBuilder()
        .setUid("C1").setCommunityId("1:odm95RjBJYzShPP05TboaFWcr9w=").setOrigP(80).setProto("tcp")
        .setHistory("a<b>&'c")).build();
    String line = JsonLines.toJson(e);
    assertEquals(-1, line.indexOf('\n'));
    org.junit.jupiter.api.Assertions.assertTrue(line.startsWith("{\"flow\":{\"uid\":\"C1\",\"community_id\":\"1:odm95RjBJYzShPP05TboaFWcr9w=\""), line);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("\"history\":\"a<b>&'c\""), line);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("\"orig_p\":80"), line);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("\"orig_bytes\":\"0\""), line); // counts always printed
  }

  @Test
  void escapedBackslashBeforeUIsKept() {
    // the text \u003d (a backslash, then "u003d") must stay text: JSON "\\u003d"
    assertEquals("{\"a\":\"\\\\u003d=\"}", JsonLines.unescapeHtmlSafe("{\"a\":\"\\\\u003d\\u003d\"}"));
    assertEquals("{\"a\":\"\\u0001\"}", JsonLines.unescapeHtmlSafe("{\"a\":\"\\u0001\"}"));
  }
}
