package dev.nsm.sensor.cli;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.capture.CaptureFiles;
import dev.nsm.sensor.capture.CaptureFormatException;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.sensor.app.AppConfig;
import dev.nsm.sensor.capture.PacketSource;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.output.JsonLines;
import dev.nsm.sensor.pipeline.Ingest;
import dev.nsm.sensor.pipeline.Pipeline;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sensor replay FILE}: a capture file in, records out as JSON lines. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Replays a pcap or pcapng capture (classic or gzip'd; '-' reads stdin) through the",
        "same pipeline as live capture and writes one JSON line per record: {\"flow\": {...}} for",
        "each connection, {\"dns\": ...}, {\"tls\": ...}, {\"http\": ...} and {\"notice\": ...} for what",
        "the application layer found, then one {\"stats\": {...}} line with the run's counters.",
        "With --collector (or --spool, or --config), the records go through the same spool and",
        "exporters as the daemon instead: appended to a spool (--spool DIR, else a temporary one),",
        "streamed to each collector, and replay waits until every record is acked.",
        "Exit codes: 0 done, 2 bad input (the records decoded before a damaged record are still",
        "written), 3 records still unacked after --drain-timeout, 1 internal error."})
public final class ReplayCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "pcap or pcapng file, or - for stdin")
  String file;

  @Option(names = "--out", paramLabel = "FILE|-", defaultValue = "-",
      description = "where the JSON lines go (default: - = stdout)")
  String out;

  @Option(names = "--workers", paramLabel = "N",
      description = "flow workers (default: the number of cores, ${DEFAULT-VALUE})")
  int workers = Runtime.getRuntime().availableProcessors();

  @Option(names = "--ring-size", paramLabel = "N", defaultValue = "4096",
      description = "packet ring slots, a power of two (default: ${DEFAULT-VALUE})")
  int ringSize;

  @Option(names = "--max-flows", paramLabel = "N", defaultValue = "1000000",
      description = "flows held at once over all workers; past it the least recently active is "
          + "evicted and counted (default: ${DEFAULT-VALUE})")
  int maxFlows;

  @Option(names = "--flow-memory", paramLabel = "BYTES", defaultValue = "536870912",
      description = "estimated heap of the flows over all workers (1 KiB a flow, 3 KiB while DNS/TLS/HTTP state "
          + "is held); past it the least recently active are evicted and counted (default: ${DEFAULT-VALUE})")
  long flowMemory;

  @Option(names = "--dns-max-pending", paramLabel = "N", defaultValue = "200000",
      description = "DNS messages waiting for their pair over all flows; past it the oldest is written unpaired, "
          + "counted and noticed (default: ${DEFAULT-VALUE})")
  int dnsMaxPending;

  @Option(names = "--dns-pending-memory", paramLabel = "BYTES", defaultValue = "134217728",
      description = "their estimated heap (~0.5 KiB each); past it the same (default: ${DEFAULT-VALUE})")
  long dnsPendingMemory;

  @Option(names = "--http-max-pending", paramLabel = "N", defaultValue = "100000",
      description = "HTTP requests waiting for their response over all connections; past it the oldest is written "
          + "unanswered, counted and noticed (default: ${DEFAULT-VALUE})")
  int httpMaxPending;

  @Option(names = "--http-pending-memory", paramLabel = "BYTES", defaultValue = "67108864",
      description = "their estimated heap (~0.4 KiB each plus their strings); past it the same (default: ${DEFAULT-VALUE})")
  long httpPendingMemory;

  @Option(names = "--fragments-max-datagrams", paramLabel = "N", defaultValue = "4096",
      description = "IP datagrams in reassembly at once; past it the oldest is dropped and counted "
          + "(default: ${DEFAULT-VALUE})")
  int fragmentsMaxDatagrams;

  @Option(names = "--fragments-memory", paramLabel = "BYTES", defaultValue = "67108864",
      description = "fragment bytes held at once (at least 65535); past it the oldest datagrams are dropped and "
          + "counted (default: ${DEFAULT-VALUE})")
  long fragmentsMemory;

  @Option(names = "--reassembly-flow-cap", paramLabel = "BYTES", defaultValue = "262144",
      description = "out-of-order TCP bytes held per flow direction; past it a hole is skipped, "
          + "counted and noticed (default: ${DEFAULT-VALUE})")
  int reassemblyFlowCap;

  @Option(names = "--reassembly-memory", paramLabel = "BYTES", defaultValue = "268435456",
      description = "out-of-order TCP bytes held over all workers (split between them); past it holes "
          + "are skipped, counted and noticed (default: ${DEFAULT-VALUE})")
  long reassemblyMemory;

  @Option(names = "--analyse-partial", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "also look for DNS, TLS and HTTP in TCP connections whose first packet was neither SYN "
          + "nor SYN-ACK (default: on, as tshark; --no-analyse-partial: Zeek's behaviour, not analysed)")
  boolean analysePartial;

  @Option(names = "--protocols", paramLabel = "LIST", defaultValue = "all",
      description = "which analysers run: all (default), none (flow records only: no reassembly, no dns/tls/"
          + "http records, no analyser in service), or a comma-separated list of dns, tls, http, quic")
  String protocols;

  @Option(names = "--mirror-transport", paramLabel = "TYPE", defaultValue = "none",
      description = "the tunnel the mirror session arrives in: vxlan, geneve, erspan, gre or none. Its inner "
          + "traffic is recorded as if captured natively (no tunnel_parents); the outer mirror flows are "
          + "counted (mirror_transport_packets), not written (default: ${DEFAULT-VALUE})")
  String mirrorTransport;

  @Option(names = "--vxlan-port", paramLabel = "PORT", defaultValue = "4789",
      description = "UDP port of VXLAN, 0 = do not decapsulate (default: ${DEFAULT-VALUE})")
  int vxlanPort;

  @Option(names = "--geneve-port", paramLabel = "PORT", defaultValue = "6081",
      description = "UDP port of GENEVE, 0 = do not decapsulate (default: ${DEFAULT-VALUE})")
  int genevePort;

  @Option(names = "--tunnel-max-depth", paramLabel = "N", defaultValue = "2",
      description = "tunnels decapsulated inside one another at most, 0 to 4; 0 = none (default: ${DEFAULT-VALUE}, "
          + "Zeek's Tunnel::max_depth)")
  int tunnelMaxDepth;

  @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "a progress line on stderr when stderr is a terminal (default: on)")
  boolean progress;

  @Option(names = "--collector", paramLabel = "HOST:PORT",
      description = "stream the records to this collector (Collector.Push); repeatable. TLS needs --tls-ca "
          + "(and --tls-cert/--tls-key for mutual TLS); no TLS only with --plaintext")
  List<String> collectors = new ArrayList<>();

  @Option(names = "--plaintext", description = "talk to the collectors without TLS")
  boolean plaintext;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA bundle that signed the collectors' certificates")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "this sensor's client certificate (mutual TLS)")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "its private key (PKCS#8)")
  Path tlsKey;

  @Option(names = "--tls-server-name", paramLabel = "NAME", description = "the name to check in the collector's certificate "
      + "(default: the host of HOST:PORT)")
  String tlsServerName;

  @Option(names = "--spool", paramLabel = "DIR", description = "the spool's state directory (kept; a later run on it "
      + "resumes delivery of what is unacked); default with --collector: a temporary one, removed at exit")
  Path spoolDir;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "5m",
      description = "how long to wait for the collectors' acks after the last record (default: ${DEFAULT-VALUE})")
  String drainTimeout;

  @Option(names = "--sensor-id", paramLabel = "ID", description = "sensor_id of the records (default: the host name)")
  String sensorId;

  @Option(names = "--config", paramLabel = "FILE", description = "take sensor_id, spool, collectors and subscribe "
      + "from the daemon's configuration (capture and output are not used); flags above override or add")
  Path config;

  @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "serve /metrics while replaying (delivery)")
  String metricsListen;

  @Option(names = "--batch-max-records", paramLabel = "N", hidden = true, defaultValue = "4096")
  int batchMaxRecords;

  @Option(names = "--backoff-max", paramLabel = "DURATION", hidden = true, defaultValue = "5s")
  String backoffMax;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** A cap below its least value: one line naming the option, exit 2. */
  private void checkCap(String option, long value, long min, String minName) {
    if (value < min) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " must be at least " + min
          + (minName == null ? "" : " (" + minName + ")") + ", not " + value);
    }
  }

  /** Exit code: records still unacked by a collector after --drain-timeout. */
  public static final int EXIT_UNDELIVERED = 3;

  /**
   * The pipeline of a replay, with every bound and switch given on the command line (workers, ring,
   * flow and application caps, --protocols, tunnels): the same for JSON lines and for delivery.
   * Validated here, before any file is opened; impossible values: a ParameterException naming the
   * option (one line, exit 2). The pipeline itself is made (its threads started) by the function.
   */
  java.util.function.Function<dev.nsm.sensor.pipeline.RecordSink, Pipeline> pipelineFactory() {
    if (workers < 1 || workers > 256) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be 1 to 256, not " + workers);
    }
    if (ringSize < 64 || Integer.bitCount(ringSize) != 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--ring-size must be a power of two >= 64, not " + ringSize);
    }
    if (maxFlows < workers) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-flows must be at least --workers, not " + maxFlows);
    }
    checkCap("--flow-memory", flowMemory, (long) FlowConfig.MIN_FLOWS_PER_TABLE * FlowConfig.FLOW_BYTES * workers,
        "1024 flows x --workers");
    checkCap("--dns-max-pending", dnsMaxPending, workers, "--workers");
    checkCap("--dns-pending-memory", dnsPendingMemory, AppConfig.MIN_DNS_PENDING_BYTES * workers, "65536 x --workers");
    checkCap("--http-max-pending", httpMaxPending, workers, "--workers");
    checkCap("--http-pending-memory", httpPendingMemory, AppConfig.MIN_HTTP_PENDING_BYTES * workers, "65536 x --workers");
    checkCap("--fragments-max-datagrams", fragmentsMaxDatagrams, 1, null);
    checkCap("--fragments-memory", fragmentsMemory, 65535, null);
    dev.nsm.parsers.packet.TunnelSettings tunnels = tunnelSettings();
    AppConfig appConfig;
    FlowConfig flowConfig;
    IpDefragmenter defrag;
    try {
      appConfig = AppConfig.defaults().withReassembly(reassemblyFlowCap, reassemblyMemory)
          .withAnalysePartial(analysePartial).withProtocols(AppConfig.parseProtocols(protocols))
          .withDnsPending(dnsMaxPending, dnsPendingMemory).withHttpPending(httpMaxPending, httpPendingMemory)
          .perWorker(workers);
      flowConfig = FlowConfig.defaults().withMaxFlows(maxFlows).withMaxBytes(flowMemory).perWorker(workers);
      defrag = new IpDefragmenter(fragmentsMaxDatagrams, fragmentsMemory, IpDefragmenter.DEFAULT_TIMEOUT_NANOS);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return sink -> new Pipeline(workers, ringSize, flowConfig, appConfig, tunnels, defrag, sink);
  }

  @Override
  public Integer call() {
    if (!collectors.isEmpty() || spoolDir != null || config != null) {
      return new DeliveryReplay(this).run();
    }
    PrintWriter err = spec.commandLine().getErr();
    java.util.function.Function<dev.nsm.sensor.pipeline.RecordSink, Pipeline> newPipeline = pipelineFactory();
    PacketSource source;
    try {
      source = CaptureFiles.open(file);
    } catch (IOException e) {
      err.println("sensor: " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    OutputStream os;
    try {
      os = "-".equals(out) ? new FileOutputStream(FileDescriptor.out) : Files.newOutputStream(Path.of(out));
    } catch (NoSuchFileException e) {
      err.println("sensor: cannot write --out " + out + ": no such directory");
      closeQuietly(source);
      return Main.EXIT_BAD_INPUT;
    } catch (AccessDeniedException e) {
      err.println("sensor: cannot write --out " + out + ": permission denied");
      closeQuietly(source);
      return Main.EXIT_BAD_INPUT;
    } catch (IOException | RuntimeException e) {
      err.println("sensor: cannot write --out " + out + ": " + e.getMessage());
      closeQuietly(source);
      return Main.EXIT_BAD_INPUT;
    }
    String inputError = null;
    JsonLines json = new JsonLines(new BufferedOutputStream(os, 1 << 20));
    RecordRing records = new RecordRing(8192, json);
    Pipeline pipeline = newPipeline.apply(records);
    Ingest ingest = pipeline.ingest();
    Progress bar = progress && System.console() != null ? new Progress(source, err) : null;
    try {
      while (source.next(ingest)) {
        if (bar != null) {
          bar.tick(pipeline.counters().packetsRead);
        }
      }
    } catch (CaptureFormatException e) {
      inputError = e.getMessage();
    } catch (IOException e) {
      inputError = file + ": read error: " + e.getMessage();
    } finally {
      closeQuietly(source);
      if (bar != null) {
        bar.done();
      }
    }
    pipeline.finish();
    records.emit(Event.newBuilder().setStats(pipeline.stats(pipeline.counters().lastTsNanos)).build());
    try {
      records.close();
      json.close();
    } catch (Exception e) {
      err.println("sensor: cannot write --out " + out + ": " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    if (inputError != null) {
      err.println("sensor: " + inputError);
      return Main.EXIT_BAD_INPUT;
    }
    return 0;
  }

  /** The tunnel options, checked as the configuration's {@code tunnels:} section is (one line, exit 2). */
  dev.nsm.parsers.packet.TunnelSettings tunnelSettings() {
    dev.nsm.sensor.config.SensorConfig.Tunnels t = dev.nsm.sensor.config.SensorConfig.tunnels(
        tunnelMaxDepth, vxlanPort, genevePort, mirrorTransport);
    try {
      dev.nsm.sensor.config.ConfigLoader.validateTunnels(t);
    } catch (dev.nsm.sensor.config.ConfigException e) {
      String opt = e.getMessage().replace("tunnels.max_depth", "--tunnel-max-depth")
          .replace("tunnels.mirror_transport", "--mirror-transport").replace("tunnels.vxlan_port", "--vxlan-port")
          .replace("tunnels.geneve_port", "--geneve-port");
      throw new CommandLine.ParameterException(spec.commandLine(), opt);
    }
    return t.settings();
  }

  static void closeQuietly(PacketSource s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing a read-only input: nothing to lose
    }
  }

  /** A progress line on a terminal, at most once a second. */
  static final class Progress {
    private final PacketSource source;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long next = start + 1_000_000_000L;

    Progress(PacketSource source, PrintWriter err) {
      this.source = source;
      this.err = err;
    }

    void tick(long packets) {
      if ((packets & 0xffff) != 0) {
        return;
      }
      long now = System.nanoTime();
      if (now < next) {
        return;
      }
      next = now + 1_000_000_000L;
      double secs = (now - start) / 1e9;
      long size = source.size();
      String pct = size > 0 ? String.format("%3.0f%% ", 100.0 * source.position() / size) : "";
      err.printf("\r%s%,d packets, %.1f MB, %.0f packets/s   ", pct, packets, source.position() / 1e6, packets / secs);
      err.flush();
    }

    void done() {
      if (next != start + 1_000_000_000L) {
        err.println();
      }
    }
  }
}
