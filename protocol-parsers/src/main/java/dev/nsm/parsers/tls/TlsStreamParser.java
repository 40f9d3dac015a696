package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.TlsBytes.u16;
import static dev.nsm.parsers.tls.TlsBytes.u24;
import static dev.nsm.parsers.tls.TlsBytes.u8;

import java.util.Arrays;

/**
 * TLS over one TCP connection, both directions: frames records (SSL 3.0 to TLS 1.3, and an
 * SSLv2-compatible CLIENT-HELLO), reassembles handshake messages across records and across
 * {@link #feed} calls, and fills a {@link TlsSession} with Zeek's semantics. Pure: no I/O, no
 * threads, never throws on any input; every malformation is a counted {@link TlsIssue}.
 *
 * <p>The flow layer delivers each direction's bytes in order ({@link #feed}), reports holes
 * ({@link #onGap}) and the end ({@link #onClose}). {@code fromClient} is true for bytes from the
 * connection's originator; when the ClientHello comes from the responder the session is flipped
 * as Zeek flips it, and roles follow the hellos.
 *
 * <pre>
 * TLS record (RFC 5246 6.2.1):                SSLv2 record (2-byte header, high bit set):
 * +------+---------+--------+-----------+     +-----------------+------+---------+------...
 * | type | version | length | fragment  |     | 1 | length (15) | type | version | body
 * | (1)  |   (2)   |  (2)   | (length)  |     +-----------------+------+---------+------...
 * +------+---------+--------+-----------+        type 1 CLIENT-HELLO, 4 SERVER-HELLO
 *  20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat
 *
 * Handshake message (RFC 5246 7.4), any number per record, or spread over several records:
 * +------+------------+------------------+
 * | type | length (3) | body (length)    |
 * +------+------------+------------------+
 * </pre>
 *
 * <p>Cost: a record header is read in place (copied only when it straddles two feeds); record
 * bodies other than handshake, ChangeCipherSpec and alert are skipped without a look. A handshake
 * message lying whole in one feed is parsed in place; one spanning feeds is copied into a
 * per-direction buffer sized to the message (64 KiB at most for hellos, 256 KiB for Certificate;
 * only the first 4 bytes of a ServerKeyExchange; nothing of other messages). Allocation happens per
 * parsed message (the hello and certificate objects), never per packet otherwise. Once the session
 * is established (or both directions gave up) {@link #isDone()} is true and feeding stops mattering:
 * Zeek too stops analysing there.
 */
public final class TlsStreamParser {
  /** Largest ClientHello / ServerHello reassembled. */
  public static final int MAX_HELLO_BYTES = 64 * 1024;
  /** Largest Certificate message reassembled. */
  public static final int MAX_CERTIFICATE_BYTES = 256 * 1024;
  /** RFC 5246 6.2.3: TLSCiphertext.length must not exceed 2^14 + 2048. */
  static final int MAX_RECORD = (1 << 14) + 2048;
  /** Zeek's SSL::max_alerts_per_record. */
  static final int MAX_ALERTS_PER_RECORD = 10;

  static final int CT_CHANGE_CIPHER_SPEC = 20;
  static final int CT_ALERT = 21;
  static final int CT_HANDSHAKE = 22;
  static final int CT_APPLICATION_DATA = 23;
  static final int CT_HEARTBEAT = 24;
  /** SSLv2 records, content type as Zeek numbers them (300 + SSLv2 message type). */
  static final int CT_V2_CLIENT_HELLO = 301;
  static final int CT_V2_SERVER_HELLO = 304;

  static final int HS_HELLO_REQUEST = 0;
  static final int HS_CLIENT_HELLO = 1;
  static final int HS_SERVER_HELLO = 2;
  static final int HS_CERTIFICATE = 11;
  static final int HS_SERVER_KEY_EXCHANGE = 12;
  static final int HS_CLIENT_KEY_EXCHANGE = 16;

  private static final int ST_HEADER = 0;
  private static final int ST_BODY = 1;
  private static final int ST_DEAD = 2;

  /** Bytes of a ServerKeyExchange kept: curve_type (1) + named_curve (2). */
  private static final int SKE_PREFIX = 4;

  private final TlsCounters counters;
  private final Direction orig = new Direction(true);
  private final Direction resp = new Direction(false);
  private TlsSession session = new TlsSession();

