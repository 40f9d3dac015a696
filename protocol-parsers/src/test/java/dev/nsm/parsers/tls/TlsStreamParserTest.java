package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.Hellos.concat;
import static dev.nsm.parsers.tls.Hellos.handshake;
import static dev.nsm.parsers.tls.Hellos.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The parser on hand-built TLS bytes: each test states the records on the wire and asserts what the
 * session says. Reassembly (any split of the bytes, 1-byte records), Zeek's semantics (established,
 * the three kinds of resumption, flips, HelloRetryRequest, alerts, curves), certificates, gaps, and
 * malformed input, every kind counted.
 */
class TlsStreamParserTest {
  static final int HS = 22;
  static final int CCS = 20;
  static final int ALERT = 21;
  static final int APP = 23;
  static final int TLS10 = 0x0301;
  static final int TLS12 = 0x0303;
  static final int TLS13 = 0x0304;
  static final int X25519 = 29;
  static final int SECP256R1 = 23;
  static final int ECDHE_RSA_AES128_GCM = 0xc02f;

  /** openssl req -x509 -newkey ec (P-256), CN=test.example, SAN test.example, www.test.example, 192.0.2.7. */
  static final byte[] EC_CERT = Base64.getMimeDecoder().decode(
      "MIIB6TCCAY6gAwIBAgIGChssPU5fMAoGCCqGSM49BAMCMDcxCzAJBgNVBAYTAlVTMREwDwYDVQQKDAhOU00gVGVzdDEVMBMGA1UE"
      + "AwwMdGVzdC5leGFtcGxlMB4XDTI2MTEyNTEzMjkzN1oXDTM2MTEyMjEzMjkzN1owNzELMAkGA1UEBhMCVVMxETAPBgNVBAoMCE5T"
      + "TSBUZXN0MRUwEwYDVQQDDAx0ZXN0LmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARlqS0TholY4q0RSSN9XFXPaUfD"
      + "DYXWB/UIY32td3xxq80hBBgI/bmB0rwgQE1ummIiBJGGy9cMV+6woJ3HWtPOo4GFMIGCMB0GA1UdDgQWBBTsnsLQblZwjpjTvwzI"
      + "d5s2SeWZkjAfBgNVHSMEGDAWgBTsnsLQblZwjpjTvwzId5s2SeWZkjAPBgNVHRMBAf8EBTADAQH/MC8GA1UdEQQoMCaCDHRlc3Qu"
      + "ZXhhbXBsZYIQd3d3LnRlc3QuZXhhbXBsZYcEwAACBzAKBggqhkjOPQQDAgNJADBGAiEAhQzizbB6kIv9SDOF4GJUQpv6k1H7Ea/F"
      + "BXKrcwdjZeECIQCRS2uuyPk8hyKGohKM2LVGlvLcInQuMvToi7Mvy0v6Yg==");
  /** openssl req -x509 -newkey rsa:2048, CN=rsa.example, serial 7. */
  static final byte[] RSA_CERT = Base64.getMimeDecoder().decode(
      "MIIC+jCCAeKgAwIBAgIBBzANBgkqhkiG9w0BAQsFADAWMRQwEgYDVQQDDAtyc2EuZXhhbXBsZTAeFw0yNjExMjUxMzI5MzdaFw0z"
      + "NjExMjIxMzI5MzdaMBYxFDASBgNVBAMMC3JzYS5leGFtcGxlMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3UAJYimT"
      + "DzUoTiDBzJl+Spn4w+6QEc9jM94b6dEVSPz9hLCLCNKmkO+OaeSCvC8V9H7I9reASL5uPD/x/FMoCLLhhnXMF8urEAZA0zUTDk57"
      + "DjVWa7Ri9Ch4FF9kljmSZbgLBCS7VtYszAgbiUBLsZJsZTgKPIxa+6qyy3z1e500MCHS0jqBa00DBF+ebHxYhe0ZSbfPelSRN9bf"
      + "Rf8yEUCz3h71JVfkWEcK0c+FFQ+XhxK3092IuklkS8A59eoTnbIkVMQjsxlxRXK1PaRadhpNKNKSwGNksrev2zuWX9/oMNlroxYb"
      + "hi3fkKL9yxjzlB2dvlNZ8z0IB8jT/MBQiQIDAQABo1MwUTAdBgNVHQ4EFgQUWm2ajBTvKC4yfI0A+JafCmSNdykwHwYDVR0jBBgw"
      + "FoAUWm2ajBTvKC4yfI0A+JafCmSNdykwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAJV2wYHe4JhYndo7OScnU"
      + "K5ulEkqsSUwZmItbXGaAcEnSU7VtvJ2XxMQ5W6xK8bh9WWWrloqIyMf30aQM8ycX5DScmIe3hfxza6w2pfBuLqMhZLPO9zDJcHi+"
      + "j18iKqn3Ux+GbOB5sQFmDMF/LjyREYMTpteAbgwgzdRSGlPGRjX0LhO1ou9pJyMM4UhMs+s3hv0TSMuSZl/xjEL/Canr6GPtzY67"
      + "K7ydgiAEi6NORrOCjnbU3Q8651I7y8YcPTSPYOTlXFrEp34iBq23AzgftSJpgrstjDw/gSsy+OUv9ipalpkw805tEK+IQaAq801K"
      + "T5IOlTNDrk+eW5cllgjfcw==");

