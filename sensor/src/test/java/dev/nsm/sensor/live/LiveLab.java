package dev.nsm.sensor.live;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small network made for one test and removed after it: two network namespaces joined by a veth
 * pair. Traffic in these tests goes only between the two namespaces (and to loopback inside them).
 *
 * <pre>
 *   nsml-PID-srv                                  nsml-PID-cli
 *   ┌──────────────────────────────┐              ┌────────────────────────────────────────┐
 *   │ nsmlPIDs  10.213.N.1/24      │◄── veth ────►│ nsmlPIDc  10.213.N.2/24                │
 *   │ nginx :80 (HTTP), :443 (TLS) │              │ curl, dig, ping, openssl s_client      │
 *   │ dnsmasq :53 (example.test)   │              │ the sensor and tcpdump capture here;   │
 *   └──────────────────────────────┘              │ /metrics on 127.0.0.1 of this namespace │
 *                                                 └────────────────────────────────────────┘
 * </pre>
 *
 * Live tests need root (namespaces, capture) and tools: without them a test is skipped with the
 * reason, unless {@code -Dsensor.live.required=true} (CI), which turns the skip into a failure.
 */
final class LiveLab implements AutoCloseable {
  static final String PREFIX = "nsml-";
  final String srv;
  final String cli;
  final String srvIf;
  final String cliIf;
  final String srvIp;
  final String cliIp;
  private final List<Process> daemons = new ArrayList<>();

