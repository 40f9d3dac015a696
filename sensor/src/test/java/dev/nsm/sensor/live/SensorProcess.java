package dev.nsm.sensor.live;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar sensor.jar run --config FILE} inside a lab namespace, as systemd would run it. */
final class SensorProcess {
  static final int METRICS_PORT = 9108;
  final LiveLab lab;
  final Path config;
  final Path records;
  final Path log;
  final Process process;

  private SensorProcess(LiveLab lab, Path config, Path records, Path log, Process process) {
    this.lab = lab;
    this.config = config;
    this.records = records;
    this.log = log;
    this.process = process;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("sensor.jar", "target/sensor.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "the sensor jar is built by 'mvn package' before the live tests: " + jar);
    return jar;
  }

  /** The lab's client-side interface, configured for a test; {@code extra} is appended to the file. */
  static String config(LiveLab lab, Path records, String filter, String extra) {
    return "capture:\n"
        + "  interfaces:\n"
        + "    - name: " + lab.cliIf + "\n"
        + "      snaplen: 65535\n"
        + "      buffer_size: 8MiB\n"
        + "      timeout: 50ms\n"
        + "      filter: \"" + filter + "\"\n"
        + "  tick: 200ms\n"
        + "pipeline:\n"
        + "  workers: 2\n"
        + "  ring_size: 4096\n"
        + "output:\n"
        + "  path: " + records + "\n"
        + "  stats_interval: 1s\n"
        + "metrics:\n"
        + "  listen: 127.0.0.1:" + METRICS_PORT + "\n"
        + "logging:\n"
        + "  level: info\n"
        + extra;
  }

  /** Starts the sensor and waits until /readyz answers 200. */
  static SensorProcess start(LiveLab lab, Path dir, String configText) throws IOException {
    Path config = dir.resolve("sensor.yaml");
    Files.writeString(config, configText);
    Path records = dir.resolve("live.jsonl");
    Path log = dir.resolve("sensor.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = lab.start(lab.cli, List.of(java, "-Xmx256m", "-jar", jar().toString(), "run", "--config", config.toString()), log);
    SensorProcess s = new SensorProcess(lab, config, records, log, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      if (!p.isAlive()) {
        throw new IOException("the sensor exited with " + p.exitValue() + " before it was ready:\n" + Files.readString(log));
      }
      try {
        if (s.get("/readyz").startsWith("ready")) {
          return s;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the sensor was not ready within 30 s:\n" + Files.readString(log));
      }
      LiveLab.sleep(100);
    }
  }

  /** GET a path of the metrics listener, from inside the namespace; fails on a non-2xx answer. */
  String get(String path) throws IOException {
    return lab.in(lab.cli, "curl -sf --max-time 2 http://127.0.0.1:" + METRICS_PORT + path);
  }

  /** HTTP status of a path (for 503s). */
  int status(String path) throws IOException {
    return Integer.parseInt(lab.in(lab.cli, "curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:"
        + METRICS_PORT + path).strip());
  }

  /** /metrics as "name{labels}" → value, for the nsm_ series. */
  Map<String, Double> scrape() throws IOException {
    Map<String, Double> m = new HashMap<>();
    for (String line : get("/metrics").split("\n")) {
      if (line.startsWith("nsm_")) {
        int sp = line.lastIndexOf(' ');
        m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
      }
    }
    return m;
  }

  /** Sends a signal (TERM, INT, HUP) to the JVM (ip netns exec execs it: same pid). */
  void signal(String sig) throws IOException {
    LiveLab.sh("kill -" + sig + " " + process.pid());
  }

  /** Waits for the exit; returns the code, or -1 if still running after {@code seconds}. */
  int waitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  /** Waits until the log has a line matching {@code regex}; returns the match. */
  Matcher awaitLog(String regex, long seconds) throws IOException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      Matcher m = p.matcher(Files.readString(log));
      if (m.find()) {
        return m;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("no log line /" + regex + "/ within " + seconds + " s:\n" + Files.readString(log));
      }
      LiveLab.sleep(100);
    }
  }
}