  // ------------------------------------------------------------------ messages used below

  static Hellos.Builder chromeLikeHello() {
    return new Hellos.Builder().version(TLS12).ciphers(0x1a1a, 0x1301, 0x1302, 0xc02b, 0xc02f, 0x009c)
        .extension(0x2a2a, new byte[0])
        .sni("www.example.com")
        .extension(23, new byte[0])
        .extension(65281, new byte[] {0})
        .supportedGroups(0x3a3a, X25519, SECP256R1, 24)
        .ecPointFormats(0)
        .extension(35, new byte[0])
        .alpn("h2", "http/1.1")
        .u16ListExtension(13, 0x0403, 0x0804, 0x0401)
        .keyShares(X25519)
        .supportedVersions(0x4a4a, TLS13, TLS12);
  }

  static byte[] clientHelloRecord() {
    return record(HS, TLS10, handshake(1, chromeLikeHello().clientHelloBody()));
  }

  static byte[] serverHello12(byte[] sessionId, int cipher) {
    return handshake(2, new Hellos.Builder().version(TLS12).sessionId(sessionId).cipher(cipher)
        .extension(65281, new byte[] {0}).extension(11, new byte[] {1, 0}).alpnChosen("h2").serverHelloBody());
  }

  /** ServerKeyExchange, ECDHE: curve_type 3 (named_curve), the curve, a point, a signature. */
  static byte[] ske(int curve) {
    byte[] body = concat(new byte[] {3, (byte) (curve >> 8), (byte) curve, 65}, Hellos.fill(65, 4),
        new byte[] {4, 1, 0, 16}, Hellos.fill(16, 9));
    return handshake(12, body);
  }

  static byte[] encryptedFinished() {
    return record(HS, TLS12, Hellos.fill(40, 0x77)); // after ChangeCipherSpec: ciphertext
  }

  static byte[] ccs() {
    return record(CCS, TLS12, new byte[] {1});
  }

  static TlsStreamParser run(Object... flights) {
    TlsStreamParser p = new TlsStreamParser();
    for (int i = 0; i < flights.length; i += 2) {
      byte[] b = (byte[]) flights[i + 1];
      p.feed((Boolean) flights[i], b, 0, b.length);
    }
    return p;
  }

  static final boolean C = true;
  static final boolean S = false;

  // ------------------------------------------------------------------ reassembly

  @Test
  void clientHelloFieldsAndJa3() {
    TlsStreamParser p = run(C, clientHelloRecord());
    ClientHello h = p.session().clientHello();
    assertNotNull(h);
    assertEquals(TLS10, h.recordVersion);
    assertEquals(TLS12, h.version);
    assertEquals(List.of("www.example.com"), h.serverNames);
    assertEquals(List.of("h2", "http/1.1"), h.alpn);
    assertArrayEquals(new int[] {0x4a4a, TLS13, TLS12}, h.supportedVersions);
    assertArrayEquals(new int[] {0x3a3a, X25519, SECP256R1, 24}, h.supportedGroups);
    assertArrayEquals(new int[] {X25519}, h.keyShareGroups);
    assertArrayEquals(new int[] {0x0403, 0x0804, 0x0401}, h.signatureAlgorithms);
    assertArrayEquals(new int[] {0x2a2a, 0, 23, 65281, 10, 11, 35, 16, 13, 51, 43}, h.extensions);
    assertTrue(h.sessionTicket);
    assertEquals(0, h.sessionTicketLength);
    assertEquals(TLS13, h.maxVersion());
    // GREASE gone from ciphers, extensions and groups
    assertEquals("771,4865-4866-49195-49199-156,0-23-65281-10-11-35-16-13-51-43,29-23-24,0", h.ja3String());
    assertEquals(TlsFingerprints.md5Hex(h.ja3String()), h.ja3());
    assertEquals("www.example.com", p.session().serverName());
    assertEquals("C", p.session().history());
    assertTrue(p.session().confirmed());
    assertEquals(1, p.session().records());
    assertEquals(Set.of(), p.session().issues());
  }

  @Test
  void ja3HashMatchesTsharkValue() {
    // tls/expected/tshark-tls.tsv of the corpus: ja3_full and its MD5 as tshark writes them
    assertEquals("5182f54f9c6e99d117d9dde3fa2b4cff", TlsFingerprints.md5Hex(
        "771,49192-49191-49172-49171-159-158-57-51-157-156-61-60-53-47-49196-49195-49188-49187-49162-49161-106-64-56-50-10-19,"
            + "0-5-10-11-13-23-65281,23-24,0"));
  }