  // Zeek's per-connection analyzer state (SSL_Conn, Handshake_Conn, SSL::Info's hidden fields)
  /** Handshake_Conn::chosen_version_: set once, by the first ServerHello (supported_versions first). */
  private int chosenVersion;
  private int chosenCipher = -1;
  /** SSL_Conn::record_layer_version_ known: SSLv2 headers are no longer accepted. */
  private boolean recordLayerKnown;
  private String clientSessionId;
  private boolean clientTicketEmptySessionSeen;
  private boolean clientKeyExchangeSeen;
  private boolean clientPskSeen;
  private boolean hrrSeen;
  private boolean unclearReported;
  private boolean closed;
  /** Parsed certificates shared by the owner's parsers, or null. */
  private final TlsCertificateCache certificates;

  /** A parser counting into {@code counters} (shared by a worker's parsers). */
  public TlsStreamParser(TlsCounters counters) {
    this(counters, null);
  }

  /**
   * A parser counting into {@code counters} and taking parsed certificates from {@code certificates}
   * (both shared by a worker's parsers; null: every certificate is parsed).
   */
  public TlsStreamParser(TlsCounters counters, TlsCertificateCache certificates) {
    this.counters = counters;
    this.certificates = certificates;
  }

  /** A parser with counters of its own. */
  public TlsStreamParser() {
    this(new TlsCounters());
  }

  /** Forgets the connection: a fresh session, both directions at a record boundary. */
  public void reset() {
    orig.reset();
    resp.reset();
    session = new TlsSession();
    chosenVersion = 0;
    chosenCipher = -1;
    recordLayerKnown = false;
    clientSessionId = null;
    clientTicketEmptySessionSeen = false;
    clientKeyExchangeSeen = false;
    clientPskSeen = false;
    hrrSeen = false;
    unclearReported = false;
    closed = false;
  }

  public TlsSession session() {
    return session;
  }

  public TlsCounters counters() {
    return counters;
  }

  /**
   * Nothing more to learn: established (Zeek logs ssl.log there and detaches its analyzer), both
   * directions gave up, or the connection closed. The flow layer may stop delivering bytes.
   */
  public boolean isDone() {
    return session.established || closed || (orig.state == ST_DEAD && resp.state == ST_DEAD);
  }

  /**
   * Whether {@code buf[off, off+len)} starts like a TLS ClientHello: a handshake record (22) of
   * version 3.x (x at most 4) whose first message is a ClientHello (1), or an SSLv2-compatible
   * CLIENT-HELLO (2-byte header with the high bit set, message type 1, version 0x0002 or 3.x).
   * Needs the first 6 bytes; fewer give false. Reads at most 6 bytes; no allocation.
   */
  public static boolean probe(byte[] buf, int off, int len) {
    if (buf == null || off < 0 || len < 6 || off + len > buf.length || off + len < 0) {
      return false;
    }
    int b0 = buf[off] & 0xff;
    int b1 = buf[off + 1] & 0xff;
    int b2 = buf[off + 2] & 0xff;
    int b3 = buf[off + 3] & 0xff;
    int b4 = buf[off + 4] & 0xff;
    if (b0 == CT_HANDSHAKE) {
      // A record may carry as little as one byte of a handshake message: a ClientHello cut into tiny
      // records (a known way around DPI and SNI filters) starts with a record of length 1.
      int recLen = b3 << 8 | b4;
      return b1 == 3 && b2 <= 4 && recLen >= 1 && recLen <= MAX_RECORD && (buf[off + 5] & 0xff) == HS_CLIENT_HELLO;
    }
    if ((b0 & 0x80) != 0) {
      int recLen = (b0 & 0x7f) << 8 | b1;
      // type 1, version 0x0002 or 0x0300-0x0304; the body holds at least the three lengths
      return b2 == 1 && recLen >= 9 && ((b3 == 0 && b4 == 2) || (b3 == 3 && b4 <= 4));
    }
    return false;
  }

  /**
   * Whether {@code buf[off, off+len)} starts like a TLS ServerHello record (handshake record of
   * version 3.x whose first message is a ServerHello), for finding where a responder's TLS begins
   * after a STARTTLS exchange. Needs 6 bytes; no allocation.
   */
  public static boolean probeServerHello(byte[] buf, int off, int len) {
    if (buf == null || off < 0 || len < 6 || off + len > buf.length || off + len < 0) {
      return false;
    }
    int recLen = (buf[off + 3] & 0xff) << 8 | (buf[off + 4] & 0xff);
    return (buf[off] & 0xff) == CT_HANDSHAKE && buf[off + 1] == 3 && (buf[off + 2] & 0xff) <= 4
        && recLen >= 1 && recLen <= MAX_RECORD && (buf[off + 5] & 0xff) == HS_SERVER_HELLO;
  }

