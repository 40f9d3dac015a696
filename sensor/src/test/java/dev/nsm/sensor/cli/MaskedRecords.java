package dev.nsm.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test helper: the records of a replay in a form where two captures of the same traffic taken at
 * two points (inside a tunnel and outside it, or before and after a mirror) compare equal.
 *
 * <p>What is masked, and why (nothing else is):
 * <ul>
 *   <li>{@code ts}, {@code last_ts}: the two capture points stamp each packet a few microseconds
 *       apart (the underlay copy is stamped before or after the inner one, the ERSPAN copy after
 *       the frame was sent).
 *   <li>{@code duration} (flows) and {@code rtt} (dns): differences of those timestamps.
 *   <li>{@code uid}: a hash of the first packet's time and tuple, so it changes with {@code ts}.
 *       It is not dropped but replaced by the flow's 5-tuple ({@code proto orig_h:orig_p >
 *       resp_h:resp_p}, taken from the flow record of that uid): an app record still has to
 *       name the right flow, and {@code tunnel_parents} the right outer flow.
 *   <li>the {@code stats} record: its packet and byte counts are those of the outer packets.
 * </ul>
 * Every other field (community_id, conn_state, history, sizes, packet counts, service, each DNS,
 * TLS and HTTP field) must be equal.
 */
final class MaskedRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TIMES = Set.of("ts", "last_ts", "duration", "rtt");

  private MaskedRecords() {}

  /** The records (without stats), masked as above, as sorted text lines "type {json}". */
  static List<String> of(List<String> lines) {
    List<ObjectNode> records = new ArrayList<>();
    Map<String, String> tupleOfUid = new HashMap<>();
    for (String line : lines) {
      ObjectNode event;
      try {
        event = (ObjectNode) JSON.readTree(line);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + line, e);
      }
      if (event.has("stats")) {
        continue;
      }
      records.add(event);
      JsonNode flow = event.get("flow");
      if (flow != null) {
        tupleOfUid.put(flow.path("uid").asText(), tuple(flow));
      }
    }
    List<String> out = new ArrayList<>();
    for (ObjectNode event : records) {
      String type = event.fieldNames().next();
      ObjectNode body = (ObjectNode) event.get(type);
      for (String f : TIMES) {
        body.remove(f);
      }
      if (body.has("uid")) {
        body.put("uid", tupleOfUid.getOrDefault(body.get("uid").asText(), "unknown uid"));
      }
      JsonNode parents = body.get("tunnel_parents");
      if (parents instanceof ArrayNode) {
        ArrayNode mapped = JSON.createArrayNode();
        for (Iterator<JsonNode> it = parents.elements(); it.hasNext(); ) {
          mapped.add(tupleOfUid.getOrDefault(it.next().asText(), "unknown uid"));
        }
        body.set("tunnel_parents", mapped);
      }
      out.add(type + " " + body);
    }
    Collections.sort(out);
    return out;
  }

  /** The tuple that names a flow once its uid is masked. */
  static String tuple(JsonNode flow) {
    return flow.path("proto").asText() + " " + flow.path("orig_h").asText() + ":" + flow.path("orig_p").asText()
        + " > " + flow.path("resp_h").asText() + ":" + flow.path("resp_p").asText();
  }

  /** The same lines with the named fields removed from every record (e.g. tunnel_parents). */
  static List<String> without(List<String> masked, String... fields) {
    List<String> out = new ArrayList<>();
    for (String line : masked) {
      int sp = line.indexOf(' ');
      try {
        ObjectNode body = (ObjectNode) JSON.readTree(line.substring(sp + 1));
        for (String f : fields) {
          body.remove(f);
        }
        out.add(line.substring(0, sp) + " " + body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Collections.sort(out);
    return out;
  }

  /** The parsed body of a masked line. */
  static JsonNode body(String maskedLine) {
    try {
      return JSON.readTree(maskedLine.substring(maskedLine.indexOf(' ') + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
