package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real jar as separate processes on loopback, for the delivery integration tests: collectors,
 * replays, their logs, their output. Every process a test starts is ended by the test (SIGKILL where
 * the test says so, else at the end), by its own handle.
 */
final class Procs implements AutoCloseable {
  final Path dir;
  private final List<Process> started = new ArrayList<>();

  Procs(Path dir) {
    this.dir = dir;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("sensor.jar", "target/sensor.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "the sensor jar is built by 'mvn package' before the integration tests: " + jar);
    return jar;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** java -jar sensor.jar ARGS, stderr (and stdout) to {@code log}. */
  Process sensor(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-jar", jar().toString()));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** A bundled collector; waits for its "listening" line. */
  Process collector(Path out, int port, String... more) throws IOException {
    Path log = dir.resolve("collect-" + started.size() + ".log");
    List<String> args = new ArrayList<>(List.of("collect", "--listen", "127.0.0.1:" + port, "--out", out.toString()));
    args.addAll(Arrays.asList(more));
    Process p = sensor(log, args.toArray(String[]::new));
    awaitLog(p, log, "collect: listening on", 30);
    return p;
  }

  /** Waits until {@code log} has a line matching {@code regex}; returns the match. */
  static Matcher awaitLog(Process p, Path log, String regex, long seconds) throws IOException {
    Pattern pat = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = pat.matcher(text);
      if (m.find()) {
        return m;
      }
      if (!p.isAlive()) {
        throw new IOException("exited with " + p.exitValue() + " before /" + regex + "/:\n" + text);
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("no /" + regex + "/ within " + seconds + " s:\n" + text);
      }
      sleep(50);
    }
  }

  static int waitExit(Process p, long seconds) throws InterruptedException {
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "still running after " + seconds + " s");
    return p.exitValue();
  }

  /** SIGKILL (Process.destroyForcibly on Linux), and wait for it to be gone. */
  static void kill9(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lines of a collector's file, counted fast (no JSON parse). */
  static long lines(Path f) throws IOException {
    if (!Files.exists(f)) {
      return 0;
    }
    long n = 0;
    try (var in = Files.newInputStream(f)) {
      byte[] b = new byte[1 << 16];
      for (int r; (r = in.read(b)) > 0; ) {
        for (int i = 0; i < r; i++) {
          if (b[i] == '\n') {
            n++;
          }
        }
      }
    }
    return n;
  }

  private static final Pattern SEQ = Pattern.compile("^\\{\"sensor_id\":\"([^\"]*)\",\"seq\":\"(\\d+)\",\"(\\w+)\":");

  /** What a collector stored: seqs of one sensor, and the count of each. */
  static final class Stored {
    final BitSet seen = new BitSet();
    long lines;
    long duplicates;
    long otherSensors;
    long statsRecords;
    final List<String> bad = new ArrayList<>();
  }

  static Stored stored(Path f, String sensorId) throws IOException {
    Stored s = new Stored();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      s.lines++;
      Matcher m = SEQ.matcher(line);
      if (!m.find() || !line.endsWith("}")) {
        if (s.bad.size() < 5) {
          s.bad.add(line.length() > 200 ? line.substring(0, 200) : line);
        }
        continue;
      }
      if (!m.group(1).equals(sensorId)) {
        s.otherSensors++;
        continue;
      }
      int seq = Integer.parseInt(m.group(2));
      if (s.seen.get(seq)) {
        s.duplicates++;
      }
      s.seen.set(seq);
      if (m.group(3).equals("stats")) {
        s.statsRecords++;
      }
    }
    return s;
  }

  /** "replay: N records appended to the spool (seq A to B)" from a replay's log. */
  static long[] appended(Path log) throws IOException {
    Matcher m = Pattern.compile("replay: (\\d+) records appended to the spool \\(seq (-?\\d+) to (-?\\d+)\\) in ([0-9.]+) s")
        .matcher(Files.readString(log));
    assertTrue(m.find(), "no 'records appended' line in\n" + Files.readString(log));
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
        (long) (Double.parseDouble(m.group(4)) * 1e6)};
  }

  @Override
  public void close() {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
