package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each capture in {@code testdata/} has its expected records beside it
 * ({@code NAME.expected.jsonl}, lines in time order, the stats line last). The whole file is compared.
 * Regenerate with {@code mvn -B verify -Dgolden.update=true} and read the diff like code.
 */
class GoldenReplayTest {
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");
  private static final Pattern TS = Pattern.compile("\"ts\":\"([^\"]*)\"");

  @TempDir
  Path tmp;

  static Stream<Path> captures() throws IOException {
    return Files.list(Replay.repoRoot().resolve("testdata"))
        .filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
        .sorted();
  }

  @ParameterizedTest
  @MethodSource("captures")
  void recordsEqualTheGoldenFile(Path capture) throws IOException {
    Replay r = Replay.run(tmp, capture.toString(), "--workers", "2");
    assertEquals(0, r.exit, r.err);
    List<String> got = inOrder(r.lines);
    String name = capture.getFileName().toString().replaceFirst("\\.pcap(ng)?$", "");
    Path golden = capture.resolveSibling(name + ".expected.jsonl");
    if (UPDATE) {
      Files.write(golden, got, StandardCharsets.UTF_8);
      return;
    }
    if (!Files.exists(golden)) {
      fail(golden + " is missing: make it with -Dgolden.update=true and read it before committing");
    }
    List<String> want = Files.readAllLines(golden, StandardCharsets.UTF_8);
    assertTrue(got.size() > 1, "no records from " + capture);
    assertEquals(String.join("\n", want), String.join("\n", got), "records of " + capture + " differ from " + golden);
  }

  /** Time order (then text), the stats line last: a readable, stable order for review. */
  static List<String> inOrder(List<String> lines) {
    List<String> out = new ArrayList<>(lines);
    out.sort(Comparator.comparing((String l) -> l.startsWith("{\"stats\"") ? 1 : 0)
        .thenComparing(GoldenReplayTest::ts)
        .thenComparing(Comparator.naturalOrder()));
    return out;
  }

  private static String ts(String line) {
    Matcher m = TS.matcher(line);
    if (!m.find()) {
      return "";
    }
    // normalise the fraction so that text order is time order
    String t = m.group(1);
    int dot = t.indexOf('.');
    String whole = dot < 0 ? t.substring(0, t.length() - 1) : t.substring(0, dot);
    String frac = dot < 0 ? "" : t.substring(dot + 1, t.length() - 1);
    return whole + "." + (frac + "000000000").substring(0, 9);
  }
}
