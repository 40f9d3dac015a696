package dev.nsm.parsers.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.FuzzChunks;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Jazzer targets for TLS: {@link TlsStreamParser} on the two byte streams of a connection (records,
 * handshake messages, hellos, certificates, alerts; seeds: the connections of testdata/tls*.pcap),
 * and {@link TlsCertificate#of} on one DER certificate (X.509; seed: the certificate of tls12.pcap).
 *
 * <p>A connection is a sequence of {@link FuzzChunks}; head bit 0: from the client, bit 1: a gap of
 * {@code len} bytes instead of data. Asserted, beyond "no exception": every list of the session
 * within its bound; every issue of the session counted; records framed at most one per two bytes fed
 * (bounded work); JA3/JA3S are 32 hex digits and JA4 has its shape; each certificate's SHA-256 is the
 * digest of its DER; and the same session whether the streams come in the fuzzer's pieces or re-cut
 * into pieces of 1 to 7 bytes (a parser that depends on segmentation reports different things for
 * the same traffic).
 */
class TlsFuzzTest {
  private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern JA4 = Pattern.compile("[tqd][0-9a-z]{2}[di][0-9]{2}[0-9]{2}[0-9a-zA-Z]{2}_[0-9a-f]{12}_[0-9a-f]{12}");

  @FuzzTest
  void connection(byte[] data) {
    TlsCounters counters = new TlsCounters();
    TlsStreamParser whole = new TlsStreamParser(counters);
    long fed = feed(whole, data, 0);
    TlsSession s = whole.session();
    assertTrue(s.clientHellos().size() <= TlsSession.MAX_HELLOS);
    assertTrue(s.serverHellos().size() <= TlsSession.MAX_HELLOS);
    assertTrue(s.serverCertificates().size() <= TlsSession.MAX_CERTIFICATES);
    assertTrue(s.clientCertificates().size() <= TlsSession.MAX_CERTIFICATES);
    assertTrue(s.alerts().size() <= TlsSession.MAX_ALERTS);
    assertTrue(s.history().length() <= TlsSession.MAX_HISTORY);
    assertTrue(s.records() <= fed / 2 + 1, s.records() + " records from " + fed + " bytes");
    for (TlsIssue i : s.issues()) {
      assertTrue(counters.get(i) > 0, i + " not counted");
    }
    assertTrue(whole.isDone(), "closed but not done");
    for (ClientHello h : s.clientHellos()) {
      String ja3 = h.ja3();
      assertTrue(h.sslv2 ? ja3 == null : MD5.matcher(ja3).matches(), "ja3 " + ja3);
      String ja4 = h.ja4();
      assertTrue(h.sslv2 ? ja4 == null : JA4.matcher(ja4).matches(), "ja4 " + ja4);
      h.ja4('t', true, true);
    }
    for (ServerHello h : s.serverHellos()) {
      String ja3s = h.ja3s();
      assertTrue(ja3s == null || MD5.matcher(ja3s).matches(), "ja3s " + ja3s);
    }
    for (TlsCertificate c : s.serverCertificates()) {
      assertCertificate(c);
    }
    for (TlsCertificate c : s.clientCertificates()) {
      assertCertificate(c);
    }
    // the same traffic cut differently tells the same
    TlsStreamParser recut = new TlsStreamParser();
    feed(recut, data, 7);
    assertEquals(summary(s), summary(recut.session()), "the session depends on how the bytes were cut");
  }

  @FuzzTest
  void certificate(byte[] der) {
    assertCertificate(TlsCertificate.of(der));
  }

  private static void assertCertificate(TlsCertificate c) {
    assertEquals(TlsBytes.hex(TlsBytes.digest("SHA-256", c.der)), c.sha256);
    assertEquals(64, c.sha256.length());
    assertTrue(c.parsed || c.parseError != null, "rejected without a reason");
    assertTrue(c.sanDns.size() + c.sanIp.size() <= c.der.length, "more names than bytes");
  }

  /**
   * Feeds the chunks (both directions, gaps), then closes. {@code piece} > 0 re-cuts each data chunk
   * into pieces of 1 to {@code piece} bytes (sizes taken from the data itself, so the cut is fixed).
   *
   * @return bytes fed
   */
  private static long feed(TlsStreamParser p, byte[] data, int piece) {
    FuzzChunks in = new FuzzChunks(data);
    long fed = 0;
    while (in.next()) {
      boolean client = (in.head & 1) != 0;
      if ((in.head & 2) != 0) {
        p.onGap(client, in.len);
        continue;
      }
      fed += in.len;
      if (piece == 0) {
        p.feed(client, in.buf(), in.off, in.len);
        continue;
      }
      for (int at = in.off, end = in.off + in.len; at < end; ) {
        int n = Math.min(end - at, 1 + (in.buf()[at] & 0xff) % piece);
        p.feed(client, in.buf(), at, n);
        at += n;
      }
    }
    p.onClose();
    return fed;
  }

  private static List<Object> summary(TlsSession s) {
    List<Object> l = new ArrayList<>();
    l.add(s.versionName());
    l.add(s.cipherName());
    l.add(s.curveName());
    l.add(s.serverName());
    l.add(s.nextProtocol());
    l.add(s.resumed());
    l.add(s.established());
    l.add(s.lastAlert());
    l.add(s.history());
    l.add(s.records());
    l.add(s.certChainFps());
    l.add(s.clientCertChainFps());
    l.add(s.issues());
    for (ClientHello h : s.clientHellos()) {
      l.add(h.ja3String());
      l.add(h.ja4());
    }
    for (ServerHello h : s.serverHellos()) {
      l.add(h.ja3s());
    }
    assertNotNull(s.issues());
    return l;
  }
}
