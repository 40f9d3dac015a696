package dev.nsm.sensor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.capture.CaptureFiles;
import dev.nsm.sensor.capture.PacketSource;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.pipeline.Ingest;
import dev.nsm.sensor.pipeline.Pipeline;
import dev.nsm.sensor.pipeline.RecordSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The flow tables print flow records straight into JSON lines when the sink takes them (replay's JSON
 * output, {@link RecordSink#takesJsonLines}), without building an Event. This checks, on every capture
 * in testdata (tunnels, VLANs, ICMP, IPv6, every conn_state) and on every capture of the corpus when
 * it is beside the repository, that those lines are byte for byte what {@link JsonLines} prints for
 * the Events of the same flows, and that they are as many.
 */
class FlowLineDirectTest {

  /** Collects lines: either the flow tables' own, or JsonLines' rendering of each Event. */
  static final class Collect implements RecordSink {
    final boolean lines;
    final List<String> out = new ArrayList<>();
    final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    final JsonLines json = new JsonLines(buf);
    int direct;

    Collect(boolean lines) {
      this.lines = lines;
    }

    @Override
    public synchronized void emit(Event event) {
      try {
        buf.reset();
        json.accept(event);
        json.flush();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      out.add(buf.toString(StandardCharsets.UTF_8));
    }

    @Override
    public boolean takesJsonLines() {
      return lines;
    }

    @Override
    public synchronized void emitLine(byte[] line) {
      direct++;
      out.add(new String(line, StandardCharsets.UTF_8));
    }
  }

  static Collect replay(Path capture, boolean lines) throws IOException {
    Collect sink = new Collect(lines);
    Pipeline pipeline = new Pipeline(1, 1 << 10, FlowConfig.defaults().perWorker(1), sink);
    Ingest ingest = pipeline.ingest();
    try (PacketSource src = CaptureFiles.open(capture.toString())) {
      while (src.next(ingest)) {
        // all of it
      }
    } catch (IOException | RuntimeException e) {
      // a damaged capture: the records made up to there are compared all the same
    }
    pipeline.finish();
    return sink;
  }

  static List<Path> captures() throws IOException {
    Path root = Path.of(System.getProperty("sensor.repo.root", "..")).toAbsolutePath().normalize();
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.list(root.resolve("testdata"))) {
      all.addAll(s.filter(p -> p.toString().matches(".*\\.pcap(ng)?(\\.gz)?$")).sorted().collect(Collectors.toList()));
    }
    Path corpus = root.resolve("../shared/testdata").normalize();
    if (Files.isDirectory(corpus)) {
      try (Stream<Path> s = Files.list(corpus)) {
        for (Path d : s.filter(Files::isDirectory).sorted().collect(Collectors.toList())) {
          for (String n : new String[] {"capture.pcap", "capture.pcapng"}) {
            if (Files.isRegularFile(d.resolve(n))) {
              all.add(d.resolve(n));
            }
          }
        }
      }
    }
    return all;
  }

  @Test
  void directFlowLinesEqualThoseOfTheEvents() throws Exception {
    List<Path> captures = captures();
    assertTrue(captures.size() >= 20, "testdata captures: " + captures);
    long flows = 0;
    for (Path c : captures) {
      Collect viaEvents = replay(c, false);
      Collect direct = replay(c, true);
      assertEquals(0, viaEvents.direct, c.toString());
      List<String> a = viaEvents.out.stream().filter(l -> l.startsWith("{\"flow\":")).collect(Collectors.toList());
      assertEquals(a.size(), direct.direct, c + ": every flow record should have come as a line");
      // as sets of lines: the outer tunnel flows' records come from the ingest thread, whose order
      // against the worker's records depends on thread timing (as in replay's output)
      List<String> x = new ArrayList<>(viaEvents.out);
      List<String> y = new ArrayList<>(direct.out);
      x.sort(null);
      y.sort(null);
      assertEquals(x, y, c.toString());
      flows += a.size();
    }
    assertTrue(flows > 500, "flow records compared: " + flows); // testdata alone has ~200
    System.out.printf("FlowLineDirectTest: %d captures, %d flow records identical%n", captures.size(), flows);
  }

  /** A line from values, checked by reading it: every field, in the Event's order and format. */
  @Test
  void aFlowLineFromItsValues() {
    WireJson w = new WireJson();
    byte[] ok = w.flowLine("C1", "1:x", 1_500_000_000_123_000_000L, 1_500_000_001_000_000_000L, "1.2.3.4", 1,
        "5.6.7.8", 2, "udp", new String[] {"dns"}, 1, new String[] {"Cp"}, 1, 877_000_000L, 3, 4, "SF", "Dd",
        0, 1, 28, 1, 29, 2, 10, 20, dev.nsm.proto.v1.EndReason.END_REASON_TIMEOUT, 17);
    assertEquals("{\"flow\":{\"uid\":\"C1\",\"community_id\":\"1:x\",\"ts\":\"2017-07-14T02:40:00.123Z\","
        + "\"last_ts\":\"2017-07-14T02:40:01Z\",\"orig_h\":\"1.2.3.4\",\"orig_p\":1,\"resp_h\":\"5.6.7.8\","
        + "\"resp_p\":2,\"proto\":\"udp\",\"service\":[\"dns\"],\"duration\":\"0.877s\",\"orig_bytes\":\"3\","
        + "\"resp_bytes\":\"4\",\"conn_state\":\"SF\",\"history\":\"Dd\",\"missed_bytes\":\"0\",\"orig_pkts\":\"1\","
        + "\"orig_ip_bytes\":\"28\",\"resp_pkts\":\"1\",\"resp_ip_bytes\":\"29\",\"vlan\":[10,20],"
        + "\"end_reason\":\"END_REASON_TIMEOUT\",\"tunnel_parents\":[\"Cp\"],\"ip_proto\":17}}\n",
        new String(ok, StandardCharsets.UTF_8));
  }
}
