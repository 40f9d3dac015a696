package dev.nsm.parsers.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The certificate cache gives what {@link TlsCertificate#of} gives, once parsed per distinct DER, bounded. */
class TlsCertificateCacheTest {
  private static byte[] at(byte[] der, int off) {
    byte[] b = new byte[off + der.length + 5];
    System.arraycopy(der, 0, b, off, der.length);
    return b;
  }

  @Test
  void sameDerAnywhereInABufferIsParsedOnce() {
    TlsCertificateCache c = new TlsCertificateCache(8);
    TlsCertificate first = c.get(at(TlsStreamParserTest.EC_CERT, 3), 3, TlsStreamParserTest.EC_CERT.length);
    TlsCertificate again = c.get(at(TlsStreamParserTest.EC_CERT, 17), 17, TlsStreamParserTest.EC_CERT.length);
    assertSame(first, again);
    TlsCertificate ref = TlsCertificate.of(TlsStreamParserTest.EC_CERT);
    assertArrayEquals(ref.der, first.der);
    assertEquals(ref.sha256, first.sha256);
    assertEquals(ref.sha1, first.sha1);
    assertEquals(ref.subject, first.subject);
    assertEquals(ref.serial, first.serial);
    assertEquals(ref.sanDns, first.sanDns);
    assertEquals(1, c.hits());
    assertEquals(1, c.misses());
    TlsCertificate rsa = c.get(TlsStreamParserTest.RSA_CERT, 0, TlsStreamParserTest.RSA_CERT.length);
    assertNotSame(first, rsa);
    assertEquals(TlsCertificate.of(TlsStreamParserTest.RSA_CERT).sha256, rsa.sha256);
    assertEquals(2, c.misses());
    assertEquals(2, c.size());
  }

  @Test
  void differentBytesOfTheSameLengthAreDifferentEntries() {
    TlsCertificateCache c = new TlsCertificateCache(8);
    byte[] bad = Arrays.copyOf(TlsStreamParserTest.EC_CERT, 200);
    byte[] bad2 = bad.clone();
    bad2[150] ^= 1;
    TlsCertificate a = c.get(bad, 0, bad.length);
    TlsCertificate b = c.get(bad2, 0, bad2.length);
    assertFalse(a.parsed);
    assertNotSame(a, b);
    assertEquals(0, c.hits());
    assertEquals(2, c.misses());
  }

  @Test
  void boundedLeastRecentlyUsedFirstOut() {
    TlsCertificateCache c = new TlsCertificateCache(2);
    byte[][] ders = new byte[3][];
    for (int i = 0; i < 3; i++) {
      ders[i] = Arrays.copyOf(TlsStreamParserTest.EC_CERT, 100);
      ders[i][50] = (byte) i;
    }
    c.get(ders[0], 0, 100);
    c.get(ders[1], 0, 100);
    c.get(ders[0], 0, 100); // 0 is now the most recent: 1 goes out next
    c.get(ders[2], 0, 100);
    assertEquals(2, c.size());
    assertEquals(1, c.evictions());
    long misses = c.misses();
    c.get(ders[0], 0, 100);
    assertEquals(misses, c.misses(), "0 was kept");
    c.get(ders[1], 0, 100);
    assertEquals(misses + 1, c.misses(), "1 was evicted");
    assertThrows(IllegalArgumentException.class, () -> new TlsCertificateCache(0));
  }
}
