package dev.nsm.bench;

import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.output.JsonLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one flow record costs on its way out, one op = one record: the replay's JSON line
 * ({@link JsonLines#toJson}, protobuf's JsonFormat printer) next to the protobuf binary encoding
 * (what a spool or gRPC would carry). The records are the project's golden flow records
 * ({@code testdata/*.expected.jsonl}, {@code -p testdata=DIR}), parsed once.
 *
 * <p>Why: in a replay the JSON printing runs on one thread (the record ring's consumer) for every
 * flow; at N µs per record it caps the replay at 1/N million flows per second, whatever the
 * packet path does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Thread)
public class RecordJsonBenchmark {
  /** Directory of the golden files (bench/jmh.sh passes the repository's testdata/). */
  @Param({"testdata"})
  public String testdata;

  private Event[] events;
  private int next;

  @Setup(Level.Trial)
  public void load() throws IOException {
    List<Event> list = new ArrayList<>();
    JsonFormat.Parser parser = JsonFormat.parser();
    try (Stream<Path> files = Files.list(Path.of(testdata))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".expected.jsonl")).sorted()::iterator) {
        for (String line : Files.readAllLines(f)) {
          if (line.startsWith("{\"flow\"")) {
            Event.Builder b = Event.newBuilder();
            parser.merge(line, b);
            list.add(b.build());
          }
        }
      }
    }
    if (list.isEmpty()) {
      throw new IOException("no flow records in " + testdata + "/*.expected.jsonl");
    }
    events = list.toArray(new Event[0]);
    System.out.printf("%n# %d flow records from %s%n", events.length, testdata);
  }

  private Event nextEvent() {
    Event e = events[next];
    if (++next == events.length) {
      next = 0;
    }
    return e;
  }

  @Benchmark
  public String jsonFormat() {
    return JsonLines.toJson(nextEvent());
  }

  private final JsonLines lines = new JsonLines(java.io.OutputStream.nullOutputStream());

  /** What the replay does per flow record: JsonLines (WireJson.flowLine) into a stream; ~0 B/op once warm. */
  @Benchmark
  public long jsonLine() throws IOException {
    lines.accept(nextEvent());
    return lines.lines();
  }

  @Benchmark
  public byte[] protobufBinary() {
    return nextEvent().toByteArray();
  }
}
