package dev.nsm.sensor.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads {@code sensor.yaml} into a {@link SensorConfig} and checks it. Every problem becomes one
 * {@link ConfigException} whose message names the key path and what is allowed; the first problem
 * found stops the check (the operator fixes one line and runs {@code sensor check-config} again).
 *
 * <p>Strict on purpose: unknown keys, duplicate keys, a string where a number belongs ("65535"), a
 * fraction where an integer belongs (2.5) and a word where a boolean belongs ("yes") are all errors,
 * because a daemon that quietly ignores a misspelt {@code promiscous: false} runs for months in the
 * wrong mode.
 */
public final class ConfigLoader {
  /** libpcap's largest snapshot length (MAXIMUM_SNAPLEN). */
  public static final int MAX_SNAPLEN = 262144;
  public static final int MIN_SNAPLEN = 64;
  public static final int MAX_RING_SIZE = 1 << 24;
  public static final int MAX_WORKERS = 256;
  static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

  /** Compiles a BPF filter for a check; returns null when it compiles, else libpcap's complaint. */
  @FunctionalInterface
  public interface FilterCompiler {
    String check(String filter, int snaplen);
  }

  /** What validation asks of the host: which interfaces exist, and whether a filter compiles. */
  public static final class Host {
    final Set<String> interfaces;
    final FilterCompiler filters;

    public Host(Set<String> interfaces, FilterCompiler filters) {
      this.interfaces = interfaces;
      this.filters = filters;
    }

