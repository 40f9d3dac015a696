package dev.nsm.sensor.daemon;

import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Stats;
import dev.nsm.sensor.capture.CaptureOpenException;
import dev.nsm.sensor.capture.LiveCapture;
import dev.nsm.sensor.capture.LiveInterface;
import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import dev.nsm.sensor.delivery.Delivery;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.metrics.HttpEndpoint;
import dev.nsm.sensor.metrics.SensorMetrics;
import dev.nsm.sensor.output.JsonLinesOutput;
import dev.nsm.sensor.output.RecordOutput;
import dev.nsm.sensor.pipeline.Pipeline;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sensor run}: wires capture, pipeline, output and metrics together and runs them until a
 * signal. Threads: {@code capture} (reads every interface, decodes, feeds the ring), the flow workers,
 * the record writer, {@code stats} (a stats record every interval), {@code metrics-http}, and the main
 * thread, which waits for a signal and then stops everything in order:
 *
 * <pre>
 *   SIGTERM/SIGINT → not ready → capture stops reading → workers write every open flow → last stats
 *   record → output flushed and closed → HTTP closed → exit 0   (all within shutdown.timeout, else exit 1)
 *   SIGHUP         → re-read the file; apply filters, logging level and shutdown timeout; name the
 *                    other changed keys as needing a restart
 * </pre>
 */