  @Test
  void clientHelloSplitOverThreeChunksAtEveryPlace() {
    byte[] rec = clientHelloRecord();
    String want = run(C, rec).session().clientHello().ja3String();
    // every pair of cut points: inside the record header, the handshake header, the fixed fields
    // and each extension
    for (int i = 1; i < rec.length - 1; i++) {
      for (int j = i + 1; j < rec.length; j += (j < 60 ? 1 : 7)) {
        TlsStreamParser p = new TlsStreamParser();
        p.feed(C, rec, 0, i);
        p.feed(C, rec, i, j - i);
        p.feed(C, rec, j, rec.length - j);
        ClientHello h = p.session().clientHello();
        assertNotNull(h, "cut at " + i + "," + j);
        assertEquals(want, h.ja3String(), "cut at " + i + "," + j);
        assertEquals("www.example.com", h.serverName());
        assertEquals(Set.of(), p.session().issues());
      }
    }
  }

  @Test
  void clientHelloInOneByteRecordsFedOneByteAtATime() {
    byte[] msg = handshake(1, chromeLikeHello().clientHelloBody());
    byte[] wire = Hellos.records(HS, TLS10, msg, 1);
    assertEquals(msg.length * 6, wire.length);
    TlsStreamParser p = new TlsStreamParser();
    for (int i = 0; i < wire.length; i++) {
      p.feed(C, wire, i, 1);
    }
    ClientHello h = p.session().clientHello();
    assertNotNull(h);
    assertEquals(run(C, clientHelloRecord()).session().clientHello().ja3String(), h.ja3String());
    assertEquals(Set.of(), p.session().issues());
  }

  @Test
  void severalMessagesInOneRecordAndOneMessageOverSeveral() {
    byte[] flight = concat(serverHello12(new byte[0], ECDHE_RSA_AES128_GCM),
        handshake(11, Hellos.certificateBody(EC_CERT, RSA_CERT)), ske(X25519), handshake(14, new byte[0]));
    for (int max : new int[] {flight.length, 1000, 100, 7, 1}) {
      TlsStreamParser p = run(C, clientHelloRecord(), S, Hellos.records(HS, TLS12, flight, max));
      TlsSession s = p.session();
      assertEquals("Csxkn", s.history(), "records of " + max);
      assertEquals(2, s.serverCertificates().size());
      assertEquals("x25519", s.curveName());
      assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", s.cipherName());
      assertEquals(Set.of(), s.issues());
    }
  }

  // ------------------------------------------------------------------ Zeek's semantics

  @Test
  void tls12FullHandshakeIsEstablishedAfterBothChangeCipherSpecs() {
    TlsStreamParser p = new TlsStreamParser();
    TlsSession s = p.session();
    feed(p, C, clientHelloRecord());
    feed(p, S, record(HS, TLS12, concat(serverHello12(Hellos.fill(32, 0x21), ECDHE_RSA_AES128_GCM),
        handshake(11, Hellos.certificateBody(EC_CERT)), ske(SECP256R1), handshake(14, new byte[0]))));
    feed(p, C, concat(record(HS, TLS12, handshake(16, Hellos.fill(66, 5))), ccs(), encryptedFinished()));
    assertFalse(s.established(), "only the client is encrypted");
    assertFalse(p.isDone());
    feed(p, S, ccs());
    assertFalse(s.established(), "ChangeCipherSpec itself is a plaintext record");
    feed(p, S, encryptedFinished());
    assertTrue(s.established());
    assertTrue(p.isDone());
    assertEquals("TLSv12", s.versionName());
    assertEquals(TLS12, s.version());
    assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", s.cipherName());
    assertEquals("secp256r1", s.curveName());
    assertEquals("h2", s.nextProtocol());
    assertFalse(s.resumed());
    assertEquals("CsxknGIi", s.history());
    assertTrue(s.clientChangeCipherSpec());
    assertTrue(s.serverChangeCipherSpec());
    assertEquals(List.of("b9bc90b9df74b1e0902d81cb0562920a284660247e6abc4af00dcdc7848d8f88"), s.certChainFps());
    assertEquals("CN=test.example,O=NSM Test,C=US", s.subject());
    assertEquals("CN=test.example,O=NSM Test,C=US", s.issuer());
    assertEquals(Set.of(), s.issues());
    // after established nothing more is parsed (Zeek detaches its analyzer there)
    feed(p, S, record(ALERT, TLS12, new byte[] {2, 40}));
    assertEquals(List.of(), s.alerts());
  }

  @Test
  void ja3sOfTheServerHello() {
    TlsStreamParser p = run(C, clientHelloRecord(), S, record(HS, TLS12, serverHello12(new byte[0], 0xc030)));
    ServerHello h = p.session().serverHello();
    assertEquals("771,49200,65281-11-16", h.ja3sString());
    assertEquals(TlsFingerprints.md5Hex("771,49200,65281-11-16"), p.session().ja3s());
  }

  @Test
  void resumedBySessionIdEcho() {
    byte[] id = Hellos.fill(32, 0x31);
    TlsStreamParser p = run(
        C, record(HS, TLS10, handshake(1, chromeLikeHello().sessionId(id).clientHelloBody())),
        S, concat(record(HS, TLS12, serverHello12(id, ECDHE_RSA_AES128_GCM)), ccs(), encryptedFinished()),
        C, concat(ccs(), encryptedFinished()));
    assertTrue(p.session().resumed());
    assertTrue(p.session().established());
    assertEquals("CsiI", p.session().history());
  }