  /** Skips (or fails, in CI) when this machine cannot run live tests. */
  static void assumeLive() {
    List<String> missing = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root (network namespaces and capture need it)");
    }
    for (String tool : List.of("ip", "tcpdump", "curl", "dig", "dnsmasq", "nginx", "openssl", "ping")) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    if (!Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8")) && !Files.exists(Path.of("/lib/x86_64-linux-gnu/libpcap.so.0.8"))
        && !ldconfigHas("libpcap.so")) {
      missing.add("libpcap0.8");
    }
    if (!missing.isEmpty()) {
      String why = "live tests need " + String.join(", ", missing);
      if (Boolean.getBoolean("sensor.live.required")) {
        fail(why + " (-Dsensor.live.required=true: they may not be skipped)");
      }
      Assumptions.abort(why);
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static boolean ldconfigHas(String lib) {
    try {
      return run(List.of("ldconfig", "-p"), 10).contains(lib);
    } catch (IOException e) {
      return false;
    }
  }

  /** Creates the two namespaces and the link; {@code n} (1-250) keeps tests' subnets apart. */
  LiveLab(int n) throws IOException {
    String id = Long.toString(ProcessHandle.current().pid() % 100000) + n;
    srv = PREFIX + id + "-srv";
    cli = PREFIX + id + "-cli";
    srvIf = "nsml" + id + "s";
    cliIf = "nsml" + id + "c";
    srvIp = "10.213." + n + ".1";
    cliIp = "10.213." + n + ".2";
    removeStale();
    try {
      sh("ip netns add " + srv);
      sh("ip netns add " + cli);
      sh("ip link add " + srvIf + " netns " + srv + " type veth peer name " + cliIf + " netns " + cli);
      for (String[] side : new String[][] {{srv, srvIf, srvIp}, {cli, cliIf, cliIp}}) {
        // no IPv6 on the link: its router and neighbour solicitations would be stray packets that
        // one capture sees and the other, started a moment later, does not
        in(side[0], "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
        in(side[0], "ip link set lo up");
        in(side[0], "ip addr add " + side[2] + "/24 dev " + side[1]);
        in(side[0], "ip link set " + side[1] + " up");
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Namespaces left by a test run that was killed (only ours: the nsml- prefix). */
  private static void removeStale() throws IOException {
    for (String line : run(List.of("ip", "netns", "list"), 10).split("\n")) {
      String name = line.split(" ")[0].strip();
      if (name.startsWith(PREFIX)) {
        String pids = run(List.of("ip", "netns", "pids", name), 10).strip();
        if (pids.isEmpty()) {
          run(List.of("ip", "netns", "del", name), 10);
        }
      }
    }
  }

  /** Runs a shell command in a namespace, waits; fails on a non-zero exit. Returns stdout+stderr. */
  String in(String ns, String cmd) throws IOException {
    return sh("ip netns exec " + ns + " " + cmd);
  }

  static String sh(String cmd) throws IOException {
    String out = run(List.of("sh", "-c", cmd), 60);
    return out;
  }

  private static String run(List<String> cmd, int timeoutSec) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + cmd);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + cmd, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException("exit " + p.exitValue() + ": " + cmd + "\n" + out);
    }
    return out;
  }

  /** Starts a long-running process in a namespace (stopped by {@link #close}). */
  Process start(String ns, List<String> cmd, Path log) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(cmd);
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    daemons.add(p);
    return p;
  }

  /**
   * HTTP on :80 and HTTPS on :443 (nginx, with a certificate for example.test made now by openssl)
   * and DNS (dnsmasq: example.test and *.example.test → the server) in the server namespace.
   */
  void startServers(Path dir) throws IOException {
    Path www = Files.createDirectories(dir.resolve("www"));
    Files.writeString(www.resolve("index.html"), "<html><body>nsm live test</body></html>\n".repeat(40));
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=example.test"
        + " -addext subjectAltName=DNS:example.test -keyout " + key + " -out " + cert + " 2>&1");
    Path ngx = Files.createDirectories(dir.resolve("nginx"));
    // one process, in the foreground, as root (the test's files are in a 0700 directory), every path in dir
    Files.writeString(ngx.resolve("nginx.conf"), String.join("\n",
        "daemon off;",
        "master_process off;",
        "user root;",
        "pid " + ngx.resolve("nginx.pid") + ";",
        "error_log " + ngx.resolve("error.log") + " info;",
        "events { worker_connections 64; }",
        "http {",
        "  access_log " + ngx.resolve("access.log") + ";",
        "  client_body_temp_path " + ngx + "/body; proxy_temp_path " + ngx + "/proxy; fastcgi_temp_path " + ngx + "/fastcgi;",
        "  uwsgi_temp_path " + ngx + "/uwsgi; scgi_temp_path " + ngx + "/scgi;",
        "  types { text/html html; }",
        "  server {",
        "    listen " + srvIp + ":80;",
        "    listen " + srvIp + ":443 ssl;",
        "    server_name example.test;",
        "    ssl_certificate " + cert + ";",
        "    ssl_certificate_key " + key + ";",
        "    root " + www + ";",
        "  }",
        "}", ""));
    start(srv, List.of("nginx", "-p", ngx.toString(), "-c", ngx.resolve("nginx.conf").toString()), dir.resolve("http.log"));
    start(srv, List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
        "--bind-interfaces", "--listen-address=" + srvIp, "--port=53", "--address=/example.test/" + srvIp,
        "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root"), dir.resolve("dnsmasq.log"));
    // wait until all three answer (these exchanges happen before any capture starts)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        in(cli, "curl -sf -o /dev/null --max-time 1 http://" + srvIp + "/index.html");
        in(cli, "curl -sf -o /dev/null --max-time 1 --cacert " + cert + " --resolve example.test:443:" + srvIp
            + " https://example.test/index.html");
        if (in(cli, "dig +short +time=1 +tries=1 @" + srvIp + " example.test A").strip().equals(srvIp)) {
          serverCert = cert;
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the test servers did not come up; see " + dir);
      }
      sleep(200);
    }
  }

  /** The certificate nginx serves (made by {@link #startServers}). */
  Path serverCert;

  /**
   * Some traffic of each kind from the client, per round: ICMP echo; HTTP over TCP; HTTPS with SNI
   * (curl, checking nginx's certificate: TLS 1.3); a TLS 1.2 handshake (openssl s_client, which hangs
   * up after it); DNS over UDP.
   */
  void traffic(int rounds) throws IOException {
    for (int i = 0; i < rounds; i++) {
      in(cli, "ping -c 2 -i 0.2 -W 1 " + srvIp);
      in(cli, "curl -sf -o /dev/null --max-time 5 http://" + srvIp + "/index.html?round=" + i);
      in(cli, "curl -sf -o /dev/null --max-time 5 --cacert " + serverCert + " --resolve example.test:443:" + srvIp
          + " https://example.test/index.html");
      in(cli, "sh -c 'openssl s_client -connect " + srvIp + ":443 -servername www" + i + ".example.test -tls1_2 -CAfile "
          + serverCert + " </dev/null >/dev/null 2>&1'");
      in(cli, "dig +short +time=1 +tries=1 @" + srvIp + " example.test A");
      in(cli, "dig +short +time=1 +tries=1 @" + srvIp + " www" + i + ".example.test A");
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    for (Process p : daemons) {
      p.destroy();
    }
    for (Process p : daemons) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String ns : new String[] {srv, cli}) {
      try {
        run(List.of("ip", "netns", "del", ns), 10); // removes the veth pair with it
      } catch (IOException e) {
        // was not made
      }
    }
  }
}
