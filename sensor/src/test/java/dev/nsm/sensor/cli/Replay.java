package dev.nsm.sensor.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Test helper: runs {@code sensor replay} in-process and collects its exit code, lines and stderr. */
final class Replay {
  final int exit;
  final List<String> lines;
  final String err;

  private Replay(int exit, List<String> lines, String err) {
    this.exit = exit;
    this.lines = lines;
    this.err = err;
  }

  static Path repoRoot() {
    String root = System.getProperty("sensor.repo.root");
    return root != null ? Path.of(root).toAbsolutePath().normalize() : Path.of("..").toAbsolutePath().normalize();
  }

  /** The third-party conformance corpus beside the repository (may be absent). */
  static Path corpus() {
    String dir = System.getProperty("nsm.corpus"); // e.g. from a worktree, where ../shared is not beside the repo
    return dir != null ? Path.of(dir) : repoRoot().resolve("../shared/testdata").normalize();
  }

  static Replay run(Path tmp, String... args) throws IOException {
    Path out = Files.createTempFile(tmp, "replay", ".jsonl");
    List<String> argv = new ArrayList<>(List.of("replay"));
    Collections.addAll(argv, args);
    argv.add("--out");
    argv.add(out.toString());
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), argv.toArray(new String[0]));
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    Files.delete(out);
    return new Replay(code, lines, err.toString());
  }

  /** The lines sorted: replay's line order depends on thread timing, the set of lines does not. */
  List<String> sorted() {
    List<String> s = new ArrayList<>(lines);
    Collections.sort(s);
    return s;
  }
}
