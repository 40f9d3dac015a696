package dev.nsm.sensor.cli;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.capture.CaptureFiles;
import dev.nsm.sensor.capture.CaptureFormatException;
import dev.nsm.sensor.capture.PacketSource;
import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import dev.nsm.sensor.delivery.Delivery;
import dev.nsm.sensor.delivery.Exporter;
import dev.nsm.sensor.delivery.TlsFiles;
import dev.nsm.sensor.metrics.HttpEndpoint;
import dev.nsm.sensor.metrics.SensorMetrics;
import dev.nsm.sensor.pipeline.Ingest;
import dev.nsm.sensor.pipeline.Pipeline;
import dev.nsm.sensor.spool.Spool;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * {@code replay FILE --collector HOST:PORT ...}: a capture's records through the same delivery as the
 * daemon: the spool, an exporter per collector, the Sensor service. Records are appended as fast as
 * the pipeline makes them (the spool never waits for a collector); then replay waits until every
 * collector acked the last seq, or {@code --drain-timeout} passed (exit 3, naming what is unacked).
 *
 * <p>stderr gets one line when the records are spooled ({@code replay: N records appended to the
 * spool (seq A to B) in S s}) and one when they are delivered: what a test or a script reads.
 */
final class DeliveryReplay {
  private final ReplayCommand cmd;
  private final PrintWriter err;

  DeliveryReplay(ReplayCommand cmd) {
    this.cmd = cmd;
    this.err = cmd.spec.commandLine().getErr();
  }

  private CommandLine.ParameterException bad(String msg) {
    return new CommandLine.ParameterException(cmd.spec.commandLine(), msg);
  }

