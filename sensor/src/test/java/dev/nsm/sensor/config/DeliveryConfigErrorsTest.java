package dev.nsm.sensor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nsm.sensor.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery sections (sensor_id, spool, collectors, subscribe) of {@code sensor.yaml}: each class of
 * mistake is one line naming the key, and exit code 2, from {@code check-config} (and {@code run}).
 */
class DeliveryConfigErrorsTest {
  @TempDir
  Path tmp;

  private static final String OK = "capture:\n  interfaces:\n    - name: lo\n";

  private Path write(String yaml) throws IOException {
    Path f = tmp.resolve("sensor.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private void assertRejected(String yaml, String expectedLine) throws IOException {
    Path f = write(yaml);
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "check-config", f.toString());
    assertEquals(2, code, "exit code; stderr: " + err);
    assertEquals(1, err.toString().strip().lines().count(), "one line expected:\n" + err);
    assertEquals("sensor: " + f + ": " + expectedLine, err.toString().strip());
  }

  private String spoolHere() {
    return "spool:\n  dir: " + tmp.resolve("spool") + "\n";
  }

  @Test
  void aValidDeliveryConfigurationPasses() throws IOException {
    Files.writeString(tmp.resolve("ca.pem"), "x");
    Path f = write(OK + spoolHere() + "collectors:\n  - name: a\n    address: 127.0.0.1:9443\n    tls:\n      ca: ca.pem\n"
        + "  - name: b\n    address: \"[::1]:9444\"\n    plaintext: true\n    batch:\n      max_records: 100\n      linger: 0ms\n"
        + "subscribe:\n  enabled: true\n  plaintext: true\n  listen: 127.0.0.1:0\n");
    StringWriter err = new StringWriter();
    assertEquals(0, Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "check-config", f.toString()), err.toString());
  }

  @Test
  void unknownKeyInACollector() throws IOException {
    assertRejected(OK + "collectors:\n  - name: a\n    adress: x:1\n",
        "collectors[0].adress: unknown key; allowed here: name, address, plaintext, tls, batch, ack_timeout, backoff, keepalive");
  }

  @Test
  void plaintextMustBeSaid() throws IOException {
    assertRejected(OK + spoolHere() + "collectors:\n  - name: a\n    address: 127.0.0.1:9443\n",
        "collectors[0].tls.ca: required (a PEM CA bundle to check the collector's certificate); for no TLS at all say plaintext: true");
    assertRejected(OK + spoolHere() + "subscribe:\n  enabled: true\n",
        "subscribe.tls: cert and key are required (PEM); for no TLS at all say plaintext: true");
  }

  @Test
  void unreadableCertificate() throws IOException {
    Path ca = tmp.resolve("ca.pem");
    assertRejected(OK + spoolHere() + "collectors:\n  - name: a\n    address: h:1\n    tls:\n      ca: " + ca + "\n",
        "collectors[0].tls.ca: no such file " + ca);
    Files.writeString(ca, "x");
    assertRejected(OK + spoolHere() + "collectors:\n  - name: a\n    address: h:1\n    tls:\n      ca: " + ca + "\n      cert: c.pem\n",
        "collectors[0].tls.key: required with tls.cert (both make it mutual TLS)");
    // a file the daemon's user may not read: ConfigPermissionsIT (the real jar as an unprivileged user)
  }

  @Test
  void unwritableSpoolDirectory() throws IOException {
    Path file = tmp.resolve("afile");
    Files.writeString(file, "x");
    assertRejected(OK + "spool:\n  dir: " + file.resolve("spool") + "\ncollectors:\n  - name: a\n    address: h:1\n    plaintext: true\n",
        "spool.dir: " + file + " is not a directory");
    // a directory the daemon's user may not write: ConfigPermissionsIT (the real jar as an unprivileged user)
  }

  @Test
  void impossibleValues() throws IOException {
    assertRejected(OK + "spool:\n  roll_cycle: 3m\n", "spool.roll_cycle: must be one of 10m, 1d, 1h, 20m, 2h, 30m, 4h, 5m, 6h, not \"3m\"");
    assertRejected(OK + "spool:\n  max_size: 1MiB\n", "spool.max_size: must be from 16MiB to 64TiB, not 1MiB");
    assertRejected(OK + "collectors:\n  - name: a b\n    address: h:1\n    plaintext: true\n",
        "collectors[0].name: required: letters, digits, '.', '_', '-' (up to 64; it names the cursor file and the metrics), not \"a b\"");
    assertRejected(OK + "collectors:\n  - name: a\n    address: h:1\n    plaintext: true\n  - name: a\n    address: h:2\n    plaintext: true\n",
        "collectors[1].name: \"a\" is listed twice");
    assertRejected(OK + "collectors:\n  - name: a\n    address: nowhere\n    plaintext: true\n",
        "collectors[0].address: must be host:port (e.g. 127.0.0.1:9108, [::1]:9108, 0.0.0.0:9108), not \"nowhere\"");
    assertRejected(OK + "collectors:\n  - name: a\n    address: h:1\n    plaintext: true\n    batch:\n      max_bytes: 64MiB\n",
        "collectors[0].batch.max_bytes: must be from 1KiB to 4MiB (gRPC's default message bound), not 64MiB");
    assertRejected(OK + "collectors:\n  - name: a\n    address: h:1\n    plaintext: true\n    backoff:\n      initial: 5s\n      max: 1s\n",
        "collectors[0].backoff.max: must be from 5s to 1h, not 1s");
  }
}
