package dev.nsm.sensor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two config errors that are about permissions (a certificate the daemon's user cannot read, a
 * spool directory it cannot write), checked the way they happen: the real jar runs as an
 * unprivileged user, as {@code systemd/sensor.service} runs it, on files root made for it.
 *
 * <p>Root ignores permission bits, so when the tests run as root (CI) the sensor is started through
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups} (user nobody); when they run as an
 * ordinary user, the permission bits already apply to it and the jar runs as that user. They skip
 * only when neither works (root without setpriv), and {@code -Dsensor.live.required=true} turns that
 * skip into a failure.
 *
 * <p>Both {@code check-config} and {@code run} are checked: one line naming the key, exit code 2.
 */
class ConfigPermissionsIT {
  private static final String NOBODY = "65534";
  private static final String OK = "capture:\n  interfaces:\n    - name: lo\n";

  @TempDir
  Path tmp;

  /** The command prefix that runs the jar as a user the permission bits apply to. */
  private List<String> asUser;

  @BeforeEach
  void unprivileged() throws IOException {
    asUser = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      if (!Files.isExecutable(Path.of("/usr/bin/setpriv")) && !Files.isExecutable(Path.of("/bin/setpriv"))) {
        String why = "root ignores permission bits and setpriv (util-linux) is missing: no way to run the sensor as another user";
        if (Boolean.getBoolean("sensor.live.required")) {
          fail(why + " (-Dsensor.live.required=true: this may not be skipped)");
        }
        Assumptions.abort(why);
      }
      asUser.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
      // JUnit makes the temp directory 0700: nobody must be able to reach the config inside it
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  record Result(int exit, String err) {}

  /** The real jar (built by 'package' before failsafe runs), as the unprivileged user. */
  private Result sensor(String... args) throws IOException, InterruptedException {
    Path built = Path.of(System.getProperty("sensor.jar", "target/sensor.jar")).toAbsolutePath();
    assertTrue(Files.isRegularFile(built), "the sensor jar is built by 'mvn package' before the integration tests: " + built);
    Path jar = built;
    if (!asUser.isEmpty()) {
      // the checkout may be where nobody cannot go (/root/...): a world-readable copy in the test's directory
      jar = tmp.resolve("sensor.jar");
      if (!Files.exists(jar)) {
        Files.copy(built, jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    // a temporary directory the user may write (JNA unpacks its stub there; systemd gives PrivateTmp)
    Path jtmp = tmp.resolve("jtmp");
    if (!Files.isDirectory(jtmp)) {
      Files.createDirectory(jtmp);
      Files.setPosixFilePermissions(jtmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    List<String> cmd = new ArrayList<>(asUser);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-Djava.io.tmpdir=" + jtmp, "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    Path errFile = tmp.resolve("stderr.txt");
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(errFile.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the sensor did not exit within 60 s: " + cmd);
    }
    return new Result(p.exitValue(), Files.readString(errFile, StandardCharsets.UTF_8));
  }

  private void assertRejected(String yaml, String expectedLine) throws Exception {
    Path f = tmp.resolve("sensor.yaml");
    Files.writeString(f, yaml);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    for (List<String> args : List.of(List.of("check-config", f.toString()), List.of("run", "--config", f.toString()))) {
      Result r = sensor(args.toArray(String[]::new));
      assertEquals(2, r.exit, args + ": exit code; stderr: " + r.err);
      String line = r.err.strip();
      assertEquals(1, line.lines().count(), args + ": one line expected:\n" + r.err);
      assertEquals("sensor: " + f + ": " + expectedLine, line, args.get(0));
    }
  }

  /** The file exists (so "no such file" is not the answer) but the daemon's user may not read it. */
  @Test
  void unreadableCertificate() throws Exception {
    Path ca = tmp.resolve("ca.pem");
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n");
    Files.setPosixFilePermissions(ca, PosixFilePermissions.fromString("rw-------"));
    assertRejected(OK + "spool:\n  dir: " + tmp.resolve("spool") + "\ncollectors:\n  - name: a\n    address: 127.0.0.1:9443\n    tls:\n      ca: "
        + ca + "\n", "collectors[0].tls.ca: cannot read " + ca + " (permission denied)");

    // the client key of mutual TLS, the usual 0600 file of another user
    Files.setPosixFilePermissions(ca, PosixFilePermissions.fromString("rw-r--r--"));
    Path cert = tmp.resolve("client.pem");
    Path key = tmp.resolve("client.key");
    Files.writeString(cert, "x");
    Files.writeString(key, "x");
    Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertRejected(OK + "spool:\n  dir: " + tmp.resolve("spool") + "\ncollectors:\n  - name: a\n    address: 127.0.0.1:9443\n    tls:\n      ca: "
        + ca + "\n      cert: " + cert + "\n      key: " + key + "\n", "collectors[0].tls.key: cannot read " + key + " (permission denied)");
  }

  /** The spool directory's parent exists and is a directory, but the daemon's user may not write it. */
  @Test
  void unwritableSpoolDirectory() throws Exception {
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    assertRejected(OK + "spool:\n  dir: " + ro.resolve("spool") + "\ncollectors:\n  - name: a\n    address: 127.0.0.1:9443\n    plaintext: true\n",
        "spool.dir: " + ro + " is not writable (to create " + ro.resolve("spool") + ")");
    // the spool directory itself exists, not writable
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path spool = Files.createDirectory(ro.resolve("spool"));
    Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("r-xr-xr-x"));
    assertRejected(OK + "spool:\n  dir: " + spool + "\ncollectors:\n  - name: a\n    address: 127.0.0.1:9443\n    plaintext: true\n",
        "spool.dir: " + spool + " is not writable");
  }
}