  @Test
  void allZeroSessionIdIsNoSessionId() {
    byte[] zeros = new byte[32];
    TlsStreamParser p = run(
        C, record(HS, TLS10, handshake(1, chromeLikeHello().sessionId(zeros).clientHelloBody())),
        S, concat(record(HS, TLS12, serverHello12(zeros, ECDHE_RSA_AES128_GCM)), ccs(), encryptedFinished()),
        C, concat(ccs(), encryptedFinished()));
    assertFalse(p.session().resumed());
  }

  @Test
  void resumedByTicketWithoutClientKeyExchange() {
    Hellos.Builder ch = new Hellos.Builder().ciphers(ECDHE_RSA_AES128_GCM).extension(35, Hellos.fill(100, 0x44));
    byte[] newTicket = handshake(4, concat(new byte[] {0, 0, 0x1c, 0x20, 0, 16}, Hellos.fill(16, 1)));
    TlsStreamParser p = run(
        C, record(HS, TLS12, handshake(1, ch.clientHelloBody())),
        S, concat(record(HS, TLS12, concat(serverHello12(Hellos.fill(32, 0x45), ECDHE_RSA_AES128_GCM), newTicket)),
            ccs(), encryptedFinished()),
        C, concat(ccs(), encryptedFinished()));
    assertTrue(p.session().resumed());
    assertEquals("CstiI", p.session().history());

    // the same ticket, but the server chose a full handshake: the client's key exchange says no
    TlsStreamParser full = run(
        C, record(HS, TLS12, handshake(1, ch.clientHelloBody())),
        S, record(HS, TLS12, concat(serverHello12(Hellos.fill(32, 0x45), ECDHE_RSA_AES128_GCM),
            handshake(11, Hellos.certificateBody(EC_CERT)), ske(X25519), handshake(14, new byte[0]))),
        C, concat(record(HS, TLS12, handshake(16, Hellos.fill(33, 5))), ccs(), encryptedFinished()));
    assertFalse(full.session().resumed());
  }

  @Test
  void tls13EstablishedByApplicationDataBothWaysAndResumedByPsk() {
    byte[] compatId = Hellos.fill(32, 0x61);
    byte[] ch = record(HS, TLS10, handshake(1, chromeLikeHello().sessionId(compatId).preSharedKey().clientHelloBody()));
    byte[] sh = record(HS, TLS12, handshake(2, new Hellos.Builder().version(TLS12).sessionId(compatId).cipher(0x1301)
        .selectedVersion(TLS13).keyShare(X25519).pskSelected(0).serverHelloBody()));
    TlsStreamParser p = new TlsStreamParser();
    TlsSession s = p.session();
    feed(p, C, ch);
    feed(p, S, concat(sh, ccs(), record(APP, TLS12, Hellos.fill(50, 1)), record(APP, TLS12, Hellos.fill(90, 2))));
    assertFalse(s.established());
    feed(p, C, ccs());
    assertFalse(s.established(), "TLS 1.3 ChangeCipherSpec changes nothing");
    feed(p, C, record(APP, TLS12, Hellos.fill(53, 3)));
    assertTrue(s.established());
    assertEquals("TLSv13", s.versionName());
    assertEquals("TLS_AES_128_GCM_SHA256", s.cipherName());
    assertEquals("x25519", s.curveName());
    assertTrue(s.resumed(), "pre_shared_key accepted");
    assertEquals("CsiI", s.history());
    assertEquals("TLSv12", TlsNames.version(s.serverHello().version));
    assertEquals(TLS13, s.serverHello().selectedVersion());
  }

  @Test
  void tls13SessionIdEchoIsNotResumption() {
    byte[] compatId = Hellos.fill(32, 0x61);
    TlsStreamParser p = run(
        C, record(HS, TLS10, handshake(1, chromeLikeHello().sessionId(compatId).clientHelloBody())),
        S, record(HS, TLS12, handshake(2, new Hellos.Builder().sessionId(compatId).cipher(0x1301)
            .selectedVersion(TLS13).keyShare(X25519).serverHelloBody())));
    assertFalse(p.session().resumed());
  }

  @Test
  void helloRetryRequest() {
    byte[] hrr = handshake(2, new Hellos.Builder().random(ServerHello.HRR_RANDOM).cipher(0x1301)
        .selectedVersion(TLS13).keyShareSelected(SECP256R1).serverHelloBody());
    byte[] sh = handshake(2, new Hellos.Builder().cipher(0x1302).selectedVersion(TLS13).keyShare(X25519).serverHelloBody());
    TlsStreamParser p = run(
        C, clientHelloRecord(),
        S, concat(record(HS, TLS12, hrr), ccs()),
        C, concat(ccs(), record(HS, TLS12, handshake(1, chromeLikeHello().keyShares(SECP256R1).clientHelloBody()))),
        S, record(HS, TLS12, sh));
    TlsSession s = p.session();
    assertEquals(2, s.clientHellos().size());
    assertEquals(2, s.serverHellos().size());
    assertTrue(s.serverHellos().get(0).helloRetryRequest);
    assertEquals(SECP256R1, s.serverHellos().get(0).keyShareGroup);
    assertEquals("CjiICs", s.history());
    assertEquals("x25519", s.curveName());
    assertEquals("TLS_AES_256_GCM_SHA384", s.cipherName());
    assertEquals("TLSv13", s.versionName());
    assertEquals(s.serverHellos().get(0), s.serverHello(), "the first ServerHello pairs with the first ClientHello");
  }

