package dev.nsm.parsers.tls;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@link TlsStreamParser} learned about one TLS connection: the hellos, certificates and
 * alerts as seen (facts), and the fields of Zeek's ssl.log derived from them with Zeek's semantics
 * (scripts/base/protocols/ssl/main.zeek and src/analyzer/protocol/ssl/ of zeek/zeek):
 *
 * <ul>
 *   <li>{@code version}: the server's supported_versions selection if it sent one, else the
 *       ServerHello version of the first ServerHello; 0 until a ServerHello is seen.
 *   <li>{@code cipher}: the last ServerHello's cipher; {@code curve}: the group of the server's
 *       key_share (TLS 1.3, also a HelloRetryRequest's) or of an ECDHE ServerKeyExchange.
 *   <li>{@code serverName}: the first host_name of the last ClientHello that had one;
 *       {@code nextProtocol}: the server's ALPN choice.
 *   <li>{@code resumed}: the server echoed the client's non-empty, not all-zero session id (not in
 *       TLS 1.3), or accepted its pre_shared_key, or the client sent a non-empty session ticket with
 *       no session id and a ChangeCipherSpec without a ClientKeyExchange.
 *   <li>{@code established}: a record arrived while both directions were encrypted (each side sent
 *       ChangeCipherSpec in TLS 1.2 and earlier; application data in TLS 1.3, where
 *       ChangeCipherSpec means nothing). Zeek writes ssl.log at that moment and stops analysing;
 *       so does the parser.
 * </ul>
 *
 * Lists are bounded (8 hellos each way, 32 certificates each way, 16 alerts); the surplus is counted.
 * Allocated per connection; mutated only by the parser.
 */
public final class TlsSession {
  static final int MAX_HELLOS = 8;
  static final int MAX_CERTIFICATES = 32;
  static final int MAX_ALERTS = 16;
  static final int MAX_HISTORY = 100;

  final List<ClientHello> clientHellos = new ArrayList<>(1);
  final List<ServerHello> serverHellos = new ArrayList<>(1);
  final List<TlsCertificate> serverCertificates = new ArrayList<>(0);
  final List<TlsCertificate> clientCertificates = new ArrayList<>(0);
  final List<TlsAlert> alerts = new ArrayList<>(0);

  int version;
  int cipher = -1;
  int curve = -1;
  String serverName;
  String nextProtocol;
  boolean resumed;
  boolean established;
  boolean clientChangeCipherSpec;
  boolean serverChangeCipherSpec;
  boolean flipped;
  boolean heartbeat;
  boolean confirmed;
  long records;
  final StringBuilder history = new StringBuilder(16);
  long issueBits;
  TlsIssue origGaveUp;
  TlsIssue respGaveUp;

  // ------------------------------------------------------------------ facts

  /** Every ClientHello, in order (the second one follows a HelloRetryRequest). */
  public List<ClientHello> clientHellos() {
    return Collections.unmodifiableList(clientHellos);
  }

  /** Every ServerHello, HelloRetryRequests included, in order. */
  public List<ServerHello> serverHellos() {
    return Collections.unmodifiableList(serverHellos);
  }

  /** The first ClientHello, or null. */
  public ClientHello clientHello() {
    return clientHellos.isEmpty() ? null : clientHellos.get(0);
  }

  /** The first ServerHello (a HelloRetryRequest if there was one), or null. */
  public ServerHello serverHello() {
    return serverHellos.isEmpty() ? null : serverHellos.get(0);
  }

  /** Certificates the server sent in clear (TLS 1.2 and earlier), leaf first. */
  public List<TlsCertificate> serverCertificates() {
    return Collections.unmodifiableList(serverCertificates);
  }

  /** Certificates the client sent in clear (client authentication). */
  public List<TlsCertificate> clientCertificates() {
    return Collections.unmodifiableList(clientCertificates);
  }

  /** Alerts seen in clear, in order. */
  public List<TlsAlert> alerts() {
    return Collections.unmodifiableList(alerts);
  }

  // ------------------------------------------------------------------ ssl.log fields

  /** Negotiated version (0x0303 ...), 0 if no ServerHello. */
  public int version() {
    return version;
  }

  /** "TLSv12", "TLSv13", ... as Zeek writes it; null if no ServerHello. */
  public String versionName() {
    return version == 0 ? null : TlsNames.version(version);
  }

  /** Chosen cipher suite code, -1 if none. */
  public int cipher() {
    return cipher;
  }

  /** IANA/Zeek cipher suite name, null if none. */
  public String cipherName() {
    return cipher < 0 ? null : TlsNames.cipher(cipher);
  }