    /** This host's interfaces, from /sys/class/net (the network namespace's own, under ip netns exec). */
    public static Set<String> sysfsInterfaces() {
      try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
        return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
      } catch (IOException e) {
        return Set.of();
      }
    }
  }

  private static final YAMLMapper MAPPER = mapper();

  private ConfigLoader() {}

  private static YAMLMapper mapper() {
    SimpleModule units = new SimpleModule("units");
    units.addDeserializer(Duration.class, new Units.DurationDeserializer());
    YAMLMapper m = YAMLMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // only the @JsonCreator constructors' parameters are keys: a public field is not one
        .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
        .visibility(PropertyAccessor.CREATOR, JsonAutoDetect.Visibility.ANY)
        .addModule(units)
        .build();
    return m;
  }

  /** Reads and checks a file: the daemon's and {@code check-config}'s entry point. */
  public static SensorConfig load(Path file, Host host) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException("", "permission denied");
    } catch (IOException e) {
      throw new ConfigException("", "cannot read: " + e.getMessage());
    }
    SensorConfig c = parse(text);
    validate(c, host, file.toAbsolutePath().getParent());
    return c;
  }

  /** Parses YAML text into the configuration's classes (types and key names checked, not ranges). */
  public static SensorConfig parse(String yaml) throws ConfigException {
    SensorConfig c;
    try {
      c = MAPPER.readValue(yaml, SensorConfig.class);
    } catch (UnrecognizedPropertyException e) {
      List<String> known = keysOf(e.getReferringClass());
      if (known.isEmpty() && e.getKnownPropertyIds() != null) {
        e.getKnownPropertyIds().forEach(k -> known.add(k.toString()));
      }
      throw new ConfigException(pathOf(e), "unknown key; allowed here: " + String.join(", ", known));
    } catch (InvalidFormatException e) {
      throw new ConfigException(pathOf(e), "must be " + describe(e.getTargetType()) + ", not " + quote(e.getValue()) + at(e.getLocation()));
    } catch (MismatchedInputException e) {
      throw new ConfigException(pathOf(e), "must be " + describe(e.getTargetType()) + found(e.getOriginalMessage()) + at(e.getLocation()));
    } catch (JsonProcessingException e) {
      // YAML syntax, a duplicate key, a number too large for its type: the place in the file
      MarkedYAMLException y = yamlCause(e);
      if (y != null && y.getProblemMark() != null) {
        throw new ConfigException("line " + (y.getProblemMark().getLine() + 1) + ", column " + (y.getProblemMark().getColumn() + 1),
            "not valid YAML: " + firstLine(y.getProblem()) + (y.getContext() == null ? "" : " (" + firstLine(y.getContext()) + ")"));
      }
      if (e instanceof JsonMappingException && !((JsonMappingException) e).getPath().isEmpty()) {
        throw new ConfigException(pathOf((JsonMappingException) e), firstLine(e.getOriginalMessage()) + at(e.getLocation()));
      }
      JsonLocation l = e.getLocation();
      String where = l == null ? "" : "line " + l.getLineNr() + ", column " + l.getColumnNr();
      throw new ConfigException(where, firstLine(e.getOriginalMessage()));
    }
    if (c == null) {
      throw new ConfigException("", "the file is empty; capture.interfaces is required");
    }
    return c;
  }

  /**
   * Checks values against what is allowed and against the host (interfaces present, filters that
   * compile, an output directory that exists and is writable).
   *
   * @param baseDir directory against which a relative output path is resolved (the config's own)
   */
  public static void validate(SensorConfig c, Host host, Path baseDir) throws ConfigException {
    if (c.capture == null || c.capture.interfaces.isEmpty()) {
      throw new ConfigException("capture.interfaces", "at least one interface is required");
    }
    range("capture.tick", c.capture.tick, Duration.ofMillis(10), Duration.ofSeconds(10));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < c.capture.interfaces.size(); i++) {
      String p = "capture.interfaces[" + i + "]";
      SensorConfig.Interface itf = c.capture.interfaces.get(i);
      if (itf == null) {
        throw new ConfigException(p, "must be a mapping with at least a name");
      }
      if (itf.name == null || itf.name.isBlank()) {
        throw new ConfigException(p + ".name", "required: the interface's name as `ip link` shows it");
      }
      if (!seen.add(itf.name)) {
        throw new ConfigException(p + ".name", "\"" + itf.name + "\" is listed twice");
      }
      if (!host.interfaces.contains(itf.name)) {
        throw new ConfigException(p + ".name", "no interface \"" + itf.name + "\" on this host; present: "
            + String.join(", ", new TreeSet<>(host.interfaces)));
      }
      range(p + ".snaplen", itf.snaplen, MIN_SNAPLEN, MAX_SNAPLEN);
      if (itf.bufferSize < (1L << 20) || itf.bufferSize > (1L << 30)) {
        throw new ConfigException(p + ".buffer_size", "must be from 1MiB to 1GiB, not " + Units.formatSize(itf.bufferSize));
      }
      range(p + ".timeout", itf.timeout, Duration.ofMillis(1), Duration.ofSeconds(10));
      if (!itf.filter.isBlank() && host.filters != null) {
        String problem = host.filters.check(itf.filter, itf.snaplen);
        if (problem != null) {
          throw new ConfigException(p + ".filter", "not a valid BPF filter (tcpdump syntax): " + firstLine(problem));
        }
      }
    }
    range("pipeline.workers", c.pipeline.workers, 1, MAX_WORKERS);
    int ring = c.pipeline.ringSize;
    if (ring < 64 || ring > MAX_RING_SIZE || Integer.bitCount(ring) != 1) {
      throw new ConfigException("pipeline.ring_size", "must be a power of two from 64 to " + MAX_RING_SIZE + ", not " + ring);
    }
    range("flows.max_flows", c.flows.maxFlows, c.pipeline.workers, 100_000_000);
    sizeRange("flows.memory", c.flows.memory,
        (long) dev.nsm.sensor.flow.FlowConfig.MIN_FLOWS_PER_TABLE * dev.nsm.sensor.flow.FlowConfig.FLOW_BYTES
            * c.pipeline.workers, 1L << 40, "1024 flows x workers");
    Duration day = Duration.ofDays(1);
    range("flows.timeouts.tcp_inactivity", c.flows.timeouts.tcpInactivity, Duration.ofSeconds(1), day);
    range("flows.timeouts.udp_inactivity", c.flows.timeouts.udpInactivity, Duration.ofSeconds(1), day);
    range("flows.timeouts.icmp_inactivity", c.flows.timeouts.icmpInactivity, Duration.ofSeconds(1), day);
    range("flows.timeouts.other_inactivity", c.flows.timeouts.otherInactivity, Duration.ofSeconds(1), day);
    long cap = c.protocols.reassembly.flowCap;
    if (cap < 4096 || cap > (64L << 20)) {
      throw new ConfigException("protocols.reassembly.flow_cap", "must be from 4KiB to 64MiB, not " + Units.formatSize(cap));
    }
    long mem = c.protocols.reassembly.memory;
    if (mem < cap * c.pipeline.workers || mem > (64L << 30)) {
      throw new ConfigException("protocols.reassembly.memory", "must be from flow_cap x workers ("
          + Units.formatSize(cap * c.pipeline.workers) + ") to 64GiB, not " + Units.formatSize(mem));
    }
    validateTunnels(c.tunnels);
    range("protocols.fragments.max_datagrams", c.protocols.fragments.maxDatagrams, 1, 1_000_000);
    sizeRange("protocols.fragments.memory", c.protocols.fragments.memory, 64L << 10, 16L << 30, null);
    range("protocols.dns.max_pending", c.protocols.dns.maxPending, c.pipeline.workers, 100_000_000);
    sizeRange("protocols.dns.pending_memory", c.protocols.dns.pendingMemory,
        dev.nsm.sensor.app.AppConfig.MIN_DNS_PENDING_BYTES * c.pipeline.workers, 1L << 40, "64KiB x workers");
    range("protocols.http.max_pending", c.protocols.http.maxPending, c.pipeline.workers, 100_000_000);
    sizeRange("protocols.http.pending_memory", c.protocols.http.pendingMemory,
        dev.nsm.sensor.app.AppConfig.MIN_HTTP_PENDING_BYTES * c.pipeline.workers, 1L << 40, "64KiB x workers");
    range("output.stats_interval", c.output.statsInterval, Duration.ofSeconds(1), day);
    checkOutput(c.output.path, baseDir);
    if (c.metrics.enabled) {
      hostPort("metrics.listen", c.metrics.listen);
    }
    if (!LEVELS.contains(c.logging.level.toLowerCase(Locale.ROOT))) {
      throw new ConfigException("logging.level", "must be one of " + String.join(", ", LEVELS) + ", not " + quote(c.logging.level));
    }
    range("shutdown.timeout", c.shutdown.timeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
    validateDelivery(c, baseDir);
  }

  /** {@code tunnels:} depth 0 (off) to 4, ports 0 (off) to 65535, a known mirror transport. */
  public static void validateTunnels(SensorConfig.Tunnels t) throws ConfigException {
    range("tunnels.max_depth", t.maxDepth, 0, dev.nsm.parsers.packet.DecodedPacket.MAX_TUNNEL_LAYERS);
    range("tunnels.vxlan_port", t.vxlanPort, 0, 65535);
    range("tunnels.geneve_port", t.genevePort, 0, 65535);
    range("tunnels.teredo_port", t.teredoPort, 0, 65535);
    range("tunnels.ayiya_port", t.ayiyaPort, 0, 65535);
    range("tunnels.gtpu_port", t.gtpuPort, 0, 65535);
    if (!SensorConfig.Tunnels.MIRROR_TRANSPORTS.contains(t.mirrorTransport.toLowerCase(Locale.ROOT))) {
      throw new ConfigException("tunnels.mirror_transport", "must be one of "
          + String.join(", ", SensorConfig.Tunnels.MIRROR_TRANSPORTS) + ", not " + quote(t.mirrorTransport));
    }
    if (!"none".equalsIgnoreCase(t.mirrorTransport) && t.maxDepth == 0) {
      throw new ConfigException("tunnels.mirror_transport", "needs tunnels.max_depth of at least 1");
    }
  }

  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * Checks the delivery sections (sensor_id, spool, collectors, subscribe): what {@code run} and
   * {@code replay --config} use. The spool directory and the TLS files are checked on the host
   * (writable, readable), relative paths taken from {@code baseDir}.
   */
  public static void validateDelivery(SensorConfig c, Path baseDir) throws ConfigException {
    if (c.sensorId.isBlank() || c.sensorId.length() > 256) {
      throw new ConfigException("sensor_id", "must be 1 to 256 characters, not " + quote(c.sensorId));
    }
    if (!dev.nsm.sensor.spool.Spool.ROLL_CYCLES.containsKey(c.spool.rollCycle)) {
      throw new ConfigException("spool.roll_cycle", "must be one of " + String.join(", ", new TreeSet<>(dev.nsm.sensor.spool.Spool.ROLL_CYCLES.keySet()))
          + ", not " + quote(c.spool.rollCycle));
    }
    if (c.spool.maxSize < (16L << 20) || c.spool.maxSize > (64L << 40)) {
      throw new ConfigException("spool.max_size", "must be from 16MiB to 64TiB, not " + Units.formatSize(c.spool.maxSize));
    }
    range("spool.max_age", c.spool.maxAge, Duration.ofMinutes(10), Duration.ofDays(3650));
    Set<String> names = new HashSet<>();
    for (int i = 0; i < c.collectors.size(); i++) {
      String p = "collectors[" + i + "]";
      SensorConfig.Collector col = c.collectors.get(i);
      if (col == null) {
        throw new ConfigException(p, "must be a mapping with at least a name and an address");
      }
      if (col.name == null || !NAME.matcher(col.name).matches()) {
        throw new ConfigException(p + ".name", "required: letters, digits, '.', '_', '-' (up to 64; it names the cursor file and the metrics), not "
            + quote(col.name));
      }
      if (!names.add(col.name)) {
        throw new ConfigException(p + ".name", "\"" + col.name + "\" is listed twice");
      }
      if (col.address == null) {
        throw new ConfigException(p + ".address", "required: the collector's host:port");
      }
      java.net.InetSocketAddress a = hostPort(p + ".address", col.address);
      if (a.getPort() == 0) {
        throw new ConfigException(p + ".address", "port must be 1 to 65535, not 0");
      }
      if (col.plaintext && col.tls != null) {
        throw new ConfigException(p + ".plaintext", "true, but tls is set too: choose one");
      }
      if (!col.plaintext) {
        if (col.tls == null || col.tls.ca == null) {
          throw new ConfigException(p + ".tls.ca", "required (a PEM CA bundle to check the collector's certificate); "
              + "for no TLS at all say plaintext: true");
        }
        readable(p + ".tls.ca", col.tls.ca, baseDir);
        if ((col.tls.cert == null) != (col.tls.key == null)) {
          throw new ConfigException(p + ".tls." + (col.tls.cert == null ? "cert" : "key"), "required with tls."
              + (col.tls.cert == null ? "key" : "cert") + " (both make it mutual TLS)");
        }
        if (col.tls.cert != null) {
          readable(p + ".tls.cert", col.tls.cert, baseDir);
          readable(p + ".tls.key", col.tls.key, baseDir);
        }
      }
      range(p + ".batch.max_records", col.batch.maxRecords, 1, 1_000_000);
      if (col.batch.maxBytes < 1024 || col.batch.maxBytes > (4L << 20)) {
        throw new ConfigException(p + ".batch.max_bytes", "must be from 1KiB to 4MiB (gRPC's default message bound), not "
            + Units.formatSize(col.batch.maxBytes));
      }
      range(p + ".batch.linger", col.batch.linger, Duration.ZERO, Duration.ofSeconds(10));
      range(p + ".ack_timeout", col.ackTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
      range(p + ".backoff.initial", col.backoff.initial, Duration.ofMillis(10), Duration.ofMinutes(10));
      range(p + ".backoff.max", col.backoff.max, col.backoff.initial, Duration.ofHours(1));
      range(p + ".keepalive.time", col.keepalive.time, Duration.ofSeconds(10), Duration.ofHours(2));
      range(p + ".keepalive.timeout", col.keepalive.timeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
    }
    SensorConfig.Subscribe sub = c.subscribe;
    if (sub.enabled) {
      hostPort("subscribe.listen", sub.listen);
      if (sub.plaintext && sub.tls != null) {
        throw new ConfigException("subscribe.plaintext", "true, but tls is set too: choose one");
      }
      if (!sub.plaintext) {
        if (sub.tls == null || sub.tls.cert == null || sub.tls.key == null) {
          throw new ConfigException("subscribe.tls", "cert and key are required (PEM); for no TLS at all say plaintext: true");
        }
        readable("subscribe.tls.cert", sub.tls.cert, baseDir);
        readable("subscribe.tls.key", sub.tls.key, baseDir);
        if (sub.tls.clientCa != null) {
          readable("subscribe.tls.client_ca", sub.tls.clientCa, baseDir);
        }
      }
      range("subscribe.max_subscribers", sub.maxSubscribers, 1, 1024);
    }
    if (c.delivers()) {
      Path dir = resolve(c.spool.dir, baseDir);
      Path probe = dir;
      while (probe != null && !Files.exists(probe)) {
        probe = probe.getParent();
      }
      if (probe == null || !Files.isDirectory(probe)) {
        throw new ConfigException("spool.dir", (probe == null ? dir : probe) + " is not a directory");
      }
      if (!Files.isWritable(probe)) {
        throw new ConfigException("spool.dir", probe + " is not writable" + (probe.equals(dir) ? "" : " (to create " + dir + ")"));
      }
    }
  }

  /** A path from the configuration: relative ones are taken from the configuration file's directory. */
  public static Path resolve(String path, Path baseDir) {
    return baseDir == null ? Path.of(path) : baseDir.resolve(path);
  }

  private static void readable(String key, String path, Path baseDir) throws ConfigException {
    Path p = resolve(path, baseDir);
    if (!Files.isRegularFile(p)) {
      throw new ConfigException(key, "no such file " + p);
    }
    if (!Files.isReadable(p)) {
      throw new ConfigException(key, "cannot read " + p + " (permission denied)");
    }
  }

  /** A duration given on a command line ("500ms", "30s", "5m", "1h", "7d"). */
  public static Duration duration(String key, String s) throws ConfigException {
    Duration d = Units.parseDuration(s);
    if (d == null) {
      throw new ConfigException(key, "must be " + Units.DURATION_FORMS + ", not " + quote(s));
    }
    return d;
  }

  /** A listen address: host:port, [v6]:port; port 0 to 65535. */
  public static java.net.InetSocketAddress hostPort(String key, String s) throws ConfigException {
    String allowed = "must be host:port (e.g. 127.0.0.1:9108, [::1]:9108, 0.0.0.0:9108), not " + quote(s);
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new ConfigException(key, allowed);
    }
    String h = s.substring(0, colon);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    } else if (h.contains(":")) {
      throw new ConfigException(key, allowed);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, allowed);
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(key, "port must be 0 to 65535 (0: any free port), not " + port);
    }
    return java.net.InetSocketAddress.createUnresolved(h, port);
  }

  private static void checkOutput(String path, Path baseDir) throws ConfigException {
    if ("-".equals(path)) {
      return;
    }
    if (path.isBlank()) {
      throw new ConfigException("output.path", "must be a file path or - for stdout");
    }
    Path p = baseDir == null ? Path.of(path) : baseDir.resolve(path);
    Path dir = p.toAbsolutePath().getParent();
    if (Files.isDirectory(p)) {
      throw new ConfigException("output.path", p + " is a directory; a file path or - is allowed");
    }
    if (dir == null || !Files.isDirectory(dir)) {
      throw new ConfigException("output.path", "directory " + dir + " does not exist");
    }
    if (Files.exists(p) ? !Files.isWritable(p) : !Files.isWritable(dir)) {
      throw new ConfigException("output.path", (Files.exists(p) ? p : dir) + " is not writable");
    }
  }

  private static void range(String key, int v, int min, int max) throws ConfigException {
    if (v < min || v > max) {
      throw new ConfigException(key, "must be from " + min + " to " + max + ", not " + v);
    }
  }

  /** A size from {@code min} (named {@code minName} when it depends on other keys) to {@code max}. */
  private static void sizeRange(String key, long v, long min, long max, String minName) throws ConfigException {
    if (v < min || v > max) {
      String from = Units.formatSize(min) + (minName == null ? "" : " (" + minName + ")");
      throw new ConfigException(key, "must be from " + from + " to " + Units.formatSize(max) + ", not " + Units.formatSize(v));
    }
  }

  private static void range(String key, Duration v, Duration min, Duration max) throws ConfigException {
    if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
      throw new ConfigException(key, "must be from " + Units.format(min) + " to " + Units.format(max) + ", not " + Units.format(v));
    }
  }

  /** The keys a section allows, in the order its constructor declares them (the file's order). */
  private static List<String> keysOf(Class<?> section) {
    List<String> keys = new ArrayList<>();
    if (section == null) {
      return keys;
    }
    for (java.lang.reflect.Constructor<?> c : section.getDeclaredConstructors()) {
      if (c.isAnnotationPresent(com.fasterxml.jackson.annotation.JsonCreator.class)) {
        for (java.lang.reflect.Parameter p : c.getParameters()) {
          com.fasterxml.jackson.annotation.JsonProperty jp = p.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
          if (jp != null) {
            keys.add(jp.value());
          }
        }
      }
    }
    return keys;
  }

  private static MarkedYAMLException yamlCause(Throwable t) {
    for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
      if (t instanceof MarkedYAMLException) {
        return (MarkedYAMLException) t;
      }
    }
    return null;
  }

  /** capture.interfaces[0].snaplen from Jackson's reference chain. */
  private static String pathOf(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String describe(Class<?> t) {
    if (t == null) {
      return "another type";
    } else if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
      return "an integer";
    } else if (t == Boolean.class || t == boolean.class) {
      return "true or false";
    } else if (t == String.class) {
      return "a string";
    } else if (t == Duration.class) {
      return Units.DURATION_FORMS;
    } else if (t == Units.Size.class) {
      return Units.SIZE_FORMS;
    } else if (java.util.Collection.class.isAssignableFrom(t)) {
      return "a list";
    }
    return "a mapping of keys";
  }

  private static final java.util.regex.Pattern STRING_VALUE = java.util.regex.Pattern.compile("String value \\(\"(.*)\"\\)");

  /** ", not ..." from what Jackson says it found, when it says. */
  private static String found(String jacksonMessage) {
    if (jacksonMessage == null) {
      return "";
    }
    java.util.regex.Matcher m = STRING_VALUE.matcher(jacksonMessage);
    if (m.find()) {
      return ", not \"" + m.group(1) + "\"";
    } else if (jacksonMessage.contains("from Array value")) {
      return ", not a list";
    } else if (jacksonMessage.contains("from Object value")) {
      return ", not a mapping";
    } else if (jacksonMessage.contains("from String value") || jacksonMessage.contains("from String ")) {
      return ", not a string";
    }
    return "";
  }

  private static String quote(Object v) {
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }

  private static String at(JsonLocation l) {
    return l == null || l.getLineNr() < 0 ? "" : " (line " + l.getLineNr() + ")";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip();
  }

}
