package dev.nsm.sensor.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * The daemon's configuration, as read from {@code sensor.yaml} ({@code config/sensor.yaml} documents
 * every key). Immutable: each section is a final class whose constructor is the only way Jackson
 * builds it (fields and getters are invisible to Jackson, so the constructor's parameters are the
 * only keys it knows and every other key is an error). A key left out takes the default written here
 * and in {@code config/sensor.yaml}. Ranges are checked by {@link ConfigLoader}, which knows the
 * key paths for its messages.
 */
public final class SensorConfig {
  public final Capture capture;
  public final Pipeline pipeline;
  public final Flows flows;
  public final Protocols protocols;
  public final Output output;
  public final Metrics metrics;
  public final Logging logging;
  public final Shutdown shutdown;
  /** Names this sensor in every delivered Event (default: the host name). */
  public final String sensorId;
  public final SpoolSection spool;
  public final List<Collector> collectors;
  public final Subscribe subscribe;
  public final Tunnels tunnels;

  @JsonCreator
  SensorConfig(
      @JsonProperty("capture") Capture capture,
      @JsonProperty("pipeline") Pipeline pipeline,
      @JsonProperty("flows") Flows flows,
      @JsonProperty("protocols") Protocols protocols,
      @JsonProperty("output") Output output,
      @JsonProperty("metrics") Metrics metrics,
      @JsonProperty("logging") Logging logging,
      @JsonProperty("shutdown") Shutdown shutdown,
      @JsonProperty("sensor_id") String sensorId,
      @JsonProperty("spool") SpoolSection spool,
      @JsonProperty("collectors") List<Collector> collectors,
      @JsonProperty("subscribe") Subscribe subscribe,
      @JsonProperty("tunnels") Tunnels tunnels) {
    this.capture = capture; // required: ConfigLoader says so when it is missing
    this.pipeline = orElse(pipeline, new Pipeline(null, null));
    this.flows = orElse(flows, new Flows(null, null, null, null));
    this.protocols = orElse(protocols, new Protocols(null, null, null, null, null));
    this.output = orElse(output, new Output(null, null));
    this.metrics = orElse(metrics, new Metrics(null, null));
    this.logging = orElse(logging, new Logging(null));
    this.shutdown = orElse(shutdown, new Shutdown(null));
    this.sensorId = orElse(sensorId, hostName());
    this.spool = orElse(spool, new SpoolSection(null, null, null, null));
    this.collectors = collectors == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(collectors));
    this.subscribe = orElse(subscribe, new Subscribe(null, null, null, null, null));
    this.tunnels = orElse(tunnels, new Tunnels(null, null, null, null, null, null, null));
  }

  /** Records go to the spool (and from there to collectors and subscribers) instead of output.path. */
  public boolean delivers() {
    return !collectors.isEmpty() || subscribe.enabled;
  }

  static String hostName() {
    try {
      String h = java.net.InetAddress.getLocalHost().getHostName();
      return h == null || h.isBlank() ? "sensor" : h;
    } catch (java.io.IOException e) {
      return "sensor";
    }
  }

  /**
   * Every setting as "key path = value", in file order: what SIGHUP compares to tell which settings
   * changed (and which of those need a restart).
   */
  public java.util.Map<String, String> flatten() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    if (capture != null) {
      for (int i = 0; i < capture.interfaces.size(); i++) {
        Interface f = capture.interfaces.get(i);
        String p = "capture.interfaces[" + i + "].";
        m.put(p + "name", f.name);
        m.put(p + "promiscuous", String.valueOf(f.promiscuous));
        m.put(p + "snaplen", String.valueOf(f.snaplen));
        m.put(p + "buffer_size", String.valueOf(f.bufferSize));
        m.put(p + "immediate", String.valueOf(f.immediate));
        m.put(p + "timeout", String.valueOf(f.timeout));
        m.put(p + "filter", f.filter);
      }
      m.put("capture.tick", String.valueOf(capture.tick));
    }
    m.put("pipeline.workers", String.valueOf(pipeline.workers));
    m.put("pipeline.ring_size", String.valueOf(pipeline.ringSize));
    m.put("flows.max_flows", String.valueOf(flows.maxFlows));
    m.put("flows.memory", String.valueOf(flows.memory));
    m.put("flows.vlan_in_key", String.valueOf(flows.vlanInKey));
    m.put("flows.timeouts.tcp_inactivity", String.valueOf(flows.timeouts.tcpInactivity));
    m.put("flows.timeouts.udp_inactivity", String.valueOf(flows.timeouts.udpInactivity));
    m.put("flows.timeouts.icmp_inactivity", String.valueOf(flows.timeouts.icmpInactivity));
    m.put("flows.timeouts.other_inactivity", String.valueOf(flows.timeouts.otherInactivity));
    m.put("protocols.reassembly.flow_cap", String.valueOf(protocols.reassembly.flowCap));
    m.put("protocols.reassembly.memory", String.valueOf(protocols.reassembly.memory));
    m.put("protocols.fragments.max_datagrams", String.valueOf(protocols.fragments.maxDatagrams));
    m.put("protocols.fragments.memory", String.valueOf(protocols.fragments.memory));
    m.put("protocols.dns.max_pending", String.valueOf(protocols.dns.maxPending));
    m.put("protocols.dns.pending_memory", String.valueOf(protocols.dns.pendingMemory));
    m.put("protocols.http.max_pending", String.valueOf(protocols.http.maxPending));
    m.put("protocols.http.pending_memory", String.valueOf(protocols.http.pendingMemory));
    m.put("protocols.analyse_partial", String.valueOf(protocols.analysePartial));
    m.put("tunnels.max_depth", String.valueOf(tunnels.maxDepth));
    m.put("tunnels.vxlan_port", String.valueOf(tunnels.vxlanPort));
    m.put("tunnels.geneve_port", String.valueOf(tunnels.genevePort));
    m.put("tunnels.teredo_port", String.valueOf(tunnels.teredoPort));
    m.put("tunnels.ayiya_port", String.valueOf(tunnels.ayiyaPort));
    m.put("tunnels.gtpu_port", String.valueOf(tunnels.gtpuPort));
    m.put("tunnels.mirror_transport", tunnels.mirrorTransport);
    m.put("output.path", output.path);
    m.put("output.stats_interval", String.valueOf(output.statsInterval));
    m.put("metrics.enabled", String.valueOf(metrics.enabled));
    m.put("metrics.listen", metrics.listen);
    m.put("logging.level", logging.level);
    m.put("shutdown.timeout", String.valueOf(shutdown.timeout));
    m.put("sensor_id", sensorId);
    m.put("spool.dir", spool.dir);
    m.put("spool.roll_cycle", spool.rollCycle);
    m.put("spool.max_size", String.valueOf(spool.maxSize));
    m.put("spool.max_age", String.valueOf(spool.maxAge));
    for (int i = 0; i < collectors.size(); i++) {
      Collector c = collectors.get(i);
      if (c == null) {
        continue;
      }
      String p = "collectors[" + i + "].";
      m.put(p + "name", c.name);
      m.put(p + "address", c.address);
      m.put(p + "plaintext", String.valueOf(c.plaintext));
      m.put(p + "tls", c.tls == null ? "" : c.tls.ca + "," + c.tls.cert + "," + c.tls.key + "," + c.tls.serverName);
      m.put(p + "batch", c.batch.maxRecords + "," + c.batch.maxBytes + "," + c.batch.linger);
      m.put(p + "ack_timeout", String.valueOf(c.ackTimeout));
      m.put(p + "backoff", c.backoff.initial + "," + c.backoff.max);
      m.put(p + "keepalive", c.keepalive.time + "," + c.keepalive.timeout);
    }
    m.put("subscribe.enabled", String.valueOf(subscribe.enabled));
    m.put("subscribe.listen", subscribe.listen);
    m.put("subscribe.plaintext", String.valueOf(subscribe.plaintext));
    m.put("subscribe.tls", subscribe.tls == null ? "" : subscribe.tls.cert + "," + subscribe.tls.key + "," + subscribe.tls.clientCa);
    m.put("subscribe.max_subscribers", String.valueOf(subscribe.maxSubscribers));
    return m;
  }

  /** {@code capture:} the interfaces and the capture thread's clock. */
  public static final class Capture {
    public final List<Interface> interfaces;
    /** Kernel counters are read, and idle flows' timers advanced to the wall clock, this often. */
    public final Duration tick;

    @JsonCreator
    Capture(@JsonProperty("interfaces") List<Interface> interfaces, @JsonProperty("tick") Duration tick) {
      this.interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
      this.tick = orElse(tick, Duration.ofSeconds(1));
    }
  }

  /** {@code capture.interfaces[i]:} one libpcap handle. */
  public static final class Interface {
    public final String name;
    public final boolean promiscuous;
    public final int snaplen;
    /** Kernel capture buffer (libpcap's ring), bytes. */
    public final long bufferSize;
    public final boolean immediate;
    public final Duration timeout;
    /** BPF filter in tcpdump's syntax; empty: every packet. */
    public final String filter;

    @JsonCreator
    Interface(
        @JsonProperty("name") String name,
        @JsonProperty("promiscuous") Boolean promiscuous,
        @JsonProperty("snaplen") Integer snaplen,
        @JsonProperty("buffer_size") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long bufferSize,
        @JsonProperty("immediate") Boolean immediate,
        @JsonProperty("timeout") Duration timeout,
        @JsonProperty("filter") String filter) {
      this.name = name;
      this.promiscuous = orElse(promiscuous, true);
      this.snaplen = orElse(snaplen, 65535);
      this.bufferSize = orElse(bufferSize, 64L << 20);
      this.immediate = orElse(immediate, false);
      this.timeout = orElse(timeout, Duration.ofMillis(100));
      this.filter = orElse(filter, "");
    }
  }

  /** {@code pipeline:} the packet ring and its consumers. */
  public static final class Pipeline {
    public final int workers;
    public final int ringSize;

    @JsonCreator
    Pipeline(@JsonProperty("workers") Integer workers, @JsonProperty("ring_size") Integer ringSize) {
      this.workers = orElse(workers, 1);
      this.ringSize = orElse(ringSize, 16384);
    }
  }

  /** {@code flows:} the flow tables' bound and timeouts. */
  public static final class Flows {
    public final int maxFlows;
    /** Estimated heap of the flows, over all workers (FlowConfig.FLOW_BYTES per flow, more with app state). */
    public final long memory;
    /** Whether VLAN ids are part of the flow key (off: Zeek's 5-tuple). */
    public final boolean vlanInKey;
    public final Timeouts timeouts;

    @JsonCreator
    Flows(@JsonProperty("max_flows") Integer maxFlows,
        @JsonProperty("memory") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long memory,
        @JsonProperty("vlan_in_key") Boolean vlanInKey,
        @JsonProperty("timeouts") Timeouts timeouts) {
      this.maxFlows = orElse(maxFlows, 1_000_000);
      this.memory = orElse(memory, dev.nsm.sensor.flow.FlowConfig.DEFAULT_TOTAL_BYTES);
      this.vlanInKey = orElse(vlanInKey, false);
      this.timeouts = orElse(timeouts, new Timeouts(null, null, null, null));
    }
  }

  /** {@code flows.timeouts:} inactivity timeouts (Zeek's defaults). */
  public static final class Timeouts {
    public final Duration tcpInactivity;
    public final Duration udpInactivity;
    public final Duration icmpInactivity;
    public final Duration otherInactivity;

    @JsonCreator
    Timeouts(
        @JsonProperty("tcp_inactivity") Duration tcp,
        @JsonProperty("udp_inactivity") Duration udp,
        @JsonProperty("icmp_inactivity") Duration icmp,
        @JsonProperty("other_inactivity") Duration other) {
      this.tcpInactivity = orElse(tcp, Duration.ofMinutes(5));
      this.udpInactivity = orElse(udp, Duration.ofMinutes(1));
      this.icmpInactivity = orElse(icmp, Duration.ofMinutes(1));
      this.otherInactivity = orElse(other, Duration.ofMinutes(1));
    }
  }

  /** A {@code tunnels:} section with these values and the other defaults (replay's options). */
  public static Tunnels tunnels(int maxDepth, int vxlanPort, int genevePort, String mirrorTransport) {
    return new Tunnels(maxDepth, vxlanPort, genevePort, null, null, null, mirrorTransport);
  }

  /** {@code tunnels:} what the decoder decapsulates, and the mirror transport. */
  public static final class Tunnels {
    /** The values {@code mirror_transport} takes. */
    public static final java.util.List<String> MIRROR_TRANSPORTS = java.util.List.of("none", "vxlan", "geneve", "erspan", "gre");
    public final int maxDepth;
    public final int vxlanPort;
    public final int genevePort;
    public final int teredoPort;
    public final int ayiyaPort;
    public final int gtpuPort;
    public final String mirrorTransport;

    @JsonCreator
    Tunnels(@JsonProperty("max_depth") Integer maxDepth, @JsonProperty("vxlan_port") Integer vxlanPort,
        @JsonProperty("geneve_port") Integer genevePort, @JsonProperty("teredo_port") Integer teredoPort,
        @JsonProperty("ayiya_port") Integer ayiyaPort, @JsonProperty("gtpu_port") Integer gtpuPort,
        @JsonProperty("mirror_transport") String mirrorTransport) {
      this.maxDepth = orElse(maxDepth, 2);
      this.vxlanPort = orElse(vxlanPort, 4789);
      this.genevePort = orElse(genevePort, 6081);
      this.teredoPort = orElse(teredoPort, 3544);
      this.ayiyaPort = orElse(ayiyaPort, 5072);
      this.gtpuPort = orElse(gtpuPort, 2152);
      this.mirrorTransport = orElse(mirrorTransport, "none");
    }

    /** The decoder's settings (after {@code ConfigLoader.validate}). */
    public dev.nsm.parsers.packet.TunnelSettings settings() {
      dev.nsm.parsers.packet.TunnelSettings t = dev.nsm.parsers.packet.TunnelSettings.defaults();
      t.maxDepth = maxDepth;
      t.vxlanPort = vxlanPort;
      t.genevePort = genevePort;
      t.teredoPort = teredoPort;
      t.ayiyaPort = ayiyaPort;
      t.gtpuPort = gtpuPort;
      t.mirrorTransport = "none".equalsIgnoreCase(mirrorTransport) ? null
          : dev.nsm.parsers.packet.TunnelType.byName(mirrorTransport);
      return t;
    }
  }

  /** {@code protocols:} the application layer (DNS, TLS, HTTP records) and its TCP reassembly. */
  public static final class Protocols {
    public final Reassembly reassembly;
    public final Fragments fragments;
    public final DnsLimits dns;
    public final HttpLimits http;
    /** Whether TCP connections that began without SYN or SYN-ACK are analysed (default yes; Zeek: no). */
    public final boolean analysePartial;

    @JsonCreator
    Protocols(@JsonProperty("reassembly") Reassembly reassembly,
        @JsonProperty("fragments") Fragments fragments,
        @JsonProperty("dns") DnsLimits dns,
        @JsonProperty("http") HttpLimits http,
        @JsonProperty("analyse_partial") Boolean analysePartial) {
      this.reassembly = orElse(reassembly, new Reassembly(null, null));
      this.fragments = orElse(fragments, new Fragments(null, null));
      this.dns = orElse(dns, new DnsLimits(null, null));
      this.http = orElse(http, new HttpLimits(null, null));
      this.analysePartial = orElse(analysePartial, true);
    }
  }

  /** {@code protocols.reassembly:} out-of-order TCP data held for the parsers. */
  public static final class Reassembly {
    /** Bytes held per flow direction. */
    public final long flowCap;
    /** Bytes held over all workers. */
    public final long memory;

    @JsonCreator
    Reassembly(
        @JsonProperty("flow_cap") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long flowCap,
        @JsonProperty("memory") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long memory) {
      this.flowCap = orElse(flowCap, 256L << 10);
      this.memory = orElse(memory, 256L << 20);
    }
  }

  /** {@code protocols.fragments:} IP fragments held until their datagram is whole (the capture thread). */
  public static final class Fragments {
    /** Datagrams in reassembly at once. */
    public final int maxDatagrams;
    /** Fragment bytes held at once. */
    public final long memory;

    @JsonCreator
    Fragments(@JsonProperty("max_datagrams") Integer maxDatagrams,
        @JsonProperty("memory") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long memory) {
      this.maxDatagrams = orElse(maxDatagrams, 4096);
      this.memory = orElse(memory, 64L << 20);
    }
  }

  /** {@code protocols.dns:} DNS messages waiting for their pair, over all flows. */
  public static final class DnsLimits {
    /** Messages waiting, over all workers. */
    public final int maxPending;
    /** Their estimated heap, over all workers. */
    public final long pendingMemory;

    @JsonCreator
    DnsLimits(@JsonProperty("max_pending") Integer maxPending,
        @JsonProperty("pending_memory") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long pendingMemory) {
      this.maxPending = orElse(maxPending, dev.nsm.sensor.app.AppConfig.DEFAULT_DNS_MAX_PENDING);
      this.pendingMemory = orElse(pendingMemory, dev.nsm.sensor.app.AppConfig.DEFAULT_DNS_PENDING_BYTES);
    }
  }

  /** {@code protocols.http:} HTTP requests waiting for their response, over all connections. */
  public static final class HttpLimits {
    /** Transactions waiting, over all workers. */
    public final int maxPending;
    /** Their estimated heap, over all workers. */
    public final long pendingMemory;

    @JsonCreator
    HttpLimits(@JsonProperty("max_pending") Integer maxPending,
        @JsonProperty("pending_memory") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long pendingMemory) {
      this.maxPending = orElse(maxPending, dev.nsm.sensor.app.AppConfig.DEFAULT_HTTP_MAX_PENDING);
      this.pendingMemory = orElse(pendingMemory, dev.nsm.sensor.app.AppConfig.DEFAULT_HTTP_PENDING_BYTES);
    }
  }

  /** {@code output:} where records go until the spool exists. */
  public static final class Output {
    /** A file (appended to) or "-" for stdout. */
    public final String path;
    public final Duration statsInterval;

    @JsonCreator
    Output(@JsonProperty("path") String path, @JsonProperty("stats_interval") Duration statsInterval) {
      this.path = orElse(path, "-");
      this.statsInterval = orElse(statsInterval, Duration.ofSeconds(60));
    }
  }

  /** {@code metrics:} the HTTP listener for /metrics, /healthz and /readyz. */
  public static final class Metrics {
    public final boolean enabled;
    /** host:port; port 0 picks a free port (logged). */
    public final String listen;

    @JsonCreator
    Metrics(@JsonProperty("enabled") Boolean enabled, @JsonProperty("listen") String listen) {
      this.enabled = orElse(enabled, true);
      this.listen = orElse(listen, "127.0.0.1:9108");
    }
  }

  /** {@code logging:} the level of the daemon's log (stderr, so the journal on systemd). */
  public static final class Logging {
    public final String level;

    @JsonCreator
    Logging(@JsonProperty("level") String level) {
      this.level = orElse(level, "info");
    }
  }

  /** {@code shutdown:} how long SIGTERM may take. */
  public static final class Shutdown {
    public final Duration timeout;

    @JsonCreator
    Shutdown(@JsonProperty("timeout") Duration timeout) {
      this.timeout = orElse(timeout, Duration.ofSeconds(10));
    }
  }

  /** {@code spool:} the durable queue of records between the record makers and the exporters. */
  public static final class SpoolSection {
    /** The state directory: the queue's files and the collectors' cursors. */
    public final String dir;
    public final String rollCycle;
    public final long maxSize;
    public final Duration maxAge;

    @JsonCreator
    SpoolSection(
        @JsonProperty("dir") String dir,
        @JsonProperty("roll_cycle") String rollCycle,
        @JsonProperty("max_size") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long maxSize,
        @JsonProperty("max_age") Duration maxAge) {
      this.dir = orElse(dir, "/var/lib/sensor/spool");
      this.rollCycle = orElse(rollCycle, "5m");
      this.maxSize = orElse(maxSize, 10L << 30);
      this.maxAge = orElse(maxAge, Duration.ofDays(7));
    }
  }

  /** {@code collectors[i]:} one collector the sensor pushes to. */
  public static final class Collector {
    public final String name;
    public final String address;
    public final boolean plaintext;
    public final ClientTls tls;
    public final Batch batch;
    public final Duration ackTimeout;
    public final Backoff backoff;
    public final Keepalive keepalive;

    @JsonCreator
    Collector(
        @JsonProperty("name") String name,
        @JsonProperty("address") String address,
        @JsonProperty("plaintext") Boolean plaintext,
        @JsonProperty("tls") ClientTls tls,
        @JsonProperty("batch") Batch batch,
        @JsonProperty("ack_timeout") Duration ackTimeout,
        @JsonProperty("backoff") Backoff backoff,
        @JsonProperty("keepalive") Keepalive keepalive) {
      this.name = name;
      this.address = address;
      this.plaintext = orElse(plaintext, false);
      this.tls = tls;
      this.batch = orElse(batch, new Batch(null, null, null));
      this.ackTimeout = orElse(ackTimeout, Duration.ofSeconds(30));
      this.backoff = orElse(backoff, new Backoff(null, null));
      this.keepalive = orElse(keepalive, new Keepalive(null, null));
    }
  }

  /** {@code collectors[i].tls:} PEM files; cert and key make it mutual TLS. */
  public static final class ClientTls {
    public final String ca;
    public final String cert;
    public final String key;
    public final String serverName;

    @JsonCreator
    ClientTls(@JsonProperty("ca") String ca, @JsonProperty("cert") String cert, @JsonProperty("key") String key,
        @JsonProperty("server_name") String serverName) {
      this.ca = ca;
      this.cert = cert;
      this.key = key;
      this.serverName = orElse(serverName, "");
    }
  }

  /** {@code collectors[i].batch:} when a batch is sent. */
  public static final class Batch {
    public final int maxRecords;
    public final long maxBytes;
    public final Duration linger;

    @JsonCreator
    Batch(@JsonProperty("max_records") Integer maxRecords,
        @JsonProperty("max_bytes") @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Units.SizeDeserializer.class) Long maxBytes,
        @JsonProperty("linger") Duration linger) {
      this.maxRecords = orElse(maxRecords, 4096);
      this.maxBytes = orElse(maxBytes, 1L << 20);
      this.linger = orElse(linger, Duration.ofMillis(20));
    }
  }

  /** {@code collectors[i].backoff:} waits between reconnects, doubling, jittered. */
  public static final class Backoff {
    public final Duration initial;
    public final Duration max;

    @JsonCreator
    Backoff(@JsonProperty("initial") Duration initial, @JsonProperty("max") Duration max) {
      this.initial = orElse(initial, Duration.ofMillis(200));
      this.max = orElse(max, Duration.ofSeconds(30));
    }
  }

  /** {@code collectors[i].keepalive:} HTTP/2 pings on an open stream. */
  public static final class Keepalive {
    public final Duration time;
    public final Duration timeout;

    @JsonCreator
    Keepalive(@JsonProperty("time") Duration time, @JsonProperty("timeout") Duration timeout) {
      this.time = orElse(time, Duration.ofSeconds(30));
      this.timeout = orElse(timeout, Duration.ofSeconds(10));
    }
  }

  /** {@code subscribe:} the sensor's gRPC listener (Sensor.Subscribe and Sensor.Status). */
  public static final class Subscribe {
    public final boolean enabled;
    public final String listen;
    public final boolean plaintext;
    public final ServerTls tls;
    public final int maxSubscribers;

    @JsonCreator
    Subscribe(@JsonProperty("enabled") Boolean enabled, @JsonProperty("listen") String listen,
        @JsonProperty("plaintext") Boolean plaintext, @JsonProperty("tls") ServerTls tls,
        @JsonProperty("max_subscribers") Integer maxSubscribers) {
      this.enabled = orElse(enabled, false);
      this.listen = orElse(listen, "127.0.0.1:9109");
      this.plaintext = orElse(plaintext, false);
      this.tls = tls;
      this.maxSubscribers = orElse(maxSubscribers, 16);
    }
  }

  /** {@code subscribe.tls:} PEM files; client_ca makes it mutual TLS. */
  public static final class ServerTls {
    public final String cert;
    public final String key;
    public final String clientCa;

    @JsonCreator
    ServerTls(@JsonProperty("cert") String cert, @JsonProperty("key") String key, @JsonProperty("client_ca") String clientCa) {
      this.cert = cert;
      this.key = key;
      this.clientCa = clientCa;
    }
  }

  private static <T> T orElse(T v, T dflt) {
    return v == null ? dflt : v;
  }
}
