package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QUIC in the conformance corpus (third-party captures of Chrome, Firefox, msquic, Facebook and
 * Cloudflare handshakes, with Retry, ClientHellos over several Initial packets, out of order, with a
 * hole): each ClientHello tshark reads gives a tls record over UDP with tshark's SNI and JA3, and
 * its ServerHello tshark's JA3S and cipher. Skipped when the corpus is absent.
 */
class QuicCorpusTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"ja4-quic", "quic-frag", "quic-frag-middle-gap", "quic-frag-unordered", "quic-frag-wait",
      "quic-ietf-ja3", "quic-initial-not-first", "ja4-rules-disabled", "zeek-core.ppp"})
  void tlsOverQuicEqualsTsharks(String name) throws IOException {
    Path dir = Replay.corpus().resolve(name);
    assumeTrue(Files.isDirectory(dir), "conformance corpus not found at " + dir);
    Path pcap = Files.exists(dir.resolve("capture.pcap")) ? dir.resolve("capture.pcap") : dir.resolve("capture.pcapng");
    Replay r = Replay.run(tmp, pcap.toString(), "--workers", "2");
    assertEquals(0, r.exit, r.err);
    List<Tls> tls = new ArrayList<>();
    for (String line : r.lines) {
      if (line.startsWith("{\"tls\"")) {
        Event.Builder b = Event.newBuilder();
        JsonFormat.parser().merge(line, b);
        tls.add(b.getTls());
      }
    }
    List<Map<String, String>> rows = tsv(dir.resolve("expected/tshark-tls.tsv")).stream()
        .filter(row -> row.get("proto").equals("udp")).collect(Collectors.toList());
    int clients = 0;
    for (Map<String, String> row : rows) {
      boolean client = row.get("kind").equals("client");
      String port = client ? row.get("src_p") : row.get("dst_p");
      List<Tls> of = tls.stream().filter(t -> String.valueOf(t.getOrigP()).equals(port)).collect(Collectors.toList());
      assertEquals(1, of.size(), name + " client port " + port + ": " + tls);
      Tls t = of.get(0);
      if (client) {
        clients++;
        assertEquals(row.get("server_name"), t.getServerName(), name);
        assertEquals(row.get("ja3"), t.getJa3(), name);
        assertTrue(t.getJa4().startsWith("q"), "JA4 of QUIC starts with q: " + t.getJa4());
      } else {
        assertEquals(row.get("ja3s"), t.getJa3S(), name);
        assertEquals(row.get("cipher"), t.getCipher(), name);
        assertEquals("TLSv13", t.getVersion(), name);
      }
    }
    assertTrue(clients > 0, name + ": no QUIC ClientHello in tshark's rows");
  }

  private static List<Map<String, String>> tsv(Path f) throws IOException {
    List<String> lines = Files.readAllLines(f);
    String[] head = lines.get(0).split("\t", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] v = l.split("\t", -1);
      Map<String, String> m = new java.util.HashMap<>();
      for (int i = 0; i < head.length; i++) {
        m.put(head[i], i < v.length ? v[i] : "");
      }
      rows.add(m);
    }
    return rows;
  }
}