  int run() {
    if (cmd.spec.commandLine().getParseResult().hasMatchedOption("--out")) {
      throw bad("--out writes JSON lines; with --collector, --spool or --config the records go to the spool instead");
    }
    // the same pipeline options as replay to JSON lines (caps, --protocols, tunnels), checked first
    java.util.function.Function<dev.nsm.sensor.pipeline.RecordSink, Pipeline> newPipeline = cmd.pipelineFactory();
    Duration drain;
    Duration backoffMax;
    try {
      drain = ConfigLoader.duration("--drain-timeout", cmd.drainTimeout);
      backoffMax = ConfigLoader.duration("--backoff-max", cmd.backoffMax);
    } catch (ConfigException e) {
      throw bad(e.getMessage());
    }
    Delivery.Plan plan;
    boolean tempSpool = false;
    try {
      plan = plan(backoffMax);
      if (plan.spool().dir() == null) {
        Path tmp = Files.createTempDirectory("sensor-spool-");
        tempSpool = true;
        plan = new Delivery.Plan(plan.sensorId(), new Spool.Settings(tmp, Spool.ROLL_CYCLES.get("5m"), 64L << 30, Duration.ofDays(3650)),
            plan.collectors(), plan.listen(), plan.listenTls(), plan.listenPlaintext(), plan.maxSubscribers());
      }
    } catch (ConfigException e) {
      err.println("sensor: " + (cmd.config == null ? "" : cmd.config + ": ") + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    } catch (IOException e) {
      err.println("sensor: " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    if (!"-".equals(cmd.file) && !Files.isReadable(Path.of(cmd.file))) {
      err.println("sensor: " + cmd.file + ": " + (Files.exists(Path.of(cmd.file)) ? "permission denied" : "no such file"));
      return Main.EXIT_BAD_INPUT;
    }
    Delivery delivery;
    try {
      delivery = Delivery.start(plan, 8192, null);
    } catch (IOException | RuntimeException e) {
      err.println("sensor: cannot start delivery: " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    // the capture is opened after delivery started: reading stdin may wait for its header, and the
    // Sensor service is already answering meanwhile
    HttpEndpoint http = null;
    PrometheusMeterRegistry registry = null;
    Pipeline pipeline = newPipeline.apply(delivery.output());
    int code = 0;
    PacketSource source = null;
    try {
      if (cmd.metricsListen != null) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SensorMetrics.bind(registry, pipeline, List.of(), delivery.output());
        delivery.bind(registry);
        InetSocketAddress u = ConfigLoader.hostPort("--metrics-listen", cmd.metricsListen);
        http = HttpEndpoint.start(new InetSocketAddress(u.getHostString(), u.getPort()), registry::scrape, () -> null, () -> null);
        err.println("replay: metrics on http://" + u.getHostString() + ":" + http.address().getPort() + "/metrics");
      }
      if (delivery.listenPort() > 0) {
        err.println("replay: Sensor service (Subscribe, Status) on port " + delivery.listenPort());
      }
      err.flush();
      try {
        source = CaptureFiles.open(cmd.file);
      } catch (IOException e) {
        err.println("sensor: " + e.getMessage());
        code = Main.EXIT_BAD_INPUT;
        return code;
      }
      long start = System.nanoTime();
      long seq0 = delivery.spool().nextSeq();
      String inputError = null;
      Ingest ingest = pipeline.ingest();
      try {
        while (source.next(ingest)) {
          // the pipeline does the work
        }
      } catch (CaptureFormatException e) {
        inputError = e.getMessage();
      } catch (IOException e) {
        inputError = cmd.file + ": read error: " + e.getMessage();
      } finally {
        ReplayCommand.closeQuietly(source);
      }
      pipeline.finish();
      delivery.output().emit(Event.newBuilder().setStats(pipeline.stats(pipeline.counters().lastTsNanos)).build());
      delivery.output().close();
      long appended = delivery.spool().nextSeq() - seq0;
      double secs = (System.nanoTime() - start) / 1e9;
      err.printf("replay: %d records appended to the spool (seq %d to %d) in %.3f s%n", appended, seq0, seq0 + appended - 1, secs);
      err.flush();
      if (inputError != null) {
        err.println("sensor: " + inputError);
        code = Main.EXIT_BAD_INPUT;
      }
      if (!delivery.exporters().isEmpty()) {
        List<String> behind = delivery.drain(drain);
        if (behind.isEmpty()) {
          err.printf("replay: every record acked by %d collector(s) in %.3f s%n", delivery.exporters().size(), (System.nanoTime() - start) / 1e9);
          for (Exporter e : delivery.exporters()) {
            err.println("replay: " + e.name() + ": " + e.rate());
          }
        } else {
          for (String b : behind) {
            err.println("sensor: after --drain-timeout " + cmd.drainTimeout + ", collector " + b);
          }
          code = ReplayCommand.EXIT_UNDELIVERED;
        }
      }
    } catch (ConfigException e) {
      err.println("sensor: " + e.getMessage());
      code = Main.EXIT_BAD_INPUT;
    } catch (IOException e) {
      err.println("sensor: " + e.getMessage());
      code = Main.EXIT_BAD_INPUT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = 1;
    } catch (Exception e) {
      err.println("sensor: cannot append to the spool: " + e.getMessage());
      code = 1;
    } finally {
      try {
        delivery.close();
      } catch (Exception e) {
        err.println("sensor: closing delivery: " + e.getMessage());
      }
      if (http != null) {
        http.close();
      }
      if (registry != null) {
        registry.close();
      }
      if (tempSpool) {
        deleteTree(plan.spool().dir());
      }
      err.flush();
    }
    return code;
  }

  /** From --config (if any), then the flags. */
  private Delivery.Plan plan(Duration backoffMax) throws ConfigException, IOException {
    String sensorId = cmd.sensorId;
    Spool.Settings spool = null;
    List<Exporter.Settings> cols = new ArrayList<>();
    InetSocketAddress listen = null;
    TlsFiles.Server listenTls = null;
    boolean listenPlain = false;
    int maxSubs = 16;
    if (cmd.config != null) {
      if (!Files.isReadable(cmd.config)) {
        throw new ConfigException("", Files.exists(cmd.config) ? "permission denied" : "no such file");
      }
      SensorConfig c = ConfigLoader.parse(Files.readString(cmd.config));
      Path base = cmd.config.toAbsolutePath().getParent();
      ConfigLoader.validateDelivery(c, base);
      Delivery.Plan p = Delivery.plan(c, base);
      sensorId = sensorId == null ? p.sensorId() : sensorId;
      spool = p.spool();
      cols.addAll(p.collectors());
      listen = p.listen();
      listenTls = p.listenTls();
      listenPlain = p.listenPlaintext();
      maxSubs = p.maxSubscribers();
    }
    if (sensorId == null) {
      sensorId = hostName();
    }
    if (!collectorsFromFlags().isEmpty()) {
      cols.addAll(collectorsFromFlags(backoffMax));
    }
    if (cmd.spoolDir != null) {
      spool = new Spool.Settings(cmd.spoolDir, spool == null ? Spool.ROLL_CYCLES.get("5m") : spool.rollCycle(),
          spool == null ? 64L << 30 : spool.maxBytes(), spool == null ? Duration.ofDays(3650) : spool.maxAge());
    }
    if (spool == null) {
      spool = new Spool.Settings(null, null, 0, Duration.ZERO); // a temporary one: filled in by run()
    }
    return new Delivery.Plan(sensorId, spool, cols, listen, listenTls, listenPlain, maxSubs);
  }

  private List<String> collectorsFromFlags() {
    return cmd.collectors;
  }

  private List<Exporter.Settings> collectorsFromFlags(Duration backoffMax) throws ConfigException {
    List<Exporter.Settings> out = new ArrayList<>();
    TlsFiles.Client tls = null;
    if (cmd.plaintext) {
      if (cmd.tlsCa != null || cmd.tlsCert != null || cmd.tlsKey != null) {
        throw new ConfigException("--plaintext", "and --tls-* exclude each other");
      }
    } else {
      if (cmd.tlsCa == null) {
        throw new ConfigException("--collector", "TLS needs --tls-ca (and --tls-cert and --tls-key for mutual TLS); for no TLS say --plaintext");
      }
      if ((cmd.tlsCert == null) != (cmd.tlsKey == null)) {
        throw new ConfigException("--tls-cert", "and --tls-key go together");
      }
      for (Path p : new Path[] {cmd.tlsCa, cmd.tlsCert, cmd.tlsKey}) {
        if (p != null && !Files.isReadable(p)) {
          throw new ConfigException("--tls", "cannot read " + p);
        }
      }
      tls = new TlsFiles.Client(cmd.tlsCa, cmd.tlsCert, cmd.tlsKey, cmd.tlsServerName);
    }
    for (String a : cmd.collectors) {
      InetSocketAddress at = ConfigLoader.hostPort("--collector", a);
      if (at.getPort() == 0) {
        throw new ConfigException("--collector", "port must be 1 to 65535, not 0");
      }
      // named by its address: the same collector keeps its cursor across runs on one --spool
      String name = (at.getHostString() + "_" + at.getPort()).replaceAll("[^A-Za-z0-9._-]", "_");
      out.add(new Exporter.Settings(name, at.getHostString(), at.getPort(), tls, cmd.batchMaxRecords, 1L << 20, Duration.ofMillis(5),
          Duration.ofSeconds(30), Duration.ofMillis(50), backoffMax, Duration.ofSeconds(30), Duration.ofSeconds(10)));
    }
    return out;
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "sensor";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