  @Test
  void serverAlertBeforeAnyServerHello() {
    TlsStreamParser p = run(C, clientHelloRecord(), S, record(ALERT, TLS12, new byte[] {2, 40}));
    TlsSession s = p.session();
    assertEquals(List.of(new TlsAlert(false, 2, 40)), s.alerts());
    assertEquals("handshake_failure", s.lastAlert());
    assertEquals("fatal", s.alerts().get(0).levelName());
    assertFalse(s.established());
    assertNull(s.versionName());
    assertEquals("Cl", s.history());
  }

  @Test
  void tooManyAlertsInOneRecord() {
    byte[] alerts = new byte[24];
    for (int i = 0; i < 24; i += 2) {
      alerts[i] = 1;
      alerts[i + 1] = 0;
    }
    TlsStreamParser p = run(S, record(ALERT, TLS12, alerts));
    assertEquals(10, p.session().alerts().size());
    assertTrue(p.session().hasIssue(TlsIssue.EXCESSIVE_ALERTS));
    assertEquals(1, p.counters().get(TlsIssue.EXCESSIVE_ALERTS));
  }

  @Test
  void clientHelloFromTheResponderFlipsTheSession() {
    TlsStreamParser p = run(S, clientHelloRecord(), C, record(HS, TLS12, serverHello12(new byte[0], 0xc030)));
    TlsSession s = p.session();
    assertTrue(s.flipped());
    assertEquals("^Cs", s.history());
    assertEquals("www.example.com", s.serverName());
    assertEquals("TLSv12", s.versionName());
    assertEquals(Set.of(), s.issues());
  }

  @Test
  void sslv2CompatibleClientHello() {
    // 2-byte header (high bit, length), CLIENT-HELLO (1), version 3.1, cipher specs 6, session id 0,
    // challenge 16, two 3-byte specs, the challenge
    byte[] body = concat(new byte[] {1, 3, 1, 0, 6, 0, 0, 0, 16, 0x01, 0x00, (byte) 0x80, 0x00, 0x00, 0x2f},
        Hellos.fill(16, 0x5a));
    byte[] v2 = concat(new byte[] {(byte) 0x80, (byte) body.length}, body);
    assertTrue(TlsStreamParser.probe(v2, 0, v2.length));
    TlsStreamParser p = run(C, v2, S, record(HS, TLS10, serverHello12(new byte[0], 0x0039)));
    ClientHello h = p.session().clientHello();
    assertTrue(h.sslv2);
    assertEquals(TLS10, h.version);
    assertArrayEquals(new int[] {0x010080, 0x00002f}, h.ciphers);
    assertEquals(16, h.random.length);
    assertNull(h.ja3(), "tshark computes no JA3 for SSLv2 hellos");
    assertNull(h.ja4());
    assertEquals("Cs", p.session().history());
    assertEquals("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", p.session().cipherName());
  }

  // ------------------------------------------------------------------ certificates

  @Test
  void certificateFieldsFromTheJdk() {
    TlsCertificate c = TlsCertificate.of(EC_CERT);
    assertTrue(c.parsed);
    // openssl x509 -noout -subject -issuer -serial -dates -nameopt RFC2253; sha256sum; sha1sum
    assertEquals("CN=test.example,O=NSM Test,C=US", c.subject);
    assertEquals("CN=test.example,O=NSM Test,C=US", c.issuer);
    assertEquals("0A1B2C3D4E5F", c.serial);
    assertEquals(Instant.ofEpochSecond(1795613377L), c.notBefore);
    assertEquals(Instant.ofEpochSecond(2110973377L), c.notAfter);
    assertEquals(List.of("test.example", "www.test.example"), c.sanDns);
    assertEquals(List.of("192.0.2.7"), c.sanIp);
    assertEquals("ecdsa", c.keyType);
    assertEquals(256, c.keyBits);
    assertEquals("b9bc90b9df74b1e0902d81cb0562920a284660247e6abc4af00dcdc7848d8f88", c.sha256);
    assertEquals("d58666bffe214f996fb2e0f17c6c35c9ba187e2b", c.sha1);
    assertEquals(3, c.version);

    TlsCertificate r = TlsCertificate.of(RSA_CERT);
    assertEquals("rsa", r.keyType);
    assertEquals(2048, r.keyBits);
    assertEquals("07", r.serial);
    assertEquals("e12fda6cd936ab74633d786083f6901a4adc71d62c1f01d14bd7b74bfcf8b71f", r.sha256);
    assertEquals(List.of(), r.sanDns);
  }