  /**
   * Delivers the next {@code len} bytes of one direction, in order. {@code fromClient}: from the
   * connection's originator.
   */
  public void feed(boolean fromClient, byte[] buf, int off, int len) {
    if (buf == null || len <= 0 || off < 0 || off + len > buf.length || off + len < 0 || session.established) {
      return;
    }
    (fromClient ? orig : resp).feed(buf, off, len);
  }

  /**
   * {@code bytes} of one direction were never captured. Inside a record body the record framing
   * survives (a handshake message the hole falls into is dropped); a hole across a record boundary
   * ends parsing of that direction ({@link TlsIssue#GAP_LOST_SYNC}). Zeek stops its whole analyzer
   * at the first gap; keeping the framing keeps more, and changes nothing when there is no gap.
   */
  public void onGap(boolean fromClient, long bytes) {
    if (bytes <= 0 || session.established) {
      return;
    }
    (fromClient ? orig : resp).gap(bytes);
  }

  /** The connection ended (FIN, RST or timeout). Counts a record or message left half-read. */
  public void onClose() {
    if (closed) {
      return;
    }
    if (!session.established) {
      orig.close();
      resp.close();
    }
    closed = true;
  }

  // ------------------------------------------------------------------ connection-level events

  private void issue(TlsIssue i) {
    counters.increment(i);
    session.issueBits |= i.bit();
  }

  /** Zeek's Handshake_Conn::check_flipped. */
  private void checkFlipped(boolean desiredOrig, boolean isOrig) {
    if (session.flipped) {
      if (desiredOrig == isOrig) {
        session.flipped = false;
        session.addFlip();
        if (!unclearReported) {
          unclearReported = true;
          issue(TlsIssue.UNCLEAR_DIRECTION);
        }
      }
    } else if (desiredOrig != isOrig) {
      session.flipped = true;
      session.addFlip();
    }
  }

  private boolean isClient(boolean isOrig) {
    return isOrig ^ session.flipped;
  }

  /** Zeek's determine_tls13(): the negotiated version is TLS 1.3 or a 1.3 draft. */
  private boolean tls13() {
    return chosenVersion == 0x0304 || chosenVersion / 0xFF == 0x7F;
  }

  /**
   * Zeek's determine_state() for an application_data record in clear: anything but a negotiated
   * SSLv2 to TLS 1.2 (including no ServerHello yet) means it is encrypted TLS 1.3 data.
   */
  private boolean appDataIsEncrypted() {
    switch (chosenVersion) {
      case 0x0002:
      case 0x0300:
      case 0x0301:
      case 0x0302:
      case 0x0303:
        return false;
      default:
        return true;
    }
  }

  private void clientHello(Direction d, ClientHello h) {
    checkFlipped(true, d.isOrig);
    boolean client = isClient(d.isOrig);
    if (session.clientHellos.size() < TlsSession.MAX_HELLOS) {
      session.clientHellos.add(h);
    } else {
      issue(TlsIssue.TOO_MANY_HELLOS);
    }
    if (h.extensionsMalformed) {
      issue(TlsIssue.EXTENSION_MALFORMED);
    }
    if (versionOk(h.version)) {
      session.confirmed = true; // Zeek's AnalyzerConfirmation: the connection's service is "ssl"
    }
    if (h.serverNames.size() > 1) {
      issue(TlsIssue.MANY_SERVER_NAMES);
    }
    // ssl_extension events come before ssl_client_hello in Zeek
    if (client) {
      if (h.sessionTicket && h.sessionTicketLength > 0) {
        clientTicketEmptySessionSeen = true; // reset below if a session id comes along
      }
      if (h.preSharedKey) {
        clientPskSeen = true;
      }
      if (!h.serverNames.isEmpty()) {
        session.serverName = h.serverNames.get(0);
      }
    }
    // ssl_client_hello: a session id of 32 zero bytes counts as none
    if (h.sessionId.length > 0 && !allZero32(h.sessionId)) {
      clientSessionId = TlsBytes.hex(h.sessionId);
      clientTicketEmptySessionSeen = false;
    }
  }

