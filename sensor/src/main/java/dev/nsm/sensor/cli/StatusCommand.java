package dev.nsm.sensor.cli;

import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sensor status}: the running daemon's state, from its metrics endpoint, for a person. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Reads the running daemon's /metrics and /healthz (metrics.listen of the configuration)",
        "twice, a second apart, and prints its health, per interface what the kernel received and",
        "dropped and what was captured, with rates, the ring, flows and records.",
        "Exit codes: 0 healthy, 1 unhealthy or not answering, 2 bad configuration."})
public final class StatusCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", defaultValue = "/etc/sensor/sensor.yaml",
      description = "the daemon's configuration, for metrics.listen (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000",
      description = "time between the two reads that give the rates, ms (default: ${DEFAULT-VALUE})")
  long intervalMs;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private static final Pattern SERIES = Pattern.compile("^(nsm_[a-z_]+)(\\{[^}]*\\})? ([-0-9.eE+NaInf]+)$");
  private static final Pattern IFACE = Pattern.compile("interface=\"([^\"]*)\"");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SensorConfig c;
    try {
      if (!Files.isReadable(config)) {
        throw new ConfigException("", Files.exists(config) ? "permission denied" : "no such file");
      }
      c = ConfigLoader.parse(Files.readString(config));
      if (!c.metrics.enabled) {
        throw new ConfigException("metrics.enabled", "is false: the daemon serves no metrics to read");
      }
    } catch (ConfigException | IOException e) {
      err.println("sensor: " + config + ": " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    String base;
    try {
      InetSocketAddress a = ConfigLoader.hostPort("metrics.listen", c.metrics.listen);
      String h = a.getHostString();
      if (h.equals("0.0.0.0") || h.equals("::") || h.isEmpty()) {
        h = "127.0.0.1"; // listening everywhere: ask over loopback
      }
      base = "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    } catch (ConfigException e) {
      err.println("sensor: " + config + ": " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Map<String, Double> first;
    Map<String, Double> second;
    String health;
    int healthCode;
    try {
      first = scrape(http, base);
      Thread.sleep(Math.max(100, intervalMs));
      second = scrape(http, base);
      HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      healthCode = h.statusCode();
      health = h.body().strip();
    } catch (IOException e) {
      err.println("sensor: no answer from the daemon at " + base + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is it running? systemctl status sensor");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    double secs = Math.max(100, intervalMs) / 1000.0;
    out.printf(Locale.ROOT, "sensor at %s: %s%n", base, healthCode == 200 ? "healthy" : "UNHEALTHY: " + health);
    TreeSet<String> interfaces = new TreeSet<>();
    for (String k : second.keySet()) {
      Matcher m = IFACE.matcher(k);
      if (k.startsWith("nsm_packets_captured_total") && m.find()) {
        interfaces.add(m.group(1));
      }
    }
    out.printf(Locale.ROOT, "%-16s %14s %12s %12s %14s %12s%n", "interface", "received", "kernel drops", "if drops", "captured", "packets/s");
    for (String i : interfaces) {
      String l = "{interface=\"" + i + "\"}";
      double recv = get(second, "nsm_packets_received_total" + l);
      double kd = get(second, "nsm_kernel_drops_total" + l);
      double cap = get(second, "nsm_packets_captured_total" + l);
      double rate = (cap - get(first, "nsm_packets_captured_total" + l)) / secs;
      out.printf(Locale.ROOT, "%-16s %,14.0f %,12.0f %,12.0f %,14.0f %,12.0f%s%n", i, recv, kd, get(second, "nsm_interface_drops_total" + l), cap, rate,
          get(second, "nsm_interface_up" + l) == 1 ? "" : " FAILED");
    }
    double malformed = 0;
    for (Map.Entry<String, Double> e : second.entrySet()) {
      if (e.getKey().startsWith("nsm_packets_malformed_total")) {
        malformed += e.getValue();
      }
    }
    out.printf(Locale.ROOT, "ring: %,.0f of %,.0f slots in use, %,.0f dropped; decoded %,.0f, not IP %,.0f, malformed %,.0f, fragments held %,.0f%n",
        get(second, "nsm_ring_fill"), get(second, "nsm_ring_size"), get(second, "nsm_ring_drops_total"),
        get(second, "nsm_packets_decoded_total"), get(second, "nsm_packets_not_ip_total"), malformed,
        get(second, "nsm_fragments_held_total"));
    out.printf(Locale.ROOT, "flows: %,.0f open, %,.0f made (%,.0f/s), %,.0f evicted%n", get(second, "nsm_flows_open"), get(second, "nsm_flows_made_total"),
        (get(second, "nsm_flows_made_total") - get(first, "nsm_flows_made_total")) / secs, get(second, "nsm_flows_evicted_total"));
    StringBuilder recs = new StringBuilder();
    for (Map.Entry<String, Double> e : new TreeMap<>(second).entrySet()) {
      if (e.getKey().startsWith("nsm_records_total{") && e.getValue() > 0) {
        Matcher m = Pattern.compile("type=\"([^\"]*)\"").matcher(e.getKey());
        recs.append(recs.length() == 0 ? "" : ", ").append(m.find() ? m.group(1) : e.getKey())
            .append(' ').append(String.format(Locale.ROOT, "%,.0f", e.getValue()));
      }
    }
    out.printf(Locale.ROOT, "records written: %s; output %s%n", recs.length() == 0 ? "none yet" : recs, get(second, "nsm_output_up") == 1 ? "ok" : "FAILED");
    if (second.containsKey("nsm_spool_next_seq")) {
      out.printf(Locale.ROOT, "spool: seq %,.0f to %,.0f held, %,.0f MiB of %,.0f MiB, %,.0f records/s appended, %,.0f deleted by retention%n",
          get(second, "nsm_spool_first_seq"), get(second, "nsm_spool_next_seq") - 1, get(second, "nsm_spool_bytes") / (1 << 20),
          get(second, "nsm_spool_max_bytes") / (1 << 20),
          (get(second, "nsm_spool_records_appended_total") - get(first, "nsm_spool_records_appended_total")) / secs,
          get(second, "nsm_spool_records_deleted_total"));
      TreeSet<String> collectors = new TreeSet<>();
      Pattern col = Pattern.compile("collector=\"([^\"]*)\"");
      for (String k : second.keySet()) {
        Matcher m = col.matcher(k);
        if (k.startsWith("nsm_collector_lag_records") && m.find()) {
          collectors.add(m.group(1));
        }
      }
      if (!collectors.isEmpty()) {
        out.printf(Locale.ROOT, "%-16s %10s %14s %14s %12s %12s%n", "collector", "connected", "acked seq", "lag records", "records/s", "dropped");
      }
      for (String name : collectors) {
        String l = "{collector=\"" + name + "\"}";
        out.printf(Locale.ROOT, "%-16s %10s %,14.0f %,14.0f %,12.0f %,12.0f%n", name, get(second, "nsm_collector_connected" + l) == 1 ? "yes" : "NO",
            get(second, "nsm_collector_acked_seq" + l), get(second, "nsm_collector_lag_records" + l),
            (get(second, "nsm_collector_acked_seq" + l) - get(first, "nsm_collector_acked_seq" + l)) / secs,
            get(second, "nsm_collector_dropped_records_total" + l));
      }
    }
    out.flush();
    return healthCode == 200 ? 0 : 1;
  }

  private static double get(Map<String, Double> m, String k) {
    return m.getOrDefault(k, 0.0);
  }

  /** The nsm_ series of the Prometheus text format: "name{labels}" → value. */
  private static Map<String, Double> scrape(HttpClient http, String base) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + r.statusCode());
    }
    Map<String, Double> m = new TreeMap<>();
    for (String line : r.body().split("\n")) {
      Matcher s = SERIES.matcher(line);
      if (s.matches()) {
        m.put(s.group(1) + (s.group(2) == null ? "" : s.group(2)), Double.parseDouble(s.group(3)));
      }
    }
    return m;
  }
}