  @Test
  void unparsableCertificateKeepsItsFingerprint() {
    byte[] junk = Arrays.copyOf(EC_CERT, 200); // cut DER
    TlsStreamParser p = run(C, clientHelloRecord(), S, record(HS, TLS12, concat(serverHello12(new byte[0], 0xc02f),
        handshake(11, Hellos.certificateBody(junk, EC_CERT)))));
    TlsSession s = p.session();
    assertEquals(2, s.serverCertificates().size());
    assertFalse(s.serverCertificates().get(0).parsed);
    assertNotNull(s.serverCertificates().get(0).parseError);
    assertTrue(s.serverCertificates().get(1).parsed);
    assertEquals(2, s.certChainFps().size());
    assertTrue(s.hasIssue(TlsIssue.CERTIFICATE_UNPARSABLE));
  }

  @Test
  void clientCertificatesAreTheClients() {
    TlsStreamParser p = run(C, clientHelloRecord(), S, record(HS, TLS12, serverHello12(new byte[0], 0xc02f)),
        C, record(HS, TLS12, handshake(11, Hellos.certificateBody(RSA_CERT))));
    assertEquals(0, p.session().serverCertificates().size());
    assertEquals(List.of("e12fda6cd936ab74633d786083f6901a4adc71d62c1f01d14bd7b74bfcf8b71f"),
        p.session().clientCertChainFps());
  }

  // ------------------------------------------------------------------ probe

  @Test
  void probeRecognisesClientHelloStarts() {
    byte[] ch = clientHelloRecord();
    assertTrue(TlsStreamParser.probe(ch, 0, ch.length));
    assertTrue(TlsStreamParser.probe(ch, 0, 6));
    assertFalse(TlsStreamParser.probe(ch, 0, 5), "needs 6 bytes");
    byte[] shifted = concat(new byte[] {'x'}, ch);
    assertTrue(TlsStreamParser.probe(shifted, 1, ch.length));
    assertFalse(TlsStreamParser.probe(shifted, 0, shifted.length));
    byte[] sh = record(HS, TLS12, serverHello12(new byte[0], 0xc02f));
    assertFalse(TlsStreamParser.probe(sh, 0, sh.length), "a ServerHello is not a client start");
    assertTrue(TlsStreamParser.probeServerHello(sh, 0, sh.length));
    assertFalse(TlsStreamParser.probeServerHello(ch, 0, ch.length));
    assertFalse(TlsStreamParser.probeServerHello(sh, 0, 5));
    byte[] http = "GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertFalse(TlsStreamParser.probe(http, 0, http.length));
    byte[] bad = ch.clone();
    bad[1] = 2; // version 2.1
    assertFalse(TlsStreamParser.probe(bad, 0, bad.length));
    assertFalse(TlsStreamParser.probe(null, 0, 10));
    assertFalse(TlsStreamParser.probe(ch, -1, 10));
    assertFalse(TlsStreamParser.probe(ch, ch.length - 3, 10));
    assertFalse(TlsStreamParser.probe(ch, Integer.MAX_VALUE, Integer.MAX_VALUE));
  }

  // ------------------------------------------------------------------ gaps and close

  @Test
  void gapInsideApplicationDataKeepsTheFraming() {
    TlsStreamParser p = new TlsStreamParser();
    feed(p, C, clientHelloRecord());
    feed(p, S, concat(record(HS, TLS12, serverHello12(new byte[0], 0x1301)), ccs()));
    byte[] app = record(APP, TLS12, Hellos.fill(1000, 7));
    feed(p, C, Arrays.copyOfRange(app, 0, 100)); // plaintext app data in TLS 1.2 before CCS: skipped
    p.onGap(C, 800);
    feed(p, C, Arrays.copyOfRange(app, 900, app.length));
    feed(p, C, concat(ccs(), encryptedFinished()));
    feed(p, S, encryptedFinished());
    assertTrue(p.session().established());
    assertEquals(Set.of(), p.session().issues());
  }

  @Test
  void gapInsideCertificateDropsItOnly() {
    byte[] cert = record(HS, TLS12, handshake(11, Hellos.certificateBody(EC_CERT)));
    TlsStreamParser p = new TlsStreamParser();
    feed(p, C, clientHelloRecord());
    feed(p, S, record(HS, TLS12, serverHello12(new byte[0], ECDHE_RSA_AES128_GCM)));
    feed(p, S, Arrays.copyOfRange(cert, 0, 60));
    p.onGap(S, 100);
    feed(p, S, Arrays.copyOfRange(cert, 160, cert.length));
    feed(p, S, record(HS, TLS12, concat(ske(X25519), handshake(14, new byte[0]))));
    TlsSession s = p.session();
    assertEquals(List.of(), s.serverCertificates());
    assertEquals("x25519", s.curveName(), "the next message still parses");
    assertEquals(Set.of(TlsIssue.GAP_IN_HANDSHAKE), s.issues());
    assertEquals("Cskn", s.history(), "no x: the Certificate was dropped");
  }

