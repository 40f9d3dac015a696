package dev.nsm.parsers.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * One certificate of a Certificate message (TLS 1.2 and earlier send them in clear): its DER, the
 * SHA-256 and SHA-1 fingerprints of the DER, and what the JDK's X.509 parser reads from it. A DER
 * the JDK rejects keeps its bytes and fingerprints with {@link #parsed} false (Zeek then logs no
 * fingerprint for it: its x509 analysis failed too).
 */
public final class TlsCertificate {
  private static final ThreadLocal<CertificateFactory> FACTORY = ThreadLocal.withInitial(() -> {
    try {
      return CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("X.509 CertificateFactory is required of every JDK", e);
    }
  });

  /** The certificate as sent. */
  public final byte[] der;
  /** SHA-256 of the DER, lower-case hex (Zeek's x509 fingerprint, ssl.log cert_chain_fps). */
  public final String sha256;
  /** SHA-1 of the DER, lower-case hex. */
  public final String sha1;
  /** The JDK parsed it; the fields below are set only then. */
  public final boolean parsed;
  /** Why the JDK rejected it (its message), or null. */
  public final String parseError;
  /** Parsed, but a field failed to decode (its reason): the fields after it are missing. */
  public String partialError;

  /** Subject and issuer distinguished names, RFC 2253 ("CN=example.com,O=Example,C=US"). */
  public String subject;
  public String issuer;
  /** Serial number, upper-case hex, an even number of digits (as Zeek's x509.log writes it). */
  public String serial;
  public Instant notBefore;
  public Instant notAfter;
  /** X.509 version (1, 2, 3). */
  public int version;
  /** subjectAltName dNSName and iPAddress entries, in order. */
  public List<String> sanDns = Collections.emptyList();
  public List<String> sanIp = Collections.emptyList();
  /** Public key type as Zeek names it: "rsa", "dsa", "ecdsa"; else the JDK's name lower-cased. */
  public String keyType;
  /** Public key size in bits (RSA modulus, DSA p, EC group order), 0 if unknown. */
  public int keyBits;
  /** Signature algorithm, JDK name ("SHA256withRSA"). */
  public String signatureAlgorithm;

  private TlsCertificate(byte[] der, boolean parsed, String parseError) {
    this.der = der;
    this.sha256 = TlsBytes.hex(TlsBytes.digest("SHA-256", der));
    this.sha1 = TlsBytes.hex(TlsBytes.digest("SHA-1", der));
    this.parsed = parsed;
    this.parseError = parseError;
  }

  /** Fingerprints {@code der} and parses it with the JDK. Never throws. */
  public static TlsCertificate of(byte[] der) {
    X509Certificate x;
    try {
      x = (X509Certificate) FACTORY.get().generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      // the JDK's parser throws for bad DER, and a few RuntimeExceptions for worse DER
      return new TlsCertificate(der, false, String.valueOf(e.getMessage()));
    }
    TlsCertificate c = new TlsCertificate(der, true, null);
    try {
      c.subject = x.getSubjectX500Principal().getName(X500Principal.RFC2253);
      c.issuer = x.getIssuerX500Principal().getName(X500Principal.RFC2253);
      c.serial = serialHex(x.getSerialNumber());
      c.notBefore = x.getNotBefore().toInstant();
      c.notAfter = x.getNotAfter().toInstant();
      c.version = x.getVersion();
      c.signatureAlgorithm = x.getSigAlgName();
      c.sanNames(x);
      c.key(x.getPublicKey());
    } catch (RuntimeException e) {
      // a field the JDK decodes lazily failed: what was read is kept, and the reason recorded (the
      // stream parser counts it as CERTIFICATE_PARTIAL; the certificate record shows parse_error)
      c.partialError = "field not decoded: " + e;
    }
    return c;
  }

  private void sanNames(X509Certificate x) {
    Collection<List<?>> sans;
    try {
      sans = x.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return;
    }
    if (sans == null) {
      return;
    }
    List<String> dns = new ArrayList<>();
    List<String> ip = new ArrayList<>();
    for (List<?> san : sans) {
      if (san.size() < 2 || !(san.get(0) instanceof Integer) || !(san.get(1) instanceof String)) {
        continue;
      }
      int type = (Integer) san.get(0);
      if (type == 2) {
        dns.add((String) san.get(1));
      } else if (type == 7) {
        ip.add((String) san.get(1));
      }
    }
    sanDns = dns;
    sanIp = ip;
  }

  private void key(PublicKey k) {
    if (k == null) {
      return;
    }
    if (k instanceof RSAPublicKey) {
      keyType = "rsa";
      keyBits = ((RSAPublicKey) k).getModulus().bitLength();
    } else if (k instanceof ECPublicKey) {
      keyType = "ecdsa";
      keyBits = ((ECPublicKey) k).getParams().getOrder().bitLength();
    } else if (k instanceof DSAPublicKey) {
      keyType = "dsa";
      keyBits = ((DSAPublicKey) k).getParams() == null ? 0 : ((DSAPublicKey) k).getParams().getP().bitLength();
    } else {
      keyType = k.getAlgorithm() == null ? null : k.getAlgorithm().toLowerCase(Locale.ROOT);
    }
  }

  static String serialHex(BigInteger s) {
    String h = s.toString(16).toUpperCase(Locale.ROOT);
    return (h.length() & 1) == 1 ? "0" + h : h;
  }
}
