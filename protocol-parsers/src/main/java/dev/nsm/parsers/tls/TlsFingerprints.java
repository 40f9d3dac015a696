package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.TlsBytes.isGrease;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JA3/JA3S hashing and JA4 (FoxIO's published algorithm, technical_details/JA4.md of
 * github.com/FoxIO-LLC/ja4):
 *
 * <pre>
 * JA4 = a _ b _ c
 *   a = transport (t TCP, q QUIC, d DTLS)
 *     + version (highest non-GREASE supported_versions, else legacy_version: 13 12 11 10 s3 s2 d1 d2 d3, else 00)
 *     + d if the server_name extension is present, else i
 *     + cipher count, 2 digits (GREASE removed, 99 at most)
 *     + extension count, 2 digits (GREASE removed, SNI and ALPN counted, 99 at most)
 *     + first and last character of the first ALPN value (00 if none; the first and last hex
 *       digit of the value if either end byte is not an ASCII letter or digit)
 *   b = sha256(sorted 4-hex-digit ciphers joined by ',')[:12]           (000000000000 if none)
 *   c = sha256(sorted extensions without 0000 and 0010 joined by ','
 *              + '_' + signature algorithms in wire order joined by ',')[:12]
 *              (no '_' part without signature algorithms; 000000000000 if no extension is left
 *              once SNI and ALPN are dropped, for JA4_o too, as FoxIO's python/ja4.py does)
 * </pre>
 */
public final class TlsFingerprints {
  private TlsFingerprints() {}

  private static final String NONE = "000000000000";

  /** MD5 of the ASCII string, 32 lower-case hex digits (JA3, JA3S). */
  public static String md5Hex(String s) {
    return TlsBytes.hex(TlsBytes.digest("MD5", s.getBytes(StandardCharsets.US_ASCII)));
  }

  /** First 12 hex digits of SHA-256 of the ASCII string (JA4's b and c parts). */
  public static String sha256Prefix12(String s) {
    return TlsBytes.hex(TlsBytes.digest("SHA-256", s.getBytes(StandardCharsets.US_ASCII))).substring(0, 12);
  }

  /** Two-character JA4 version code. */
  public static String ja4Version(int v) {
    switch (v) {
      case 0x0304: return "13";
      case 0x0303: return "12";
      case 0x0302: return "11";
      case 0x0301: return "10";
      case 0x0300: return "s3";
      case 0x0002: return "s2";
      case 0xfeff: return "d1";
      case 0xfefd: return "d2";
      case 0xfefc: return "d3";
      default: return "00";
    }
  }

  /** JA4 (or JA4_r / JA4_o / JA4_ro) of a ClientHello; null for an SSLv2 hello. */
  static String ja4(ClientHello h, char transport, boolean raw, boolean original) {
    if (h.sslv2) {
      return null;
    }
    int[] ciphers = withoutGrease(h.ciphers);
    int[] exts = withoutGrease(h.extensions);
    int[] sigs = withoutGrease(h.signatureAlgorithms);

    int version = h.version;
    if (h.hasExtension(ClientHello.EXT_SUPPORTED_VERSIONS)) {
      int max = -1;
      for (int v : h.supportedVersions) {
        if (!isGrease(v) && v > max) {
          max = v;
        }
      }
      if (max >= 0) {
        version = max;
      }
    }
    StringBuilder sb = new StringBuilder(raw ? 512 : 40);
    sb.append(transport).append(ja4Version(version));
    sb.append(h.hasExtension(ClientHello.EXT_SERVER_NAME) ? 'd' : 'i');
    twoDigits(sb, ciphers.length);
    twoDigits(sb, exts.length);
    alpnChars(sb, h.alpn.isEmpty() ? null : h.alpn.get(0));
    sb.append('_');

    if (!original) {
      Arrays.sort(ciphers);
    }
    String cipherList = hexList(ciphers);
    sb.append(raw ? cipherList : ciphers.length == 0 ? NONE : sha256Prefix12(cipherList));
    sb.append('_');

    int[] sorted = Arrays.stream(exts).filter(e -> e != ClientHello.EXT_SERVER_NAME && e != ClientHello.EXT_ALPN)
        .sorted().toArray();
    String c = hexList(original ? exts : sorted);
    if (sigs.length > 0) {
      c = c + "_" + hexList(sigs);
    }
    // "If there are no extensions in the sorted extensions list": the sorted list decides for JA4_o
    // too (FoxIO's python/ja4.py does the same)
    sb.append(raw ? c : sorted.length == 0 ? NONE : sha256Prefix12(c));
    return sb.toString();
  }

  private static void twoDigits(StringBuilder sb, int n) {
    n = Math.min(n, 99);
    sb.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
  }

  /** JA4's ALPN part of the first ALPN value (chars are bytes, ISO-8859-1). */
  static void alpnChars(StringBuilder sb, String first) {
    if (first == null || first.isEmpty()) {
      sb.append("00");
      return;
    }
    char a = first.charAt(0);
    char z = first.charAt(first.length() - 1);
    if (alnum(a) && alnum(z)) {
      sb.append(a).append(z);
      return;
    }
    // first and last digit of the hex of the whole value: high nibble of the first byte, low
    // nibble of the last
    String hex = "0123456789abcdef";
    sb.append(hex.charAt((a >> 4) & 0xf)).append(hex.charAt(z & 0xf));
  }

  private static boolean alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  private static String hexList(int[] v) {
    StringBuilder sb = new StringBuilder(v.length * 5);
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      TlsBytes.hex4(sb, v[i]);
    }
    return sb.toString();
  }

  private static int[] withoutGrease(int[] v) {
    int n = 0;
    for (int x : v) {
      if (!isGrease(x)) {
        n++;
      }
    }
    int[] out = new int[n];
    int i = 0;
    for (int x : v) {
      if (!isGrease(x)) {
        out[i++] = x;
      }
    }
    return out;
  }
}