  @Test
  void gapAcrossRecordsEndsTheDirection() {
    TlsStreamParser p = new TlsStreamParser();
    feed(p, C, clientHelloRecord());
    p.onGap(C, 10);
    feed(p, C, ccs());
    assertEquals(TlsIssue.GAP_LOST_SYNC, p.session().gaveUp(true));
    assertNull(p.session().gaveUp(false));
    assertFalse(p.session().clientChangeCipherSpec());
    feed(p, S, record(HS, TLS12, serverHello12(new byte[0], ECDHE_RSA_AES128_GCM)));
    assertEquals("TLSv12", p.session().versionName(), "the other direction goes on");
  }

  @Test
  void closeInsideARecordIsCounted() {
    byte[] ch = clientHelloRecord();
    TlsStreamParser p = new TlsStreamParser();
    p.feed(C, ch, 0, 50);
    p.onClose();
    assertTrue(p.isDone());
    assertEquals(Set.of(TlsIssue.TRUNCATED_AT_CLOSE), p.session().issues());
    assertNull(p.session().clientHello());
  }

  // ------------------------------------------------------------------ malformed input

  @Test
  void notTls() {
    byte[] http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    TlsStreamParser p = run(C, http, S, "HTTP/1.1 200 OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(TlsIssue.NOT_TLS, p.session().gaveUp(true));
    assertEquals(TlsIssue.NOT_TLS, p.session().gaveUp(false));
    assertFalse(p.session().confirmed());
    assertEquals(0, p.session().records());
    assertTrue(p.isDone());
    assertEquals(2, p.counters().get(TlsIssue.NOT_TLS));
  }

  @Test
  void oversizedRecordIsCountedAndSkipped() {
    byte[] big = record(APP, TLS12, new byte[0xffff]);
    TlsStreamParser p = run(C, clientHelloRecord(), S, record(HS, TLS12, serverHello12(new byte[0], 0xc02f)),
        C, big, C, ccs());
    assertTrue(p.session().hasIssue(TlsIssue.RECORD_OVERSIZED));
    assertTrue(p.session().clientChangeCipherSpec(), "framing kept past the oversized record");
  }

  @Test
  void handshakeLengthOf16MiB() {
    // a handshake header claiming 0xFFFFFF bytes: skipped, never buffered
    byte[] liar = record(HS, TLS10, concat(new byte[] {1, (byte) 0xff, (byte) 0xff, (byte) 0xff}, Hellos.fill(100, 1)));
    TlsStreamParser p = run(C, liar, C, ccs());
    assertNull(p.session().clientHello());
    assertEquals(Set.of(TlsIssue.HANDSHAKE_TOO_LONG, TlsIssue.HANDSHAKE_INTERRUPTED), p.session().issues());
    assertTrue(p.session().clientChangeCipherSpec(), "records still framed");
  }

  @Test
  void certificateOverItsCap() {
    int len = TlsStreamParser.MAX_CERTIFICATE_BYTES + 1;
    byte[] head = {11, (byte) (len >> 16), (byte) (len >> 8), (byte) len};
    byte[] msg = concat(head, new byte[len]);
    TlsStreamParser p = new TlsStreamParser();
    feed(p, C, clientHelloRecord());
    feed(p, S, Hellos.records(HS, TLS12, concat(serverHello12(new byte[0], ECDHE_RSA_AES128_GCM), msg,
        ske(X25519)), 16384));
    TlsSession s = p.session();
    assertEquals(Set.of(TlsIssue.HANDSHAKE_TOO_LONG), s.issues());
    assertEquals(List.of(), s.serverCertificates());
    assertEquals("x25519", s.curveName(), "the message after it parses");
  }

  @Test
  void handshakeLengthTooShortForTheHello() {
    byte[] body = chromeLikeHello().clientHelloBody();
    // the header says 20 bytes; the rest of the record is read as further messages
    byte[] msg = concat(new byte[] {1, 0, 0, 20}, body);
    TlsStreamParser p = run(C, record(HS, TLS10, msg));
    assertNull(p.session().clientHello());
    assertTrue(p.session().hasIssue(TlsIssue.CLIENT_HELLO_MALFORMED));
  }

  @Test
  void extensionLengthLying() {
    // server_name fine, then extension 23 whose length field claims 60000 bytes of the 10 left
    byte[] body = new Hellos.Builder().ciphers(0xc02f).sni("a.example").extension(23, Hellos.fill(10, 0))
        .clientHelloBody();
    body[body.length - 12] = (byte) 0xea;
    body[body.length - 11] = (byte) 0x60;
    TlsStreamParser p = run(C, record(HS, TLS12, handshake(1, body)));
    ClientHello h = p.session().clientHello();
    assertNotNull(h);
    assertTrue(h.extensionsMalformed);
    assertEquals("a.example", h.serverName());
    assertArrayEquals(new int[] {0, 23}, h.extensions);
    assertEquals(Set.of(TlsIssue.EXTENSION_MALFORMED), p.session().issues());
  }

  @Test
  void severalServerNames() {
    TlsStreamParser p = run(C, record(HS, TLS12, handshake(1, new Hellos.Builder().ciphers(0xc02f)
        .sni("first.example", "second.example").clientHelloBody())));
    assertEquals(List.of("first.example", "second.example"), p.session().clientHello().serverNames);
    assertEquals("first.example", p.session().serverName());
    assertEquals(Set.of(TlsIssue.MANY_SERVER_NAMES), p.session().issues());
  }

  @Test
  void serverNameListLengthLying() {
    byte[] sni = {0x00, 0x50, 0x00, 0x00, 0x03, 'a', 'b', 'c'}; // list length 80 of 6 bytes
    byte[] body = new Hellos.Builder().ciphers(0xc02f).extension(0, sni).alpn("h2").clientHelloBody();
    TlsStreamParser p = run(C, record(HS, TLS12, handshake(1, body)));
    ClientHello h = p.session().clientHello();
    assertNull(h.serverName());
    assertEquals(List.of("h2"), h.alpn, "the extensions after it still parse");
    assertTrue(p.session().hasIssue(TlsIssue.EXTENSION_MALFORMED));
  }

  @Test
  void badVersionAndTypeLaterInTheStream() {
    TlsStreamParser p = run(C, clientHelloRecord(), C, record(HS, 0x0a0b, new byte[4]));
    assertEquals(TlsIssue.RECORD_BAD_VERSION, p.session().gaveUp(true));
    TlsStreamParser q = run(C, clientHelloRecord(), C, record(99, TLS12, new byte[4]));
    assertEquals(TlsIssue.RECORD_BAD_TYPE, q.session().gaveUp(true));
  }

  @Test
  void certificateListLyingIsCounted() {
    byte[] body = Hellos.certificateBody(EC_CERT);
    body[4] = (byte) 0x7f; // the first certificate's length now overruns the list
    TlsStreamParser p = run(C, clientHelloRecord(),
        S, record(HS, TLS12, concat(serverHello12(new byte[0], 0xc02f), handshake(11, body))));
    assertEquals(Set.of(TlsIssue.CERTIFICATE_MALFORMED), p.session().issues());
    assertEquals(List.of(), p.session().serverCertificates());
  }

  @Test
  void countersAreSharedAndSummed() {
    TlsCounters shared = new TlsCounters();
    byte[] http = "GET / HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < 3; i++) {
      TlsStreamParser p = new TlsStreamParser(shared);
      p.feed(C, http, 0, http.length);
    }
    assertEquals(3, shared.get(TlsIssue.NOT_TLS));
    assertEquals(3, shared.total());
    assertEquals("tls_not_tls", TlsIssue.NOT_TLS.counterName());
  }