  /** Key exchange group code, -1 if none seen. */
  public int curve() {
    return curve;
  }

  /** "x25519", "secp256r1", ... null if none. */
  public String curveName() {
    return curve < 0 ? null : TlsNames.group(curve);
  }

  public String serverName() {
    return serverName;
  }

  /** The ALPN protocol the server chose, or null. */
  public String nextProtocol() {
    return nextProtocol;
  }

  public boolean resumed() {
    return resumed;
  }

  public boolean established() {
    return established;
  }

  /** Zeek's last_alert: the description name of the last alert, or null. */
  public String lastAlert() {
    return alerts.isEmpty() ? null : alerts.get(alerts.size() - 1).descriptionName();
  }

  /** JA3 of the first ClientHello, or null. */
  public String ja3() {
    ClientHello h = clientHello();
    return h == null ? null : h.ja3();
  }

  /** JA3S of the first ServerHello, or null. */
  public String ja3s() {
    ServerHello h = serverHello();
    return h == null ? null : h.ja3s();
  }

  /** JA4 of the first ClientHello, or null. */
  public String ja4() {
    ClientHello h = clientHello();
    return h == null ? null : h.ja4();
  }

  /**
   * SHA-256 of each server certificate, leaf first (ssl.log cert_chain_fps). Zeek lists the
   * certificates OpenSSL could parse; the JDK is stricter (it rejects, say, an empty street
   * attribute OpenSSL accepts), so every certificate sent is listed here, parsed or not.
   */
  public List<String> certChainFps() {
    return fps(serverCertificates);
  }

  /** The same for the client's certificates (client_cert_chain_fps). */
  public List<String> clientCertChainFps() {
    return fps(clientCertificates);
  }

  /** Subject of the server's leaf certificate, or null. */
  public String subject() {
    return serverCertificates.isEmpty() ? null : serverCertificates.get(0).subject;
  }

  /** Issuer of the server's leaf certificate, or null. */
  public String issuer() {
    return serverCertificates.isEmpty() ? null : serverCertificates.get(0).issuer;
  }

  private static List<String> fps(List<TlsCertificate> certs) {
    List<String> out = new ArrayList<>(certs.size());
    for (TlsCertificate c : certs) {
      out.add(c.sha256);
    }
    return out;
  }

  // ------------------------------------------------------------------ state

  /** Either side sent ChangeCipherSpec (roles after the flip). */
  public boolean clientChangeCipherSpec() {
    return clientChangeCipherSpec;
  }

  public boolean serverChangeCipherSpec() {
    return serverChangeCipherSpec;
  }

  /** The ClientHello came from the connection's responder (Zeek's ssl_connection_flipped). */
  public boolean flipped() {
    return flipped;
  }

  /**
   * A ClientHello with a version Zeek accepts was parsed: Zeek confirms its SSL analyzer there,
   * and the connection's service becomes "ssl".
   */
  public boolean confirmed() {
    return confirmed;
  }

  /** Records framed so far, both directions (0: nothing TLS-like seen yet). */
  public long records() {
    return records;
  }

  /** A heartbeat record was seen in clear. */
  public boolean heartbeat() {
    return heartbeat;
  }

  /**
   * Zeek's ssl_history: one letter per handshake message, ChangeCipherSpec (i), alert (l),
   * heartbeat (b), upper case from the client, '^' for a direction flip; 100 letters at most.
   */
  public String history() {
    return history.toString();
  }

  /** Issues that occurred on this connection (each also counted in {@link TlsCounters}). */
  public Set<TlsIssue> issues() {
    EnumSet<TlsIssue> s = EnumSet.noneOf(TlsIssue.class);
    for (TlsIssue i : TlsIssue.values()) {
      if ((issueBits & i.bit()) != 0) {
        s.add(i);
      }
    }
    return s;
  }

  public boolean hasIssue(TlsIssue i) {
    return (issueBits & i.bit()) != 0;
  }

  /** The fatal issue that stopped parsing of the originator's (true) or responder's bytes, or null. */
  public TlsIssue gaveUp(boolean orig) {
    return orig ? origGaveUp : respGaveUp;
  }

  void addHistory(boolean client, char letter) {
    if (history.length() < MAX_HISTORY) {
      history.append(client ? Character.toUpperCase(letter) : letter);
    }
  }

  /** The '^' of a direction flip, within the same bound as the letters (Zeek's max_ssl_history_length). */
  void addFlip() {
    if (history.length() < MAX_HISTORY) {
      history.append('^');
    }
  }
}
