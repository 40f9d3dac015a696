package dev.nsm.sensor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.sensor.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code sensor check-config} (and {@code sensor run}) on bad files: one line on stderr naming the
 * key path and what is allowed, exit code 2. One case per class of mistake an operator makes.
 * The interface used where one must exist is {@code lo}, present in every network namespace.
 */
class ConfigErrorsTest {
  @TempDir
  Path tmp;

  /** A minimal valid file with {@code extra} spliced in under the interface or at the top. */
  private Path write(String yaml) throws IOException {
    Path f = tmp.resolve("sensor.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static final String OK = "capture:\n  interfaces:\n    - name: lo\n";

  record Result(int exit, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  private void assertRejected(String yaml, String expectedLine) throws IOException {
    Path f = write(yaml);
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit, "exit code; stderr: " + r.err);
    String line = r.err.strip();
    assertEquals(1, line.lines().count(), "one line expected:\n" + r.err);
    assertEquals("sensor: " + f + ": " + expectedLine, line);
  }

  @Test
  void unknownMirrorTransport() throws IOException {
    assertRejected(OK + "tunnels:\n  mirror_transport: teredo\n",
        "tunnels.mirror_transport: must be one of none, vxlan, geneve, erspan, gre, not \"teredo\"");
  }

  @Test
  void tunnelDepthOutOfRange() throws IOException {
    Path f = write(OK + "tunnels:\n  max_depth: 5\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("tunnels.max_depth"), r.err);
  }

  @Test
  void unknownTunnelKey() throws IOException {
    Path f = write(OK + "tunnels:\n  vxlan_ports: [4789]\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("vxlan_ports"), r.err);
  }

  @Test
  void minimalFileIsOk() throws IOException {
    Path f = write(OK);
    Result r = run("check-config", f.toString());
    assertEquals(0, r.exit, r.err);
    assertEquals(f + ": ok", r.out.strip());
  }

  @Test
  void shippedDefaultIsOkWithAnInterfaceThatExists() throws IOException {
    String shipped = Files.readString(repoRoot().resolve("config/sensor.yaml"));
    Path f = write(shipped.replace("name: eth1", "name: lo"));
    Result r = run("check-config", f.toString());
    assertEquals(0, r.exit, r.err);
  }

  /** What sensor.yaml documents as defaults is what the code uses when a key is left out. */
  @Test
  void shippedValuesAreTheDefaults() throws Exception {
    String shipped = Files.readString(repoRoot().resolve("config/sensor.yaml")).replace("name: eth1", "name: lo");
    assertEquals(ConfigLoader.parse(OK).flatten(), ConfigLoader.parse(shipped).flatten());
  }

  // ------------------------------------------------------------------ unknown keys

  @Test
  void unknownKeyInAnInterface() throws IOException {
    assertRejected(OK + "      promiscous: false\n",
        "capture.interfaces[0].promiscous: unknown key; allowed here: name, promiscuous, snaplen, buffer_size, "
            + "immediate, timeout, filter");
  }

  @Test
  void unknownTopLevelSection() throws IOException {
    assertRejected(OK + "spol:\n  dir: /var/lib/sensor\n",
        "spol: unknown key; allowed here: capture, pipeline, flows, protocols, output, metrics, logging, shutdown, sensor_id, spool, "
            + "collectors, subscribe, tunnels");
  }

  @Test
  void unknownKeyDeeper() throws IOException {
    assertRejected(OK + "flows:\n  timeouts:\n    tcp_idle: 5m\n",
        "flows.timeouts.tcp_idle: unknown key; allowed here: tcp_inactivity, udp_inactivity, icmp_inactivity, other_inactivity");
  }

  // ------------------------------------------------------------------ wrong types

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "      snaplen: big|capture.interfaces[0].snaplen: must be an integer, not \"big\" (line 4)",
      "      snaplen: \"65535\"|capture.interfaces[0].snaplen: must be an integer, not \"65535\" (line 4)",
      "      promiscuous: sometimes|capture.interfaces[0].promiscuous: must be true or false, not \"sometimes\" (line 4)",
      "      timeout: 100|capture.interfaces[0].timeout: must be a duration such as 500ms, 30s, 5m, 1h or 7d, not \"100\" (line 4)",
      "      buffer_size: lots|capture.interfaces[0].buffer_size: must be a size in bytes such as 65536, 512KiB, 64MiB or 1GiB, not \"lots\" (line 4)",
  })
  void wrongTypeInAnInterface(String line, String expected) throws IOException {
    assertRejected(OK + line + "\n", expected);
  }

  @Test
  void fractionForAnInteger() throws IOException {
    assertRejected(OK + "pipeline:\n  workers: 2.5\n", "pipeline.workers: must be an integer, not 2.5 (line 5)");
  }

  @Test
  void scalarForAList() throws IOException {
    assertRejected("capture:\n  interfaces: eth0\n", "capture.interfaces: must be a list, not a string (line 2)");
  }

  @Test
  void yamlSyntax() throws IOException {
    Path f = write("capture:\n  interfaces:\n    - name: lo\n   bad indentation: [\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.startsWith("sensor: " + f + ": line 4, column 4: not valid YAML: "), r.err);
  }

  @Test
  void duplicateKey() throws IOException {
    Path f = write(OK + "pipeline:\n  workers: 1\n  workers: 2\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("line 6") && r.err.contains("Duplicate field 'workers'"), r.err);
  }

  // ------------------------------------------------------------------ missing interface

  @Test
  void interfaceThatDoesNotExist() throws IOException {
    Path f = write("capture:\n  interfaces:\n    - name: nsml-nope0\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit);
    String line = r.err.strip();
    assertEquals(1, line.lines().count(), r.err);
    assertTrue(line.startsWith("sensor: " + f + ": capture.interfaces[0].name: no interface \"nsml-nope0\" on this host; present: "), line);
    assertTrue(line.contains("lo"), "lists the interfaces present: " + line);
  }

  @Test
  void noInterfaces() throws IOException {
    assertRejected("pipeline:\n  workers: 1\n", "capture.interfaces: at least one interface is required");
  }

  @Test
  void interfaceWithoutName() throws IOException {
    assertRejected("capture:\n  interfaces:\n    - snaplen: 1500\n",
        "capture.interfaces[0].name: required: the interface's name as `ip link` shows it");
  }

  // ------------------------------------------------------------------ impossible values

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "pipeline:\\n  ring_size: 1000|pipeline.ring_size: must be a power of two from 64 to 16777216, not 1000",
      "pipeline:\\n  workers: 0|pipeline.workers: must be from 1 to 256, not 0",
      "flows:\\n  timeouts:\\n    udp_inactivity: 0s|flows.timeouts.udp_inactivity: must be from 1s to 24h, not 0s",
      "flows:\\n  max_flows: 0|flows.max_flows: must be from 1 to 100000000, not 0",
      "metrics:\\n  listen: localhost|metrics.listen: must be host:port (e.g. 127.0.0.1:9108, [::1]:9108, 0.0.0.0:9108), not \"localhost\"",
      "metrics:\\n  listen: 127.0.0.1:70000|metrics.listen: port must be 0 to 65535 (0: any free port), not 70000",
      "logging:\\n  level: loud|logging.level: must be one of error, warn, info, debug, trace, not \"loud\"",
      "output:\\n  path: /nonexistent-nsml/records.jsonl|output.path: directory /nonexistent-nsml does not exist",
      "shutdown:\\n  timeout: 0s|shutdown.timeout: must be from 1s to 10m, not 0s",
      "protocols:\\n  reassembly:\\n    flow_cap: 1KiB|protocols.reassembly.flow_cap: must be from 4KiB to 64MiB, not 1KiB",
      "protocols:\\n  reassembly:\\n    memory: 64KiB|protocols.reassembly.memory: must be from flow_cap x workers (256KiB) to 64GiB, not 64KiB",
      "flows:\\n  memory: 512KiB|flows.memory: must be from 1MiB (1024 flows x workers) to 1024GiB, not 512KiB",
      "pipeline:\\n  workers: 4\\nflows:\\n  memory: 2MiB|flows.memory: must be from 4MiB (1024 flows x workers) to 1024GiB, not 2MiB",
      "protocols:\\n  fragments:\\n    max_datagrams: 0|protocols.fragments.max_datagrams: must be from 1 to 1000000, not 0",
      "protocols:\\n  fragments:\\n    memory: 60000|protocols.fragments.memory: must be from 64KiB to 16GiB, not 60000",
      "protocols:\\n  http:\\n    max_pending: 0|protocols.http.max_pending: must be from 1 to 100000000, not 0",
      "protocols:\\n  http:\\n    pending_memory: 1000|protocols.http.pending_memory: must be from 64KiB (64KiB x workers) to 1024GiB, not 1000",
      "protocols:\\n  dns:\\n    max_pending: 0|protocols.dns.max_pending: must be from 1 to 100000000, not 0",
      "protocols:\\n  dns:\\n    pending_memory: 1KiB|protocols.dns.pending_memory: must be from 64KiB (64KiB x workers) to 1024GiB, not 1KiB",
  })
  void impossibleValue(String section, String expected) throws IOException {
    assertRejected(OK + section.replace("\\n", "\n") + "\n", expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "      snaplen: 10|capture.interfaces[0].snaplen: must be from 64 to 262144, not 10",
      "      snaplen: 300000|capture.interfaces[0].snaplen: must be from 64 to 262144, not 300000",
      "      buffer_size: 4KiB|capture.interfaces[0].buffer_size: must be from 1MiB to 1GiB, not 4KiB",
      "      timeout: 0ms|capture.interfaces[0].timeout: must be from 1ms to 10s, not 0s",
  })
  void impossibleInterfaceValue(String line, String expected) throws IOException {
    assertRejected(OK + line + "\n", expected);
  }

  @Test
  void tickTooLong() throws IOException {
    assertRejected(OK + "  tick: 1h\n", "capture.tick: must be from 10ms to 10s, not 1h");
  }

  @Test
  void interfaceListedTwice() throws IOException {
    assertRejected(OK + "    - name: lo\n", "capture.interfaces[1].name: \"lo\" is listed twice");
  }

  /**
   * A directory the daemon's user cannot write. Root ignores permission bits, so as root the
   * directory is a read-only tmpfs mounted for the test (EROFS stops root too).
   */
  @Test
  void unwritableOutputDirectory() throws Exception {
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=16k", "nsml-ro", ro.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount a read-only tmpfs here: " + out);
    } else {
      ro.toFile().setWritable(false);
    }
    try {
      assertRejected(OK + "output:\n  path: " + ro.resolve("r.jsonl") + "\n", "output.path: " + ro + " is not writable");
    } finally {
      if (root) {
        new ProcessBuilder("umount", ro.toString()).inheritIO().start().waitFor();
      }
    }
  }

  @Test
  void filterThatDoesNotCompile() throws IOException {
    Assumptions.assumeTrue(dev.nsm.sensor.capture.BpfFilters.compiler() != null, "libpcap is not installed");
    Path f = write(OK + "      filter: \"port eighty\"\n");
    Result r = run("check-config", f.toString());
    assertEquals(2, r.exit);
    String line = r.err.strip();
    assertEquals(1, line.lines().count(), r.err);
    assertTrue(line.startsWith("sensor: " + f + ": capture.interfaces[0].filter: not a valid BPF filter (tcpdump syntax): "), line);
  }

  @Test
  void missingFile() {
    Result r = run("check-config", tmp.resolve("nope.yaml").toString());
    assertEquals(2, r.exit);
    assertEquals("sensor: " + tmp.resolve("nope.yaml") + ": no such file", r.err.strip());
  }

  /** {@code run} makes the same checks before it opens anything. */
  @Test
  void runRefusesTheSameWay() throws IOException {
    Path f = write(OK + "pipeline:\n  ring_size: 1000\n");
    Result r = run("run", "--config", f.toString());
    assertEquals(2, r.exit);
    assertEquals("sensor: " + f + ": pipeline.ring_size: must be a power of two from 64 to 16777216, not 1000", r.err.strip());
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("sensor.repo.root", "..")).toAbsolutePath().normalize();
  }
}
