package dev.nsm.sensor.delivery;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;

/**
 * TLS for both gRPC directions from PEM files: certificates (a chain, leaf first) and a PKCS#8
 * private key ({@code -----BEGIN PRIVATE KEY-----}; convert an older RSA key with
 * {@code openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key}), and a CA bundle to trust.
 *
 * <pre>
 *   client (exporter → collector):  ca: trust the server's chain   cert+key: present ours (mutual TLS)
 *   server (collector, Subscribe):  cert+key: ours                 client_ca: require and trust client certs (mutual TLS)
 * </pre>
 */
public final class TlsFiles {
  /** Client side: {@code ca} required; {@code cert} and {@code key} together, or both null. */
  public record Client(Path ca, Path cert, Path key, String serverName) {}

  /** Server side: {@code cert} and {@code key} required; {@code clientCa} null = no client certificates asked. */
  public record Server(Path cert, Path key, Path clientCa) {}

  private TlsFiles() {}

  public static SslContext client(Client c) throws IOException {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(c.ca().toFile());
      if (c.cert() != null) {
        b.keyManager(c.cert().toFile(), c.key().toFile());
      }
      return b.build();
    } catch (IllegalArgumentException | javax.net.ssl.SSLException e) {
      throw new IOException("TLS files (ca " + c.ca() + (c.cert() == null ? "" : ", cert " + c.cert() + ", key " + c.key())
          + "): " + e.getMessage(), e);
    }
  }

  public static SslContext server(Server s) throws IOException {
    try {
      SslContextBuilder b = GrpcSslContexts.forServer(s.cert().toFile(), s.key().toFile());
      if (s.clientCa() != null) {
        b.trustManager(s.clientCa().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IllegalArgumentException | javax.net.ssl.SSLException e) {
      throw new IOException("TLS files (cert " + s.cert() + ", key " + s.key()
          + (s.clientCa() == null ? "" : ", client_ca " + s.clientCa()) + "): " + e.getMessage(), e);
    }
  }
}