  @Test
  void resetStartsAFreshSession() {
    TlsStreamParser p = run(C, clientHelloRecord());
    TlsSession old = p.session();
    p.reset();
    assertTrue(old != p.session());
    assertNull(p.session().clientHello());
    feed(p, C, clientHelloRecord());
    assertNotNull(p.session().clientHello());
  }

  @Test
  void directionFlipsStayWithinTheHistoryBound() {
    // Found by TlsFuzzTest (crash-7e90b84a...): ClientHellos from both sides in turn flip the
    // connection's direction each time, and each flip's '^' went into ssl_history past its 100 letters:
    // the history grew with the input. The hellos themselves are capped (8 kept, the rest counted).
    TlsStreamParser p = new TlsStreamParser();
    byte[] hello = clientHelloRecord();
    for (int i = 0; i < 200; i++) {
      feed(p, i % 2 == 0, hello);
    }
    TlsSession s = p.session();
    assertEquals(TlsSession.MAX_HISTORY, s.history().length(), s.history());
    assertEquals(TlsSession.MAX_HELLOS, s.clientHellos().size());
    assertTrue(s.hasIssue(TlsIssue.TOO_MANY_HELLOS));
    assertTrue(s.hasIssue(TlsIssue.UNCLEAR_DIRECTION));
  }

  // ------------------------------------------------------------------ names

  @Test
  void zeekNames() {
    assertEquals("TLSv10", TlsNames.version(0x0301));
    assertEquals("TLSv12", TlsNames.version(0x0303));
    assertEquals("TLSv13", TlsNames.version(0x0304));
    assertEquals("SSLv3", TlsNames.version(0x0300));
    assertEquals("TLSv13-draft28", TlsNames.version(0x7f1c));
    assertEquals("unknown-32257", TlsNames.version(0x7e01));
    assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TlsNames.cipher(0xc02f));
    assertEquals("TLS_AES_128_GCM_SHA256", TlsNames.cipher(0x1301));
    assertEquals("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", TlsNames.cipher(0x00ff));
    assertEquals("SSLv20_CK_RC4_128_WITH_MD5", TlsNames.cipher(0x010080));
    assertEquals("unknown-22136", TlsNames.cipher(0x5678));
    assertEquals("x25519", TlsNames.group(29));
    assertEquals("secp256r1", TlsNames.group(23));
    assertEquals("X25519MLKEM768", TlsNames.group(4588));
    assertEquals("handshake_failure", TlsNames.alert(40));
    assertEquals("server_name", TlsNames.extension(0));
    assertEquals("unknown-9999", TlsNames.alert(9999));
    assertTrue(TlsNames.knownCipher(0xc030));
  }

  static void feed(TlsStreamParser p, boolean fromClient, byte[] b) {
    p.feed(fromClient, b, 0, b.length);
  }
}
