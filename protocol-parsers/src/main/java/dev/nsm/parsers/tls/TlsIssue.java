package dev.nsm.parsers.tls;

import java.util.Locale;

/**
 * Everything the TLS parser counts that is not a normal handshake: malformations, caps hit, gaps,
 * and the reasons a direction is given up. One counter per value ({@link TlsCounters}); the session
 * keeps the set that occurred on its connection ({@link TlsSession#issues()}) so the flow layer can
 * write one notice each.
 *
 * <p>A <b>fatal</b> issue stops parsing of that direction of the connection (the byte stream can no
 * longer be framed into records); the rest are counted and the parser carries on.
 */
public enum TlsIssue {
  NOT_TLS(true, "SSL_not_tls", "first record is neither a TLS record nor an SSLv2-compatible hello"),
  RECORD_BAD_VERSION(true, "SSL_record_bad_version",
      "record layer version is not SSL 3.0 to TLS 1.3 (stream out of sync or not TLS)"),
  RECORD_BAD_TYPE(true, "SSL_record_bad_type", "record content type is not 20 to 24 (stream out of sync)"),
  RECORD_OVERSIZED(false, "SSL_record_oversized", "record longer than 2^14 + 2048 bytes (RFC 5246 6.2.3)"),
  HANDSHAKE_TOO_LONG(false, "SSL_handshake_too_long",
      "handshake message longer than its cap (64 KiB hellos, 256 KiB Certificate); skipped unparsed"),
  HANDSHAKE_INTERRUPTED(false, "SSL_handshake_interrupted",
      "a handshake message was cut by ChangeCipherSpec or by another content type; dropped"),
  CLIENT_HELLO_MALFORMED(false, "SSL_client_hello_malformed", "ClientHello fields overrun the message"),
  SERVER_HELLO_MALFORMED(false, "SSL_server_hello_malformed", "ServerHello fields overrun the message"),
  EXTENSION_MALFORMED(false, "SSL_extension_malformed",
      "a hello extension's lengths overrun the extension or the extension block; rest of the block skipped"),
  CERTIFICATE_MALFORMED(false, "SSL_certificate_malformed",
      "Certificate message lengths overrun the message; rest of the chain skipped"),
  CERTIFICATE_UNPARSABLE(false, "x509_unparsable", "an X.509 certificate the JDK's CertificateFactory rejects"),
  CERTIFICATE_PARTIAL(false, "x509_partially_decoded",
      "an X.509 certificate the JDK read, one of whose fields it could not decode (kept: the fields before it)"),
  ZERO_LENGTH_CERTIFICATE(false, "zero_length_certificate", "a certificate of length 0 in a chain"),
  SSLV2_MALFORMED(false, "SSL_v2_malformed", "SSLv2 hello fields overrun the record"),
  SSLV2_SESSION(true, "SSL_v2_session", "the server answered in SSLv2: the session is not parsed further"),
  EXCESSIVE_ALERTS(false, "SSL_excessive_alerts_in_record",
      "more alerts in one record than Zeek's max_alerts_per_record (10; 1 in TLS 1.3)"),
  TOO_MANY_HELLOS(false, "SSL_too_many_hellos", "more hellos than the session keeps (8 each way); extra ones dropped"),
  TOO_MANY_CERTIFICATES(false, "SSL_too_many_certificates",
      "more certificates than the session keeps (32 each way); extra ones dropped"),
  TOO_MANY_ALERTS(false, "SSL_too_many_alerts", "more alerts than the session keeps (16); extra ones dropped"),
  MANY_SERVER_NAMES(false, "SSL_many_server_names", "a server_name extension with several host names"),
  UNCLEAR_DIRECTION(false, "SSL_unclear_connection_direction",
      "hellos from both sides claim the same role (Zeek flips the connection and flips it back)"),
  GAP_IN_HANDSHAKE(false, "SSL_gap_in_handshake", "bytes missing inside a handshake message; message dropped"),
  GAP_LOST_SYNC(true, "SSL_gap_lost_sync",
      "bytes missing across a record boundary: records can no longer be framed in this direction"),
  TRUNCATED_AT_CLOSE(false, "SSL_truncated_at_close", "connection ended inside a record or handshake message");

  private final boolean fatal;
  private final String weird;
  private final String meaning;

  TlsIssue(boolean fatal, String weird, String meaning) {
    this.fatal = fatal;
    this.weird = weird;
    this.meaning = meaning;
  }

  /** Whether the direction it occurred in is no longer parsed. */
  public boolean fatal() {
    return fatal;
  }

  /** Notice name, Zeek's weird name where Zeek has one ({@code SSL_excessive_alerts_in_record}, ...). */
  public String weirdName() {
    return weird;
  }

  /** One line: what happened. */
  public String meaning() {
    return meaning;
  }

  /** Counter name, lower case: {@code tls_record_bad_version}. */
  public String counterName() {
    return "tls_" + name().toLowerCase(Locale.ROOT);
  }

  long bit() {
    return 1L << ordinal();
  }
}
