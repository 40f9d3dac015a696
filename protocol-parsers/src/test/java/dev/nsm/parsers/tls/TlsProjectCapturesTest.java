package dev.nsm.parsers.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The project's own TLS captures (testdata/, made by testdata/make-captures.sh from curl, python
 * and nginx): what testdata/README.md says each holds, and, where tshark is installed, the JA3,
 * JA3S and certificate fingerprints tshark computes from the same file. The captures are
 * regenerated with fresh randoms and certificates, so nothing here is a frozen hash.
 */
class TlsProjectCapturesTest {
  private static Path testdata() {
    Path here = Path.of("").toAbsolutePath();
    Path repo = here.getFileName().toString().equals("protocol-parsers") ? here.getParent() : here;
    return repo.resolve("testdata");
  }

  private static TlsSession only(String capture) throws IOException {
    Path f = testdata().resolve(capture);
    assumeTrue(Files.exists(f), f + " missing");
    List<Corpus.Parsed> tls = new ArrayList<>();
    for (Corpus.Parsed p : Corpus.parse(f, new TlsCounters())) {
      if (p.session().records() > 0) {
        tls.add(p);
      }
    }
    assertEquals(1, tls.size(), capture + ": TLS connections");
    return tls.get(0).session();
  }

  @Test
  void tls13() throws Exception {
    TlsSession s = only("tls13.pcap");
    assertEquals("TLSv13", s.versionName());
    assertEquals("TLS_AES_256_GCM_SHA384", s.cipherName());
    assertEquals("www.nsm.test", s.serverName());
    assertEquals(List.of("h2", "http/1.1"), s.clientHello().alpn);
    assertTrue(s.established());
    assertTrue(s.confirmed());
    assertTrue(!s.resumed());
    assertEquals(List.of(), s.certChainFps(), "TLS 1.3 certificates are encrypted");
    assertEquals(Set.of(), s.issues());
    assertTrue(s.ja4().startsWith("t13d"), s.ja4());
    tshark("tls13.pcap", s);
  }

  @Test
  void tls12WithCertificateInClear() throws Exception {
    TlsSession s = only("tls12.pcap");
    assertEquals("TLSv12", s.versionName());
    assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", s.cipherName());
    assertEquals("x25519", s.curveName());
    assertEquals("http/1.1", s.nextProtocol());
    assertTrue(s.established());
    assertEquals(1, s.serverCertificates().size());
    TlsCertificate c = s.serverCertificates().get(0);
    assertEquals("CN=www.nsm.test", c.subject);
    assertEquals(List.of("www.nsm.test", "nsm.test"), c.sanDns);
    assertEquals("ecdsa", c.keyType);
    assertEquals(256, c.keyBits);
    assertEquals(Set.of(), s.issues());
    tshark("tls12.pcap", s);
  }

  @Test
  void tlsOnPort8443IsFoundByContent() throws Exception {
    TlsSession s = only("tls-8443.pcap");
    assertEquals("TLSv13", s.versionName());
    assertTrue(s.confirmed());
    assertTrue(s.established());
    tshark("tls-8443.pcap", s);
  }

  @Test
  void clientHelloSplitOverThreeSegments() throws Exception {
    Path f = testdata().resolve("tls-split-clienthello.pcap");
    assumeTrue(Files.exists(f), f + " missing");
    TcpStreams.Conn conn = TcpStreams.read(f).get(0);
    // the first three client deliveries are the 517-byte hello, cut in three
    List<TcpStreams.Chunk> client = conn.chunks.stream().filter(TcpStreams.Chunk::fromOrig).toList();
    assertEquals(517, client.get(0).data().length + client.get(1).data().length + client.get(2).data().length);
    assertTrue(TlsStreamParser.probe(client.get(0).data(), 0, client.get(0).data().length));
    TlsSession s = only("tls-split-clienthello.pcap");
    assertEquals("www.nsm.test", s.serverName());
    assertEquals(List.of("http/1.1"), s.clientHello().alpn);
    assertEquals("TLSv13", s.versionName());
    assertTrue(s.established());
    assertEquals(Set.of(), s.issues());
    tshark("tls-split-clienthello.pcap", s);
  }

  /** JA3, JA3S and the certificates' SHA-256 against tshark's view of the same capture. */
  private static void tshark(String capture, TlsSession s) throws Exception {
    List<String> lines = run("tshark", "-r", testdata().resolve(capture).toString(), "-d", "tcp.port==8443,tls",
        "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.handshake.type == 11",
        "-T", "fields", "-E", "occurrence=a", "-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s",
        "-e", "tls.handshake.certificate");
    assumeTrue(lines != null, "tshark not installed: JA3/JA3S not cross-checked");
    String ja3 = "";
    String ja3s = "";
    List<String> fps = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split("\t", -1);
      if (!f[0].isEmpty() && ja3.isEmpty()) {
        ja3 = f[0];
      }
      if (f.length > 1 && !f[1].isEmpty() && ja3s.isEmpty()) {
        ja3s = f[1];
      }
      if (f.length > 2 && !f[2].isEmpty()) {
        for (String cert : f[2].split(",")) {
          byte[] der = Hellos.hex(cert.replace(":", ""));
          fps.add(TlsBytes.hex(TlsBytes.digest("SHA-256", der)));
        }
      }
    }
    assertEquals(ja3, s.ja3(), capture + " ja3");
    assertEquals(ja3s, s.ja3s(), capture + " ja3s");
    assertEquals(fps, s.certChainFps(), capture + " certificates");
  }

  private static List<String> run(String... cmd) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return null;
    }
    return out.lines().toList();
  }
}