public final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_BAD_CONFIG = 2;

  private final Path configPath;
  private volatile SensorConfig config;
  private final PrintWriter err;
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile boolean ready;
  private volatile boolean stopping;
  private volatile String stopReason = "";

  private List<LiveInterface> interfaces;
  private Pipeline pipeline;
  private RecordOutput output;
  /** The spool, exporters and Sensor service, when collectors or subscribe are configured; else null. */
  private Delivery delivery;
  private LiveCapture capture;
  private Thread captureThread;
  private HttpEndpoint http;
  private ScheduledExecutorService statsTimer;
  private PrometheusMeterRegistry registry;

  public Daemon(Path configPath, SensorConfig config, PrintWriter err) {
    this.configPath = configPath;
    this.config = config;
    this.err = err;
  }

  /** Starts, waits for a stop (signal, or {@link #requestStop}), stops; returns the exit code. */
  public int run() {
    applyLogLevel(config.logging.level);
    int code = start();
    if (code != EXIT_OK) {
      return code;
    }
    Signals.install(this::requestStop, this::reload);
    try {
      while (!stop.await(200, TimeUnit.MILLISECONDS)) {
        if (!captureThread.isAlive()) {
          stopReason = "capture ended: " + (capture.failure == null ? "capture thread died" : capture.failure);
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return shutdown();
  }

  /** The metrics endpoint's address (after {@link #start}), for tests and the log. */
  public InetSocketAddress metricsAddress() {
    return http == null ? null : http.address();
  }

  /** Asks the daemon to stop (what SIGTERM and SIGINT do). */
  public void requestStop(String why) {
    stopReason = why;
    stop.countDown();
  }

  int start() {
    SensorConfig c = config;
    interfaces = new ArrayList<>();
    for (int i = 0; i < c.capture.interfaces.size(); i++) {
      SensorConfig.Interface itf = c.capture.interfaces.get(i);
      try {
        interfaces.add(LiveInterface.open(itf));
      } catch (CaptureOpenException e) {
        interfaces.forEach(LiveInterface::close);
        return fail(EXIT_BAD_CONFIG, "capture.interfaces[" + i + "] (" + itf.name + "): cannot capture: " + e.getMessage()
            + (e.getMessage().contains("permitted") ? " (capturing needs root or CAP_NET_RAW)" : ""));
      }
    }
    if (c.delivers()) {
      try {
        delivery = Delivery.start(Delivery.plan(c, configPath.toAbsolutePath().getParent()), 8192, this::ringStatus);
        output = delivery.output();
      } catch (IOException | RuntimeException e) {
        interfaces.forEach(LiveInterface::close);
        return fail(EXIT_BAD_CONFIG, "spool.dir, collectors or subscribe: cannot start delivery: " + e.getMessage());
      }
    } else {
      try {
        output = JsonLinesOutput.open(outputPath(), 8192);
      } catch (IOException | RuntimeException e) {
        interfaces.forEach(LiveInterface::close);
        return fail(EXIT_BAD_CONFIG, "output.path: cannot write " + c.output.path + ": " + e.getMessage());
      }
    }
    pipeline = new Pipeline(c.pipeline.workers, c.pipeline.ringSize, flowConfig(c), appConfig(c),
        c.tunnels.settings(),
        new dev.nsm.parsers.packet.IpDefragmenter(c.protocols.fragments.maxDatagrams, c.protocols.fragments.memory,
            dev.nsm.parsers.packet.IpDefragmenter.DEFAULT_TIMEOUT_NANOS), output);
    long maxTimeout = 0;
    for (SensorConfig.Interface itf : c.capture.interfaces) {
      maxTimeout = Math.max(maxTimeout, itf.immediate ? 0 : itf.timeout.toNanos());
    }
    capture = new LiveCapture(interfaces, pipeline, c.capture.tick.toNanos(), maxTimeout);
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SensorMetrics.bind(registry, pipeline, interfaces, output);
    if (delivery != null) {
      delivery.bind(registry);
    }
    SensorMetrics.bindJvm(registry);
    if (c.metrics.enabled) {
      InetSocketAddress at;
      try {
        InetSocketAddress u = ConfigLoader.hostPort("metrics.listen", c.metrics.listen);
        at = new InetSocketAddress(u.getHostString(), u.getPort());
        http = HttpEndpoint.start(at, registry::scrape, this::healthProblem, this::readyProblem);
      } catch (ConfigException | IOException e) {
        abortStart();
        return fail(EXIT_BAD_CONFIG, "metrics.listen: cannot listen on " + c.metrics.listen + ": " + e.getMessage());
      }
    }
    captureThread = new Thread(capture, "capture");
    captureThread.start();
    statsTimer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "stats");
      t.setDaemon(true);
      return t;
    });
    long every = c.output.statsInterval.toMillis();
    statsTimer.scheduleAtFixedRate(this::emitStats, every, every, TimeUnit.MILLISECONDS);
    ready = true;
    StringBuilder what = new StringBuilder();
    for (LiveInterface itf : interfaces) {
      what.append(what.length() == 0 ? "" : ", ").append(itf.name).append(" (link type ").append(itf.linkType)
          .append(itf.nanoTimestamps ? ", ns" : ", us").append(" time stamps")
          .append(itf.filter().isBlank() ? "" : ", filter \"" + itf.filter() + "\"").append(')');
    }
    LOG.info("capturing on {}; {} worker(s), ring of {}; records to {}{}", what, c.pipeline.workers,
        c.pipeline.ringSize, delivery == null ? c.output.path : "the spool in " + c.spool.dir + " (" + c.collectors.size()
            + " collector(s)" + (delivery.listenPort() > 0 ? ", Subscribe/Status on port " + delivery.listenPort() : "") + ")",
        http == null ? "" : "; metrics on http://" + hostPort(http.address()) + "/metrics");
    return EXIT_OK;
  }

  private void abortStart() {
    capture.requestStop();
    capture.run(); // not started: runs its stop path here (flush, close handles)
    try {
      output.close();
      if (delivery != null) {
        delivery.close();
      }
    } catch (Exception e) {
      LOG.warn("closing the output: {}", e.toString());
    }
  }

  /** The packet ring for Status. */
  private dev.nsm.proto.v1.RingStatus ringStatus() {
    Pipeline p = pipeline;
    if (p == null) {
      return null;
    }
    return dev.nsm.proto.v1.RingStatus.newBuilder().setSize(p.ringSize()).setFill(p.ringFill()).setDrops(p.counters().ringDrops).build();
  }

  int shutdown() {
    ready = false;
    stopping = true;
    Duration bound = config.shutdown.timeout;
    long stopStarted = System.nanoTime();
    LOG.info("stopping ({}): flushing flows, at most {}", stopReason, bound);
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(bound.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      err.println("sensor: shutdown took longer than shutdown.timeout (" + bound + "); exiting anyway");
      err.flush();
      Runtime.getRuntime().halt(EXIT_FAILED);
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int code = stopReason.startsWith("capture ended") ? EXIT_FAILED : EXIT_OK;
    statsTimer.shutdownNow();
    try {
      statsTimer.awaitTermination(2, TimeUnit.SECONDS); // a stats record being made goes out before the output closes
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    capture.requestStop();
    try {
      captureThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    output.emit(Event.newBuilder().setStats(stats()).build());
    try {
      output.close();
    } catch (Exception e) {
      err.println("sensor: " + (delivery == null ? "output.path: cannot write " + config.output.path : "cannot append to the spool")
          + ": " + e.getMessage());
      code = EXIT_FAILED;
    }
    if (delivery != null) {
      // what the collectors have not acked within the bound stays in the spool for the next start
      try {
        long left = bound.toMillis() - (System.nanoTime() - stopStarted) / 1_000_000L - 1500;
        List<String> behind = delivery.drain(Duration.ofMillis(Math.max(0, left)));
        for (String b : behind) {
          LOG.warn("stopping: collector {} (kept in the spool for the next start)", b);
        }
        delivery.close();
      } catch (Exception e) {
        LOG.warn("stopping delivery: {}", e.toString());
      }
    }
    if (http != null) {
      http.close();
    }
    registry.close();
    watchdog.interrupt();
    LOG.info("stopped: {} packets captured, {} ring drops, {} flows", capture.interfaces().stream().mapToLong(i -> i.packetsCaptured).sum(),
        pipeline.counters().ringDrops, pipeline.flowTotals().flowsMade);
    return code;
  }

  /** The loss ledger and pipeline counters as a stats record, stamped with the wall clock. */
  Stats stats() {
    long now = System.currentTimeMillis() * 1_000_000L;
    Stats.Builder b = pipeline.stats(now).toBuilder();
    long recv = 0;
    long kdrop = 0;
    long ifdrop = 0;
    long captured = 0;
    for (LiveInterface itf : interfaces) {
      recv += itf.kernelReceived;
      kdrop += itf.kernelDrops;
      ifdrop += itf.interfaceDrops;
      captured += itf.packetsCaptured;
    }
    b.putCounters("kernel_received", recv);
    b.putCounters("kernel_drops", kdrop);
    b.putCounters("interface_drops", ifdrop);
    b.putCounters("packets_captured", captured);
    b.putCounters("flows_open", pipeline.flowsOpen());
    return b.build();
  }

  private void emitStats() {
    try {
      output.emit(Event.newBuilder().setStats(stats()).build());
    } catch (RuntimeException e) {
      LOG.error("stats record failed", e);
    }
  }

  /** /healthz: capturing and writing records. */
  String healthProblem() {
    if (stopping) {
      return "shutting down";
    }
    if (capture.isFinished() || captureThread == null || !captureThread.isAlive()) {
      return "capture stopped";
    }
    for (LiveInterface itf : interfaces) {
      if (itf.failure != null) {
        return "capture on " + itf.name + " failed: " + itf.failure;
      }
    }
    long stale = System.nanoTime() - capture.heartbeatNanos();
    long limit = Math.max(3_000_000_000L, 3 * config.capture.tick.toNanos());
    if (stale > limit) {
      return "capture thread silent for " + TimeUnit.NANOSECONDS.toMillis(stale) + " ms";
    }
    if (!output.healthy()) {
      return output.failure();
    }
    return null;
  }

  /** The running delivery (spool, exporters), or null when records go to output.path. */
  public Delivery delivery() {
    return delivery;
  }

  /** /readyz: every interface open, not shutting down. */
  String readyProblem() {
    if (stopping) {
      return "shutting down";
    }
    return ready ? null : "starting";
  }

  /** SIGHUP: re-read the file, apply what can change while running, name what needs a restart. */
  void reload() {
    SensorConfig next;
    try {
      next = ConfigLoader.load(configPath, new ConfigLoader.Host(ConfigLoader.Host.sysfsInterfaces(),
          dev.nsm.sensor.capture.BpfFilters.compiler()));
    } catch (ConfigException e) {
      LOG.error("reload of {} rejected, running configuration kept: {}", configPath, e.getMessage());
      return;
    }
    Map<String, String> before = config.flatten();
    Map<String, String> after = next.flatten();
    List<String> restart = new ArrayList<>();
    Map<String, String> filters = new HashMap<>();
    boolean collectorsChanged = false;
    for (String key : union(before.keySet(), after.keySet())) {
      String a = before.get(key);
      String b = after.get(key);
      if (a == null ? b == null : a.equals(b)) {
        continue;
      }
      if (key.endsWith(".filter") && a != null && b != null
          && before.get(key.replace(".filter", ".name")).equals(after.get(key.replace(".filter", ".name")))) {
        filters.put(after.get(key.replace(".filter", ".name")), b);
      } else if (key.equals("logging.level")) {
        applyLogLevel(b);
      } else if (key.equals("shutdown.timeout")) {
        continue; // read at shutdown from the config below
      } else if (key.startsWith("collectors[") && delivery != null && next.delivers()) {
        collectorsChanged = true; // applied below, all at once
      } else {
        restart.add(key);
      }
    }
    if (!filters.isEmpty()) {
      capture.requestFilters(filters);
    }
    if (collectorsChanged) {
      // the exporters follow the file now; the rest of the running configuration stays as it was
      try {
        LOG.info("reload: {}", delivery.reconfigure(Delivery.plan(next, configPath.toAbsolutePath().getParent()).collectors()));
      } catch (IOException | RuntimeException e) {
        LOG.error("reload: collectors not changed: {}", e.getMessage());
      }
    }
    // keep the running values of what needs a restart, take the rest
    config = restart.isEmpty() ? next : config;
    if (!restart.isEmpty()) {
      LOG.warn("reload: {} changed but need(s) a restart (systemctl restart sensor); applied: {}", restart,
          filters.isEmpty() ? "nothing else" : "filters " + filters);
    } else {
      LOG.info("reload: applied{}", filters.isEmpty() ? " (no filter change)" : " filters " + filters);
    }
  }

  private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.LinkedHashSet<String> u = new java.util.LinkedHashSet<>(a);
    u.addAll(b);
    return new ArrayList<>(u);
  }

  private int fail(int code, String line) {
    err.println("sensor: " + configPath + ": " + line);
    err.flush();
    return code;
  }

  /** output.path; a relative path is taken from the configuration file's directory (as check-config does). */
  private String outputPath() {
    String p = config.output.path;
    return "-".equals(p) ? p : configPath.toAbsolutePath().getParent().resolve(p).toString();
  }

  /** The flow tables' settings from the configuration; {@code max_flows} is split between workers. */
  static FlowConfig flowConfig(SensorConfig c) {
    SensorConfig.Timeouts t = c.flows.timeouts;
    return FlowConfig.defaults()
        .withInactivity(t.tcpInactivity.toNanos(), t.udpInactivity.toNanos(), t.icmpInactivity.toNanos(), t.otherInactivity.toNanos())
        .withVlanInKey(c.flows.vlanInKey)
        .withMaxFlows(c.flows.maxFlows)
        .withMaxBytes(c.flows.memory)
        .perWorker(c.pipeline.workers);
  }

  static dev.nsm.sensor.app.AppConfig appConfig(SensorConfig c) {
    SensorConfig.Protocols p = c.protocols;
    return dev.nsm.sensor.app.AppConfig.defaults()
        .withReassembly((int) p.reassembly.flowCap, p.reassembly.memory)
        .withAnalysePartial(p.analysePartial)
        .withDnsPending(p.dns.maxPending, p.dns.pendingMemory)
        .withHttpPending(p.http.maxPending, p.http.pendingMemory)
        .perWorker(c.pipeline.workers);
  }

  static void applyLogLevel(String level) {
    ch.qos.logback.classic.Level l = ch.qos.logback.classic.Level.toLevel(level.toUpperCase(Locale.ROOT),
        ch.qos.logback.classic.Level.INFO);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(l);
    // libraries' INFO chatter (pcap4j's library loading, Netty's setup) only when debugging
    ch.qos.logback.classic.Level libs = l.levelInt <= ch.qos.logback.classic.Level.DEBUG_INT ? l : ch.qos.logback.classic.Level.WARN;
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.pcap4j")).setLevel(libs);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.netty")).setLevel(libs);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.grpc")).setLevel(libs);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("net.openhft")).setLevel(libs);
  }

  private static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }
}
