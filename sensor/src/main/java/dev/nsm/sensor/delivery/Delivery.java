package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.RingStatus;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import dev.nsm.sensor.spool.Spool;
import dev.nsm.sensor.spool.SpoolOutput;
import io.grpc.Server;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything after the record ring, as one unit the daemon and {@code replay} start and stop: the
 * spool, its writer ({@link SpoolOutput}), an {@link Exporter} per collector, and the Sensor service
 * (Subscribe, Status) when its listener is enabled.
 *
 * <pre>
 *   record ring ─► SpoolOutput (writer) ─► Spool (Chronicle Queue, state dir)
 *                                             ├─► Exporter "siem-a" ─► Collector.Push
 *                                             ├─► Exporter "siem-b" ─► Collector.Push
 *                                             └─► SensorService ◄── Subscribe / Status
 * </pre>
 */
public final class Delivery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

  /** What to start; built from the configuration or from replay's flags. */
  public record Plan(String sensorId, Spool.Settings spool, List<Exporter.Settings> collectors,
      InetSocketAddress listen, TlsFiles.Server listenTls, boolean listenPlaintext, int maxSubscribers) {}

  private final Spool spool;
  private final SpoolOutput output;
  private final List<Exporter> exporters = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Exporter.Settings> exporterSettings = new java.util.concurrent.CopyOnWriteArrayList<>();
  private MeterRegistry registry;
  private final SensorService service;
  private Server server;

  private Delivery(Spool spool, SpoolOutput output, Supplier<RingStatus> ring, int maxSubscribers) {
    this.spool = spool;
    this.output = output;
    this.service = new SensorService(spool, () -> exporters, ring, maxSubscribers);
  }

  /** A plan from the configuration's delivery sections; relative paths from {@code baseDir}. */
  public static Plan plan(SensorConfig c, Path baseDir) {
    Spool.Settings spool = new Spool.Settings(ConfigLoader.resolve(c.spool.dir, baseDir), Spool.ROLL_CYCLES.get(c.spool.rollCycle),
        c.spool.maxSize, c.spool.maxAge);
    List<Exporter.Settings> cols = new ArrayList<>();
    for (SensorConfig.Collector col : c.collectors) {
      InetSocketAddress a;
      try {
        a = ConfigLoader.hostPort("address", col.address);
      } catch (dev.nsm.sensor.config.ConfigException e) {
        throw new IllegalArgumentException(e.getMessage(), e); // validated before
      }
      TlsFiles.Client tls = col.plaintext ? null : new TlsFiles.Client(ConfigLoader.resolve(col.tls.ca, baseDir),
          col.tls.cert == null ? null : ConfigLoader.resolve(col.tls.cert, baseDir),
          col.tls.key == null ? null : ConfigLoader.resolve(col.tls.key, baseDir), col.tls.serverName);
      cols.add(new Exporter.Settings(col.name, a.getHostString(), a.getPort(), tls, col.batch.maxRecords, col.batch.maxBytes,
          col.batch.linger, col.ackTimeout, col.backoff.initial, col.backoff.max, col.keepalive.time, col.keepalive.timeout));
    }
    InetSocketAddress listen = null;
    TlsFiles.Server listenTls = null;
    if (c.subscribe.enabled) {
      try {
        InetSocketAddress u = ConfigLoader.hostPort("subscribe.listen", c.subscribe.listen);
        listen = new InetSocketAddress(u.getHostString(), u.getPort());
      } catch (dev.nsm.sensor.config.ConfigException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (!c.subscribe.plaintext) {
        listenTls = new TlsFiles.Server(ConfigLoader.resolve(c.subscribe.tls.cert, baseDir), ConfigLoader.resolve(c.subscribe.tls.key, baseDir),
            c.subscribe.tls.clientCa == null ? null : ConfigLoader.resolve(c.subscribe.tls.clientCa, baseDir));
      }
    }
    return new Plan(c.sensorId, spool, cols, listen, listenTls, c.subscribe.plaintext, c.subscribe.maxSubscribers);
  }

  /**
   * Opens the spool, starts the writer, the exporters and the listener.
   *
   * @param ring the packet ring's state for Status (null in replay)
   */
  public static Delivery start(Plan plan, int recordRingSize, Supplier<RingStatus> ring) throws IOException {
    Spool spool = Spool.open(plan.spool(), plan.sensorId());
    SpoolOutput output = new SpoolOutput(spool, recordRingSize, TimeUnit.SECONDS.toNanos(1));
    Delivery delivery = new Delivery(spool, output, ring, plan.maxSubscribers());
    try {
      for (Exporter.Settings s : plan.collectors()) {
        delivery.exporters.add(Exporter.start(s, spool, plan.spool().dir()));
        delivery.exporterSettings.add(s);
      }
      if (plan.listen() != null) {
        delivery.server = delivery.service.serve(plan.listen(), plan.listenTls() == null ? null : TlsFiles.server(plan.listenTls()));
      }
    } catch (IOException | RuntimeException e) {
      delivery.closeQuietly();
      throw e;
    }
    LOG.info("delivery: spool {} (seq {} to {}), {} collector(s){}", plan.spool().dir(), spool.firstSeq(), spool.nextSeq() - 1,
        plan.collectors().size(), delivery.server == null ? "" : ", Sensor service on port " + delivery.server.getPort());
    return delivery;
  }

  public SpoolOutput output() {
    return output;
  }

  public Spool spool() {
    return spool;
  }

  public List<Exporter> exporters() {
    return exporters;
  }

  public SensorService service() {
    return service;
  }

  /** The Sensor service's port (0 when not listening). */
  public int listenPort() {
    return server == null ? 0 : server.getPort();
  }

  /**
   * Waits until every collector acked every record appended so far. Returns the records still
   * unacked per collector (empty: all delivered) once done or after {@code timeout}.
   */
  public List<String> drain(Duration timeout) throws InterruptedException {
    long last = spool.nextSeq() - 1;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Exporter e : exporters) {
      e.awaitAckedTimed(last, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    List<String> behind = new ArrayList<>();
    for (Exporter e : exporters) {
      long lag = Math.max(0, last - e.acked());
      if (lag > 0) {
        behind.add(e.name() + " (" + e.address() + "): " + lag + " record(s) unacked, last ack "
            + (e.acked() < 0 ? "none" : "seq " + e.acked()) + (e.lastError().isEmpty() ? "" : ", last error: " + e.lastError()));
      }
    }
    return behind;
  }

  /**
   * SIGHUP: the collectors of a re-read configuration. Exporters whose settings did not change go on;
   * removed ones stop (their cursor files stay, so putting one back resumes it); new and changed ones
   * start from their cursor. Returns what changed, for the log.
   */
  public synchronized String reconfigure(List<Exporter.Settings> wanted) throws IOException {
    List<String> done = new ArrayList<>();
    for (int i = exporters.size() - 1; i >= 0; i--) {
      Exporter.Settings have = exporterSettings.get(i);
      if (!wanted.contains(have)) {
        Exporter gone = exporters.remove(i);
        exporterSettings.remove(i);
        unbind(gone.name());
        gone.close();
        done.add("stopped " + gone.name());
      }
    }
    for (Exporter.Settings s : wanted) {
      if (!exporterSettings.contains(s)) {
        Exporter e = Exporter.start(s, spool, spool.dir());
        exporters.add(e);
        exporterSettings.add(s);
        if (registry != null) {
          bindExporter(registry, e);
        }
        done.add("started " + s.name() + " (" + s.address() + ")");
      }
    }
    return done.isEmpty() ? "collectors unchanged" : String.join(", ", done);
  }

  private void unbind(String name) {
    if (registry != null) {
      registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("nsm.collector.")
          && name.equals(m.getId().getTag("collector"))).toList().forEach(registry::remove);
    }
  }

  /** Delivery's meters: the spool, each collector, the subscribers. */
  public void bind(MeterRegistry r) {
    this.registry = r;
    FunctionCounter.builder("nsm.spool.records.appended", spool, Spool::appended).description("records appended to the spool").register(r);
    FunctionCounter.builder("nsm.spool.records.deleted", spool, Spool::deleted)
        .description("records deleted by the spool's retention (size or age)").register(r);
    Gauge.builder("nsm.spool.bytes", spool, Spool::bytes).description("bytes the spool's files use").register(r);
    Gauge.builder("nsm.spool.max.bytes", spool, Spool::maxBytes).description("the spool's size bound (spool.max_size)").register(r);
    Gauge.builder("nsm.spool.first.seq", spool, Spool::firstSeq).description("the oldest seq the spool holds").register(r);
    Gauge.builder("nsm.spool.next.seq", spool, Spool::nextSeq).description("the seq the next record will get").register(r);
    for (Exporter e : exporters) {
      bindExporter(r, e);
    }
    Gauge.builder("nsm.subscribers", service, SensorService::subscribers).description("open Subscribe streams").register(r);
  }

  private static void bindExporter(MeterRegistry r, Exporter e) {
    {
      String n = e.name();
      Gauge.builder("nsm.collector.connected", e, x -> x.connected() ? 1 : 0).description("1 while a Push stream is open").tag("collector", n).register(r);
      Gauge.builder("nsm.collector.acked.seq", e, Exporter::acked).description("the highest seq the collector acked (-1: none)").tag("collector", n).register(r);
      Gauge.builder("nsm.collector.lag.records", e, Exporter::lag).description("records spooled and not acked by the collector")
          .tag("collector", n).register(r);
      FunctionCounter.builder("nsm.collector.dropped.records", e, Exporter::dropped)
          .description("records the spool's retention deleted before the collector acked them").tag("collector", n).register(r);
      FunctionCounter.builder("nsm.collector.sent.records", e, Exporter::sentRecords).description("records sent (resends included)")
          .tag("collector", n).register(r);
      FunctionCounter.builder("nsm.collector.sent.bytes", e, Exporter::sentBytes).description("bytes of batches sent").tag("collector", n).register(r);
      FunctionCounter.builder("nsm.collector.connects", e, Exporter::connects).description("Push streams started (attempts that failed to connect included)").tag("collector", n).register(r);
    }
  }

  /** /healthz's view: null when every collector is connected or never had a problem. */
  public String problem() {
    if (!output.healthy()) {
      return output.failure();
    }
    return null;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception e) {
      LOG.warn("closing delivery: {}", e.toString());
    }
  }

  /**
   * Appends what is in the record ring (the output must be closed first by the caller, or is closed
   * here), stops the exporters (what they have not delivered stays in the spool for the next start),
   * the listener and the spool.
   */
  @Override
  public void close() throws Exception {
    Exception first = null;
    try {
      output.close();
    } catch (Exception e) {
      first = e;
    }
    service.stop(java.time.Duration.ofSeconds(2));
    if (server != null) {
      server.shutdownNow();
      server.awaitTermination(2, TimeUnit.SECONDS);
    }
    for (Exporter e : exporters) {
      e.close();
    }
    spool.close();
    if (first != null) {
      throw first;
    }
  }
}
