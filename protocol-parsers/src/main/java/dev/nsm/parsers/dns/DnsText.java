package dev.nsm.parsers.dns;

/**
 * Text forms of DNS wire data, appended to a caller's (reused) {@link StringBuilder}: escaped
 * labels and character-strings, IPv4 and IPv6 addresses, hex. Nothing here allocates beyond the
 * builder's growth.
 */
final class DnsText {
  private DnsText() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /**
   * Appends bytes of a label or character-string as text: printable ASCII as is (space and dots
   * inside a label too, as Zeek keeps them), well-formed UTF-8 decoded, and every other byte
   * (controls, DEL, a backslash, stray bytes >= 0x80) as {@code \xNN}, so the text is lossless and
   * unambiguous.
   */
  static void appendEscaped(byte[] b, int off, int len, StringBuilder out) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.append((char) c);
        i++;
        continue;
      }
      if (c >= 0x80) {
        int n = utf8Length(b, i, end);
        if (n > 0) {
          appendUtf8(b, i, n, out);
          i += n;
          continue;
        }
      }
      appendHexEscape(c, out);
      i++;
    }
  }

  private static void appendHexEscape(int c, StringBuilder out) {
    out.append('\\').append('x').append(HEX[c >> 4]).append(HEX[c & 15]);
  }

  /** Length (2..4) of a well-formed UTF-8 sequence at {@code i}, or 0 (RFC 3629 table 3-7). */
  private static int utf8Length(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    int n;
    int lo = 0x80;
    int hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c == 0xe0) {
        lo = 0xa0;
      } else if (c == 0xed) {
        hi = 0x9f; // no surrogates
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c == 0xf0) {
        lo = 0x90;
      } else if (c == 0xf4) {
        hi = 0x8f;
      }
    } else {
      return 0;
    }
    if (i + n > end) {
      return 0;
    }
    int c1 = b[i + 1] & 0xff;
    if (c1 < lo || c1 > hi) {
      return 0;
    }
    for (int k = 2; k < n; k++) {
      int ck = b[i + k] & 0xff;
      if (ck < 0x80 || ck > 0xbf) {
        return 0;
      }
    }
    return n;
  }

  private static void appendUtf8(byte[] b, int i, int n, StringBuilder out) {
    int c = b[i] & 0xff;
    int cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (int k = 1; k < n; k++) {
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if (cp < 0x10000) {
      out.append((char) cp);
    } else {
      out.append(Character.highSurrogate(cp)).append(Character.lowSurrogate(cp));
    }
  }

  /** Lower-cases ASCII letters from {@code from} to the end of the builder (Zeek's tolower, C locale). */
  static void lowerAscii(StringBuilder sb, int from) {
    for (int i = from; i < sb.length(); i++) {
      char c = sb.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        sb.setCharAt(i, (char) (c + 32));
      }
    }
  }

  /** ASCII lower case of a string; returns the same string when there is nothing to change. */
  static String lowerAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] cs = s.toCharArray();
        for (int k = i; k < cs.length; k++) {
          if (cs[k] >= 'A' && cs[k] <= 'Z') {
            cs[k] = (char) (cs[k] + 32);
          }
        }
        return new String(cs);
      }
    }
    return s;
  }

  static void appendIpv4(byte[] b, int off, StringBuilder out) {
    out.append(b[off] & 0xff).append('.').append(b[off + 1] & 0xff).append('.')
        .append(b[off + 2] & 0xff).append('.').append(b[off + 3] & 0xff);
  }

  /**
   * Appends an IPv6 address in RFC 5952 form: lower-case hex, no leading zeros, the longest run of
   * two or more zero groups (the first such run on a tie) as {@code ::}, and IPv4-mapped addresses
   * ({@code ::ffff:0:0/96}) as {@code ::ffff:a.b.c.d} (section 5).
   */
  static void appendIpv6(byte[] b, int off, StringBuilder out) {
    if (isV4Mapped(b, off)) {
      out.append("::ffff:");
      appendIpv4(b, off + 12, out);
      return;
    }
    int bestStart = -1;
    int bestLen = 0;
    int runStart = -1;
    for (int g = 0; g < 8; g++) {
      boolean zero = b[off + 2 * g] == 0 && b[off + 2 * g + 1] == 0;
      if (zero) {
        if (runStart < 0) {
          runStart = g;
        }
        int runLen = g - runStart + 1;
        if (runLen > bestLen) {
          bestLen = runLen;
          bestStart = runStart;
        }
      } else {
        runStart = -1;
      }
    }
    if (bestLen < 2) {
      bestStart = -1;
    }
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        out.append("::");
        g += bestLen - 1;
        continue;
      }
      if (g > 0 && g != bestStart + bestLen) {
        out.append(':');
      }
      int v = ((b[off + 2 * g] & 0xff) << 8) | (b[off + 2 * g + 1] & 0xff);
      appendHexNoLeadingZeros(v, out);
    }
  }

  /**
   * Appends an IPv6 address as Zeek writes an {@code addr}: Zeek keeps IPv4 addresses as
   * IPv4-mapped IPv6 and prints those as a dotted quad; the rest as glibc's inet_ntop, which is
   * RFC 5952 except that an IPv4-compatible address ({@code ::a.b.c.d}, six zero groups then a
   * non-zero one) keeps the dotted quad.
   */
  static void appendIpv6Zeek(byte[] b, int off, StringBuilder out) {
    if (isV4Mapped(b, off)) {
      appendIpv4(b, off + 12, out);
      return;
    }
    boolean compat = true;
    for (int i = 0; i < 12; i++) {
      if (b[off + i] != 0) {
        compat = false;
        break;
      }
    }
    if (compat && (b[off + 12] != 0 || b[off + 13] != 0)) {
      out.append("::");
      appendIpv4(b, off + 12, out);
      return;
    }
    appendIpv6(b, off, out);
  }

  private static boolean isV4Mapped(byte[] b, int off) {
    for (int i = 0; i < 10; i++) {
      if (b[off + i] != 0) {
        return false;
      }
    }
    return (b[off + 10] & 0xff) == 0xff && (b[off + 11] & 0xff) == 0xff;
  }

  private static void appendHexNoLeadingZeros(int v, StringBuilder out) {
    boolean started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (v >> shift) & 15;
      if (d != 0 || started || shift == 0) {
        out.append(HEX[d]);
        started = true;
      }
    }
  }

  static void appendHex(byte[] b, int off, int len, StringBuilder out) {
    for (int i = off; i < off + len; i++) {
      int c = b[i] & 0xff;
      out.append(HEX[c >> 4]).append(HEX[c & 15]);
    }
  }
}
