package dev.nsm.sensor.cli;

import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.daemon.Signals;
import dev.nsm.sensor.delivery.CollectorServer;
import dev.nsm.sensor.delivery.TlsFiles;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sensor collect}: the bundled collector (Collector.Push server writing JSON lines). */
@Command(name = "collect", mixinStandardHelpOptions = true,
    description = {"Receives records from sensors (gRPC Collector.Push) and stores them in FILE as JSON",
        "lines, each with its sensor_id and seq. A batch is acked only once its lines and the",
        "dedup state are fsynced (one fsync covers every batch that arrived meanwhile); duplicates",
        "by (sensor_id, seq) are dropped, across restarts too (FILE.state keeps the highest seq",
        "per sensor). After a crash, lines written but never acked are cut from FILE: each record",
        "is in FILE exactly once.",
        "TLS needs --tls-cert and --tls-key; --tls-client-ca makes it mutual (sensors without a",
        "certificate signed by that CA are refused). Plaintext only with --plaintext.",
        "Runs until SIGTERM/SIGINT (exit 0). Exit codes: 1 storage failed, 2 bad arguments."})
public final class CollectCommand implements Callable<Integer> {
  @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
      description = "where to listen, e.g. 0.0.0.0:9443 or 127.0.0.1:0 (0: any free port, printed)")
  String listen;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "the JSON lines file (appended to)")
  Path out;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "the collector's certificate chain")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "its private key (PKCS#8)")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "PEM", description = "CA whose client certificates are required (mutual TLS)")
  Path tlsClientCa;

  @Option(names = "--plaintext", description = "no TLS (only on a trusted network)")
  boolean plaintext;

  @Option(names = "--ack-delay", paramLabel = "DURATION", hidden = true, defaultValue = "0ms",
      description = "wait this long before each commit's acks: a slow collector, for tests and benchmarks")
  String ackDelay;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    InetSocketAddress at;
    Duration delay;
    try {
      InetSocketAddress u = ConfigLoader.hostPort("--listen", listen);
      at = new InetSocketAddress(u.getHostString(), u.getPort());
      delay = ConfigLoader.duration("--ack-delay", ackDelay);
    } catch (ConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    SslContext tls = null;
    if (plaintext) {
      if (tlsCert != null || tlsKey != null || tlsClientCa != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--plaintext and --tls-* exclude each other");
      }
    } else {
      if (tlsCert == null || tlsKey == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "TLS needs --tls-cert and --tls-key (and --tls-client-ca for mutual TLS); for no TLS say --plaintext");
      }
      try {
        for (Path p : new Path[] {tlsCert, tlsKey, tlsClientCa}) {
          if (p != null && !Files.isReadable(p)) {
            throw new IOException("cannot read " + p);
          }
        }
        tls = TlsFiles.server(new TlsFiles.Server(tlsCert, tlsKey, tlsClientCa));
      } catch (IOException e) {
        err.println("sensor: collect: " + e.getMessage());
        return Main.EXIT_BAD_INPUT;
      }
    }
    if (out.toAbsolutePath().getParent() == null || !Files.isDirectory(out.toAbsolutePath().getParent())) {
      err.println("sensor: collect: --out " + out + ": no such directory");
      return Main.EXIT_BAD_INPUT;
    }
    CollectorServer server;
    try {
      server = new CollectorServer(at, tls, out, delay).start();
    } catch (IOException e) {
      err.println("sensor: collect: " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Signals.install(why -> stop.countDown(), () -> { });
    String mode = tls == null ? "plaintext" : tlsClientCa == null ? "TLS" : "mutual TLS";
    err.println("collect: listening on " + at.getHostString() + ":" + server.port() + " (" + mode + "), storing in " + out);
    err.flush();
    while (!stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      if (server.failure() != null) {
        break;
      }
    }
    try {
      server.close();
    } catch (IOException e) {
      err.println("sensor: collect: " + e.getMessage());
      return 1;
    }
    err.println("collect: stopped; " + server.stored() + " record(s) stored, " + server.duplicates() + " duplicate(s) dropped");
    err.flush();
    return 0;
  }
}
