package dev.nsm.sensor.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.proto.v1.StatusReply;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Done-when "mTLS", both directions, with certificates made by openssl at test time: a CA, the
 * server's certificate (for 127.0.0.1 and localhost), a client certificate it signed, and a client
 * certificate of another CA.
 *
 * <pre>
 *   sensor ──Push──► collect (mutual TLS)     trusted client cert: streams, every record stored
 *                                             other CA's cert, no cert, plaintext: refused, nothing stored
 *   consumer ──Status──► sensor (mutual TLS)  the same three refusals, one acceptance
 * </pre>
 */
class MutualTlsIT {
  @TempDir
  static Path pki;

  @TempDir
  Path tmp;

  @BeforeAll
  static void certificates() throws Exception {
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=nsm-test-ca");
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca");
    issue("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
    issue("client", "ca", "extendedKeyUsage=clientAuth");
    issue("intruder", "other-ca", "extendedKeyUsage=clientAuth");
  }

  private static void issue(String name, String ca, String ext) throws Exception {
    Files.writeString(pki.resolve(name + ".ext"), ext + "\n");
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + name);
    sh("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial -out " + name
        + ".pem -days 2 -extfile " + name + ".ext");
    assertTrue(Files.readString(pki.resolve(name + ".key")).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 key");
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", cmd).directory(pki.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), cmd + "\n" + out);
  }

  private static String f(String name) {
    return pki.resolve(name).toString();
  }

  @Test
  void collectorAcceptsOnlyTrustedSensors() throws Exception {
    Path pcap = SyntheticCapture.flows(tmp.resolve("flows.pcap"), 2000, 5);
    Path out = tmp.resolve("collected.jsonl");
    int port = Procs.freePort();
    try (Procs procs = new Procs(tmp)) {
      Process collector = procs.collector(out, port, "--tls-cert", f("server.pem"), "--tls-key", f("server.key"),
          "--tls-client-ca", f("ca.pem"));
      assertTrue(Files.readString(tmp.resolve("collect-0.log")).contains("(mutual TLS)"));
      String addr = "127.0.0.1:" + port;

      Path ok = tmp.resolve("trusted.log");
      Process trusted = procs.sensor(ok, "replay", pcap.toString(), "--collector", addr, "--sensor-id", "trusted",
          "--tls-ca", f("ca.pem"), "--tls-cert", f("client.pem"), "--tls-key", f("client.key"), "--drain-timeout", "30s");
      assertEquals(0, Procs.waitExit(trusted, 60), Files.readString(ok));
      assertEquals(2001, Procs.stored(out, "trusted").seen.cardinality());

      // the four refusals at once (each waits out its 3 s drain timeout)
      List<Process> refused = List.of(
          refused(procs, "intruder", pcap, "--collector", addr, "--tls-ca", f("ca.pem"), "--tls-cert", f("intruder.pem"),
              "--tls-key", f("intruder.key")),
          refused(procs, "nocert", pcap, "--collector", addr, "--tls-ca", f("ca.pem")),
          refused(procs, "plain", pcap, "--collector", addr, "--plaintext"),
          // and the sensor checks the collector: a CA that did not sign it is not trusted
          refused(procs, "wrongca", pcap, "--collector", addr, "--tls-ca", f("other-ca.pem"), "--tls-cert", f("client.pem"),
              "--tls-key", f("client.key")));
      String[] ids = {"intruder", "nocert", "plain", "wrongca"};
      for (int i = 0; i < ids.length; i++) {
        Path log = tmp.resolve(ids[i] + ".log");
        assertEquals(3, Procs.waitExit(refused.get(i), 60), "refused, so undelivered: exit 3\n" + Files.readString(log));
        String text = Files.readString(log);
        assertTrue(text.contains("2001 record(s) unacked, last ack none"), text);
      }

      collector.destroy();
      assertEquals(0, Procs.waitExit(collector, 20));
      Procs.Stored all = Procs.stored(out, "trusted");
      assertEquals(2001, all.lines, "only the trusted sensor's records are stored");
      assertEquals(0, all.otherSensors);
    }
  }

  private Process refused(Procs procs, String id, Path pcap, String... args) throws Exception {
    Path log = tmp.resolve(id + ".log");
    List<String> a = new java.util.ArrayList<>(List.of("replay", pcap.toString(), "--sensor-id", id, "--drain-timeout", "3s",
        "--workers", "1"));
    a.addAll(List.of(args));
    return procs.sensor(log, a.toArray(String[]::new));
  }

  @Test
  void sensorServiceAcceptsOnlyTrustedConsumers() throws Exception {
    Path config = tmp.resolve("sensor.yaml");
    Files.writeString(config, "sensor_id: tls-test\nspool:\n  dir: " + tmp.resolve("spool") + "\nsubscribe:\n  enabled: true\n"
        + "  listen: 127.0.0.1:0\n  tls:\n    cert: " + f("server.pem") + "\n    key: " + f("server.key") + "\n    client_ca: "
        + f("ca.pem") + "\n");
    try (Procs procs = new Procs(tmp)) {
      Path log = tmp.resolve("replay.log");
      Process replay = procs.sensor(log, "replay", "-", "--config", config.toString());
      int port = Integer.parseInt(Procs.awaitLog(replay, log, "Sensor service \\(Subscribe, Status\\) on port (\\d+)", 30).group(1));

      ManagedChannel trusted = tls(port, "client");
      StatusReply st = Grpc.statusWaiting(trusted);
      assertEquals("tls-test", st.getSensorId());
      assertNotNull(st.getSpool());
      trusted.shutdownNow();

      for (ManagedChannel bad : List.of(tls(port, "intruder"), tls(port, null), Grpc.plaintext(port))) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> Grpc.status(bad));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        bad.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      replay.getOutputStream().close();
      Procs.waitExit(replay, 30);
    }
  }

  private static ManagedChannel tls(int port, String client) throws IOException {
    var b = GrpcSslContexts.forClient().trustManager(pki.resolve("ca.pem").toFile());
    if (client != null) {
      b.keyManager(pki.resolve(client + ".pem").toFile(), pki.resolve(client + ".key").toFile());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(b.build()).build();
  }
}