  /** Zeek's version_ok(): SSLv2 to TLS 1.3, DTLS 1.0/1.2/1.3, TLS 1.3 drafts. */
  static boolean versionOk(int v) {
    if (v >> 8 == 0x7f) {
      return true;
    }
    switch (v) {
      case 0x0002:
      case 0x0300:
      case 0x0301:
      case 0x0302:
      case 0x0303:
      case 0x0304:
      case 0xfeff:
      case 0xfefd:
      case 0xfefc:
        return true;
      default:
        return false;
    }
  }

  private static boolean allZero32(byte[] id) {
    if (id.length != 32) {
      return false;
    }
    for (byte x : id) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private void serverHello(Direction d, ServerHello h) {
    checkFlipped(false, d.isOrig);
    boolean client = isClient(d.isOrig);
    if (session.serverHellos.size() < TlsSession.MAX_HELLOS) {
      session.serverHellos.add(h);
    } else {
      issue(TlsIssue.TOO_MANY_HELLOS);
    }
    if (h.extensionsMalformed) {
      issue(TlsIssue.EXTENSION_MALFORMED);
    }
    if (chosenVersion == 0) {
      chosenVersion = h.selectedVersion();
    }
    chosenCipher = h.cipher;
    // ssl_extension events (before ssl_server_hello)
    if (!client) {
      if (h.supportedVersion != 0) {
        session.version = h.supportedVersion;
      }
      if (h.keyShareGroup >= 0) {
        session.curve = h.keyShareGroup;
      }
      if (h.alpn != null) {
        session.nextProtocol = h.alpn;
      }
      if (h.hasExtension(ClientHello.EXT_PRE_SHARED_KEY) && clientPskSeen) {
        session.resumed = true;
      }
    }
    // ssl_server_hello
    if (session.version == 0) {
      session.version = h.version;
    }
    session.cipher = h.cipher;
    if (h.helloRetryRequest) {
      hrrSeen = true;
    }
    int v = session.version;
    if (clientSessionId != null && clientSessionId.equals(TlsBytes.hex(h.sessionId))
        && v / 0xFF != 0x7F && v != 0x0304) {
      session.resumed = true;
    }
  }

  private void certificates(Direction d, byte[] b, int off, int len) {
    boolean client = isClient(d.isOrig);
    java.util.List<TlsCertificate> out = client ? session.clientCertificates : session.serverCertificates;
    int end = off + len;
    int p = off;
    if (tls13()) {
      // TLS 1.3: certificate_request_context len (1) + context, then the list; each entry is
      // cert_data len (3) + DER + extensions len (2) + extensions
      if (p + 1 > end || p + 1 + u8(b, p) > end) {
        issue(TlsIssue.CERTIFICATE_MALFORMED);
        return;
      }
      p += 1 + u8(b, p);
    }
    if (p + 3 > end) {
      issue(TlsIssue.CERTIFICATE_MALFORMED);
      return;
    }
    int listEnd = p + 3 + u24(b, p);
    p += 3;
    if (listEnd > end) {
      issue(TlsIssue.CERTIFICATE_MALFORMED);
      listEnd = end;
    }
    while (p < listEnd) {
      if (p + 3 > listEnd || p + 3 + u24(b, p) > listEnd) {
        issue(TlsIssue.CERTIFICATE_MALFORMED);
        return;
      }
      int certLen = u24(b, p);
      p += 3;
      if (certLen == 0) {
        issue(TlsIssue.ZERO_LENGTH_CERTIFICATE);
      } else {
        addCertificate(out, b, p, certLen);
      }
      p += certLen;
      if (tls13()) {
        if (p + 2 > listEnd || p + 2 + u16(b, p) > listEnd) {
          issue(TlsIssue.CERTIFICATE_MALFORMED);
          return;
        }
        p += 2 + u16(b, p);
      }
    }
  }

  private void addCertificate(java.util.List<TlsCertificate> out, byte[] b, int off, int len) {
    if (out.size() >= TlsSession.MAX_CERTIFICATES) {
      issue(TlsIssue.TOO_MANY_CERTIFICATES);
      return;
    }
    TlsCertificate c = certificates != null ? certificates.get(b, off, len)
        : TlsCertificate.of(Arrays.copyOfRange(b, off, off + len));
    if (!c.parsed) {
      issue(TlsIssue.CERTIFICATE_UNPARSABLE);
    } else if (c.partialError != null) {
      issue(TlsIssue.CERTIFICATE_PARTIAL);
    }
    out.add(c);
  }

  /** ServerKeyExchange: Zeek takes the named curve of an ECDHE (or ECDH_anon) suite's parameters. */
  private void serverKeyExchange(byte[] b, int off, int len) {
    if (len < 3 || u8(b, off) != 3 || chosenCipher < 0) { // curve_type 3 = named_curve
      return;
    }
    String name = TlsNames.cipher(chosenCipher);
    if (name.startsWith("TLS_ECDHE_") || name.startsWith("TLS_ECDH_ANON_")) {
      session.curve = u16(b, off + 1);
    }
  }

  /** One complete handshake message; {@code len} bytes of its body kept at {@code b[off]}. */
  private void handshakeMessage(Direction d, int type, byte[] b, int off, int len, int recordVersion) {
    switch (type) {
      case HS_CLIENT_HELLO: {
        ClientHello h = ClientHello.parse(b, off, len);
        if (h == null) {
          issue(TlsIssue.CLIENT_HELLO_MALFORMED);
          return; // Zeek: a parse error, no ssl_handshake_message either
        }
        h.recordVersion = recordVersion;
        clientHello(d, h);
        break;
      }
      case HS_SERVER_HELLO: {
        ServerHello h = ServerHello.parse(b, off, len);
        if (h == null) {
          issue(TlsIssue.SERVER_HELLO_MALFORMED);
          return;
        }
        h.recordVersion = recordVersion;
        serverHello(d, h);
        break;
      }
      case HS_HELLO_REQUEST:
        checkFlipped(false, d.isOrig);
        break;
      case HS_CERTIFICATE:
        certificates(d, b, off, len);
        break;
      case HS_SERVER_KEY_EXCHANGE:
        serverKeyExchange(b, off, len);
        break;
      case HS_CLIENT_KEY_EXCHANGE:
        if (isClient(d.isOrig)) {
          clientKeyExchangeSeen = true;
        }
        break;
      default:
        break;
    }
    // ssl_handshake_message: the history letter
    char letter = historyLetter(type);
    if (type == HS_SERVER_HELLO && hrrSeen) {
      letter = 'j';
      hrrSeen = false;
    }
    session.addHistory(isClient(d.isOrig), letter);
  }

  private static char historyLetter(int type) {
    switch (type) {
      case 0: return 'h';
      case 1: return 'c';
      case 2: return 's';
      case 3: return 'v';
      case 4: return 't';
      case 5: return 'e';
      case 6: return 'j';
      case 8: return 'o';
      case 11: return 'x';
      case 12: return 'k';
      case 13: return 'r';
      case 14: return 'n';
      case 15: return 'y';
      case 16: return 'g';
      case 20: return 'f';
      case 21: return 'w';
      case 22: return 'u';
      case 23: return 'a';
      case 24: return 'p';
      case 254: return 'm';
      default: return 'z';
    }
  }

  private void changeCipherSpec(Direction d) {
    boolean client = isClient(d.isOrig);
    session.addHistory(client, 'i');
    if (client) {
      session.clientChangeCipherSpec = true;
      if (clientTicketEmptySessionSeen && !clientKeyExchangeSeen) {
        session.resumed = true;
      }
    } else {
      session.serverChangeCipherSpec = true;
    }
    if (!tls13()) { // TLS 1.3's ChangeCipherSpec is middlebox camouflage: nothing changes
      d.encrypted = true;
      d.dropPartialHandshake();
    }
  }

  private void alerts(Direction d, byte[] b, int recLen) {
    int max = tls13() ? 2 : MAX_ALERTS_PER_RECORD * 2;
    int n = recLen;
    if (n > max) {
      issue(TlsIssue.EXCESSIVE_ALERTS);
      n = max;
    }
    boolean client = isClient(d.isOrig);
    for (int i = 0; i + 1 < n; i += 2) {
      session.addHistory(client, 'l');
      if (session.alerts.size() < TlsSession.MAX_ALERTS) {
        session.alerts.add(new TlsAlert(client, u8(b, i), u8(b, i + 1)));
      } else {
        issue(TlsIssue.TOO_MANY_ALERTS);
      }
    }
  }

  /** Zeek's proc_ciphertext_record: established once both directions are encrypted. */
  private void ciphertextRecord() {
    if (orig.encrypted && resp.encrypted && !session.established) {
      session.established = true;
    }
  }

  private void v2ClientHello(Direction d, int version, byte[] b, int off, int len) {
    ClientHello h = ClientHello.parseV2(version, b, off, len);
    if (h == null) {
      issue(TlsIssue.SSLV2_MALFORMED);
      return;
    }
    clientHello(d, h);
    session.addHistory(true, 'c'); // Zeek adds it in ssl_client_hello for SSLv2 (record_version 0)
  }

  private void v2ServerHello(Direction d, byte[] b, int off, int len) {
    byte[][] cert = new byte[1][];
    ServerHello h = ServerHello.parseV2(b, off, len, cert);
    if (h == null) {
      issue(TlsIssue.SSLV2_MALFORMED);
    } else if (h.version == 0x0002) {
      serverHello(d, h);
      session.addHistory(false, 's');
      if (cert[0].length > 0) {
        addCertificate(isClient(d.isOrig) ? session.clientCertificates : session.serverCertificates, cert[0], 0, cert[0].length);
      }
    }
    // The rest of an SSLv2 session (CLIENT-MASTER-KEY, then encrypted records) is not parsed.
    orig.die(TlsIssue.SSLV2_SESSION);
    resp.die(TlsIssue.SSLV2_SESSION);
  }

  // ------------------------------------------------------------------ one direction

  /** Record framing and handshake reassembly of one direction. */
  private final class Direction {
    final boolean isOrig;
    int state;
    /** Zeek's client_state_/server_state_: STATE_ENCRYPTED. */
    boolean encrypted;

    // record in progress
    final byte[] hdr = new byte[5];
    int hdrLen;
    int recType;
    int recVersion;
    int recLen;
    int recLeft;
    /** The record is encrypted: its body is skipped. */
    boolean recCipher;
    /** A gap fell inside this record's body. */
    boolean recDamaged;
    /** ChangeCipherSpec / alert bytes (the first MAX_ALERTS_PER_RECORD * 2). */
    final byte[] small = new byte[MAX_ALERTS_PER_RECORD * 2];
    int smallLen;

    // handshake message in progress
    final byte[] hsHdr = new byte[4];
    int hsHdrLen;
    int hsType;
    int hsLen;
    int hsLeft;
    /** Bytes of the message body to copy into {@link #buf} (its whole length, a prefix, or 0). */
    int hsKeep;
    int hsRecordVersion;
    /** A gap fell inside this message: drop it when it ends. */
    boolean hsBroken;
    /** A gap fell between messages: the handshake stream of this direction is lost. */
    boolean hsLost;
    byte[] buf;
    int bufLen;

    Direction(boolean isOrig) {
      this.isOrig = isOrig;
    }

    void reset() {
      state = ST_HEADER;
      encrypted = false;
      hdrLen = 0;
      recLeft = 0;
      recDamaged = false;
      smallLen = 0;
      hsHdrLen = 0;
      hsBroken = false;
      hsLost = false;
      buf = null;
      bufLen = 0;
    }

    void die(TlsIssue why) {
      if (state == ST_DEAD) {
        return;
      }
      state = ST_DEAD;
      issue(why);
      if (isOrig) {
        session.origGaveUp = why;
      } else {
        session.respGaveUp = why;
      }
      buf = null;
    }

    void feed(byte[] b, int off, int len) {
      while (len > 0 && state != ST_DEAD && !session.established) {
        if (state == ST_HEADER) {
          if (hdrLen == 0 && len >= 5) {
            header(b, off);
            off += 5;
            len -= 5;
          } else {
            int n = Math.min(5 - hdrLen, len);
            System.arraycopy(b, off, hdr, hdrLen, n);
            hdrLen += n;
            off += n;
            len -= n;
            if (hdrLen == 5) {
              hdrLen = 0;
              header(hdr, 0);
            }
          }
          continue;
        }
        int n = Math.min(len, recLeft);
        body(b, off, n);
        off += n;
        len -= n;
        recLeft -= n;
        if (recLeft == 0) {
          endRecord();
        }
      }
    }

    /** A complete 5-byte header at {@code h[o]}: check it and start the record. */
    private void header(byte[] h, int o) {
      int b0 = h[o] & 0xff;
      int b1 = h[o + 1] & 0xff;
      int b2 = h[o + 2] & 0xff;
      recDamaged = false;
      smallLen = 0;
      if (!recordLayerKnown && (b0 & 0x80) != 0) {
        // SSLv2 header (Zeek's determine_ssl_record_layer): 2 length bytes, then message type and
        // 2 more bytes, which count as body
        int len = ((b0 & 0x7f) << 8 | b1) - 3;
        int v = (h[o + 3] & 0xff) << 8 | (h[o + 4] & 0xff);
        if (b2 == 1 && isOrig && len >= 0 && (v == 0x0002 || (v >> 8 == 3 && (v & 0xff) <= 4))) {
          recType = CT_V2_CLIENT_HELLO;
        } else if (b2 == 4 && !isOrig && len >= 0 && (h[o + 4] & 0xff) < 2) {
          recType = CT_V2_SERVER_HELLO;
          recordLayerKnown = true; // the session continues in SSLv2
        } else {
          die(TlsIssue.NOT_TLS);
          return;
        }
        recVersion = v;
        recLen = len;
        recLeft = len;
        recCipher = false;
        session.records++;
        bufLen = 0;
        buf = (buf == null || buf.length < len) ? new byte[len] : buf;
        state = ST_BODY;
        if (len == 0) {
          endRecord();
        }
        return;
      }
      int len = (h[o + 3] & 0xff) << 8 | (h[o + 4] & 0xff);
      if (b1 != 3 || b2 > 4) {
        die(recordLayerKnown ? TlsIssue.RECORD_BAD_VERSION : TlsIssue.NOT_TLS);
        return;
      }
      if (b0 < CT_CHANGE_CIPHER_SPEC || b0 > CT_HEARTBEAT) {
        die(recordLayerKnown ? TlsIssue.RECORD_BAD_TYPE : TlsIssue.NOT_TLS);
        return;
      }
      recordLayerKnown = true;
      if (len > MAX_RECORD) {
        issue(TlsIssue.RECORD_OVERSIZED);
      }
      if (b0 != CT_HANDSHAKE && hsHdrLen > 0) {
        // another content type inside a handshake message: RFC 5246 forbids it
        dropPartialHandshake();
      }
      recType = b0;
      recVersion = b1 << 8 | b2;
      recLen = len;
      recLeft = len;
      recCipher = encrypted || (b0 == CT_APPLICATION_DATA && appDataIsEncrypted());
      session.records++;
      state = ST_BODY;
      if (len == 0) {
        endRecord();
      }
    }

    private void body(byte[] b, int off, int n) {
      if (recCipher) {
        return;
      }
      switch (recType) {
        case CT_HANDSHAKE:
          if (!hsLost) {
            handshakeBytes(b, off, n);
          }
          break;
        case CT_CHANGE_CIPHER_SPEC:
        case CT_ALERT: {
          int m = Math.min(n, small.length - smallLen);
          System.arraycopy(b, off, small, smallLen, m);
          smallLen += m;
          break;
        }
        case CT_V2_CLIENT_HELLO:
        case CT_V2_SERVER_HELLO:
          System.arraycopy(b, off, buf, bufLen, n);
          bufLen += n;
          break;
        default:
          break; // plaintext application data before ChangeCipherSpec, heartbeat: not read
      }
    }

    private void endRecord() {
      state = ST_HEADER;
      if (recCipher) {
        encrypted = true; // an application_data record that Zeek takes as TLS 1.3 encrypted data
        ciphertextRecord();
        return;
      }
      switch (recType) {
        case CT_CHANGE_CIPHER_SPEC:
          if (recLen >= 1 && !recDamaged) {
            changeCipherSpec(this);
          }
          break;
        case CT_ALERT:
          if (!recDamaged) {
            alerts(this, small, recLen);
          }
          break;
        case CT_HEARTBEAT:
          session.heartbeat = true;
          session.addHistory(isClient(isOrig), 'b');
          break;
        case CT_V2_CLIENT_HELLO:
          if (!recDamaged) {
            v2ClientHello(this, recVersion, buf, 0, bufLen);
          }
          buf = null;
          break;
        case CT_V2_SERVER_HELLO:
          if (!recDamaged) {
            v2ServerHello(this, buf, 0, bufLen);
          } else {
            orig.die(TlsIssue.SSLV2_SESSION);
            resp.die(TlsIssue.SSLV2_SESSION);
          }
          buf = null;
          break;
        default:
          break; // handshake messages are handled as they complete
      }
    }

    /** Handshake protocol bytes, in order, from one or more records. */
    private void handshakeBytes(byte[] b, int off, int n) {
      while (n > 0) {
        if (hsHdrLen < 4) {
          if (hsHdrLen == 0 && n >= 4) {
            int type = b[off] & 0xff;
            int len = u24(b, off + 1);
            if (n - 4 >= len) { // the whole message is here: parse it in place
              int keep = keepable(type, len);
              if (keep >= 0) {
                handshakeMessage(this, type, b, off + 4, keep, recVersion);
              }
              off += 4 + len;
              n -= 4 + len;
              if (state == ST_DEAD) {
                return;
              }
              continue;
            }
          }
          int m = Math.min(4 - hsHdrLen, n);
          System.arraycopy(b, off, hsHdr, hsHdrLen, m);
          hsHdrLen += m;
          off += m;
          n -= m;
          if (hsHdrLen < 4) {
            return;
          }
          startMessage();
          if (hsLeft == 0) {
            endMessage();
          }
          continue;
        }
        int m = Math.min(n, hsLeft);
        if (bufLen < hsKeep) {
          int k = Math.min(m, hsKeep - bufLen);
          System.arraycopy(b, off, buf, bufLen, k);
          bufLen += k;
        }
        off += m;
        n -= m;
        hsLeft -= m;
        if (hsLeft == 0) {
          endMessage();
          if (state == ST_DEAD) {
            return;
          }
        }
      }
    }

    /**
     * How much of a {@code len}-byte message of {@code type} is parsed: all of a hello or
     * Certificate within its cap, the first bytes of a ServerKeyExchange, nothing of the others.
     * A message over its cap counts {@link TlsIssue#HANDSHAKE_TOO_LONG} and yields -1.
     */
    private int keepable(int type, int len) {
      switch (type) {
        case HS_CLIENT_HELLO:
        case HS_SERVER_HELLO:
          if (len > MAX_HELLO_BYTES) {
            issue(TlsIssue.HANDSHAKE_TOO_LONG);
            return -1;
          }
          return len;
        case HS_CERTIFICATE:
          if (len > MAX_CERTIFICATE_BYTES) {
            issue(TlsIssue.HANDSHAKE_TOO_LONG);
            return -1;
          }
          return len;
        case HS_SERVER_KEY_EXCHANGE:
          return Math.min(len, SKE_PREFIX);
        default:
          return 0;
      }
    }

    private void startMessage() {
      hsType = hsHdr[0] & 0xff;
      hsLen = u24(hsHdr, 1);
      hsLeft = hsLen;
      hsRecordVersion = recVersion;
      hsBroken = false;
      int keep = keepable(hsType, hsLen);
      bufLen = 0;
      if (keep < 0) {
        hsKeep = 0;
        hsBroken = true; // over its cap: skipped, no message event
      } else {
        hsKeep = keep;
        if (keep > 0 && (buf == null || buf.length < keep)) {
          buf = new byte[keep];
        }
      }
    }

    private void endMessage() {
      hsHdrLen = 0;
      if (!hsBroken) {
        handshakeMessage(this, hsType, buf, 0, bufLen, hsRecordVersion);
      }
      hsBroken = false;
      if (buf != null && buf.length > 4096) {
        buf = null; // do not pin a large reassembly buffer for the connection's life
      }
      bufLen = 0;
    }

    /** A handshake message cut short by ChangeCipherSpec or another content type. */
    void dropPartialHandshake() {
      if (hsHdrLen > 0) {
        issue(TlsIssue.HANDSHAKE_INTERRUPTED);
        hsHdrLen = 0;
        hsBroken = false;
        bufLen = 0;
      }
    }

    void gap(long bytes) {
      if (state == ST_DEAD) {
        return;
      }
      if (state != ST_BODY || bytes > recLeft) {
        die(TlsIssue.GAP_LOST_SYNC);
        return;
      }
      int n = (int) bytes;
      recDamaged = true;
      if (!recCipher && recType == CT_HANDSHAKE && !hsLost) {
        if (hsHdrLen == 4 && n <= hsLeft) {
          if (!hsBroken) {
            issue(TlsIssue.GAP_IN_HANDSHAKE);
          }
          hsBroken = true;
          hsLeft -= n;
          if (hsLeft == 0) {
            endMessage();
          }
        } else {
          issue(TlsIssue.GAP_IN_HANDSHAKE);
          hsLost = true; // message boundaries unknown from here on
          hsHdrLen = 0;
        }
      }
      recLeft -= n;
      if (recLeft == 0) {
        endRecord();
      }
    }

    void close() {
      if (state == ST_DEAD) {
        return;
      }
      if (state == ST_BODY || hdrLen > 0 || hsHdrLen > 0) {
        issue(TlsIssue.TRUNCATED_AT_CLOSE);
      }
    }
  }
}
