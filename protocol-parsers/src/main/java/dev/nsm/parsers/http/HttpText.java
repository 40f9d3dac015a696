package dev.nsm.parsers.http;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level helpers of the HTTP parser, ported from Zeek's HTTP.cc, MIME.cc and util.cc where the
 * parser must decide as Zeek does: character classes, MIME tokens, number parsing (std::from_chars),
 * URI unescaping, Basic credentials, and bytes to text.
 */
final class HttpText {
  private HttpText() {}

  /** Zeek's util::skip_whitespace: spaces and tabs. */
  static boolean isLws(byte c) {
    return c == ' ' || c == '\t';
  }

  static int skipWs(byte[] b, int i, int end) {
    while (i < end && isLws(b[i])) {
      i++;
    }
    return i;
  }

  /** Zeek's is_HTTP_token_char: printable ASCII except separators (RFC 2616). */
  static boolean isTokenChar(byte c) {
    if (c <= 31 || c >= 127) {
      return false;
    }
    switch (c) {
      case ' ': case '\t': case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
      case '\\': case '"': case '/': case '[': case ']': case '?': case '=': case '{': case '}':
        return false;
      default:
        return true;
    }
  }

  /** Zeek's is_reserved_URI_char || is_unreserved_URI_char || '%' (RFC 3986 characters, ASCII only). */
  static boolean isUriChar(byte c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    switch (c) {
      case ':': case '/': case '?': case '#': case '[': case ']': case '@': case '!': case '$': case '&':
      case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=': case '-': case '_':
      case '.': case '~': case '%':
        return true;
      default:
        return false;
    }
  }

  /** C isspace in the "C" locale. */
  static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
  }

  /** Whether b[i, end) starts with the ASCII {@code prefix} (upper case), optionally ignoring case. */
  static boolean startsWith(byte[] b, int i, int end, byte[] prefix, boolean ignoreCase) {
    if (end - i < prefix.length) {
      return false;
    }
    for (int k = 0; k < prefix.length; k++) {
      byte c = b[i + k];
      if (ignoreCase && c >= 'a' && c <= 'z') {
        c -= 32;
      }
      if (c != prefix[k]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether b[i, i+n) equals the first n bytes of the ASCII {@code word} (upper case when ignoring
   * case); the caller makes sure both have n bytes.
   */
  static boolean regionEquals(byte[] b, int i, byte[] word, int n, boolean ignoreCase) {
    for (int k = 0; k < n; k++) {
      byte c = b[i + k];
      if (ignoreCase && c >= 'a' && c <= 'z') {
        c -= 32;
      }
      if (c != word[k]) {
        return false;
      }
    }
    return true;
  }

  /** Case-insensitive equality of b[off, off+len) with the upper-case ASCII {@code upper}. */
  static boolean equalsIgnoreCase(byte[] b, int off, int len, byte[] upper) {
    return len == upper.length && startsWith(b, off, off + len, upper, true);
  }

  // ---------------------------------------------------------------- MIME tokens (RFC 2045)

  private static boolean isTspecial(byte c) {
    switch (c) {
      case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':': case '\\': case '"':
      case '/': case '[': case ']': case '?': case '=':
        return true;
      default:
        return false;
    }
  }

  static boolean isMimeTokenChar(byte c) {
    return c >= 33 && c <= 126 && !isTspecial(c);
  }

  /** MIME field-name character: printable ASCII except ':'. */
  static boolean isFieldNameChar(byte c) {
    return c >= 33 && c <= 126 && c != ':';
  }

  /** Zeek's MIME_skip_comments: past a "(...)" comment (nested, with escapes) at i, else i. */
  static int skipComment(byte[] b, int i, int end) {
    if (i >= end || b[i] != '(') {
      return i;
    }
    int depth = 0;
    for (int k = i; k < end; k++) {
      byte c = b[k];
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        if (--depth == 0) {
          return k + 1;
        }
      } else if (c == '\\') {
        k++;
      }
    }
    return end;
  }

  /** Zeek's MIME_skip_lws_comments. */
  static int skipLwsComments(byte[] b, int i, int end) {
    while (i < end) {
      if (isLws(b[i])) {
        i++;
      } else if (b[i] == '(') {
        i = skipComment(b, i, end);
      } else {
        return i;
      }
    }
    return end;
  }

  /**
   * Zeek's MIME_get_token: the first token of b[i, end), skipping whitespace, comments and any other
   * character that cannot start a token. Returns (start &lt;&lt; 32 | end) of the token, or -1.
   */
  static long token(byte[] b, int i, int end) {
    i = skipLwsComments(b, i, end);
    while (i < end) {
      if (isMimeTokenChar(b[i])) {
        int j = i;
        while (j < end && isMimeTokenChar(b[j])) {
          j++;
        }
        return ((long) i << 32) | j;
      }
      int j = skipLwsComments(b, i, end);
      i = j > i ? j : i + 1;
    }
    return -1;
  }

  static int tokenStart(long t) {
    return (int) (t >>> 32);
  }

  static int tokenEnd(long t) {
    return (int) t;
  }

  /** Whether the first MIME token of b[i, end) equals {@code upper}, ignoring case. */
  static boolean firstTokenIs(byte[] b, int i, int end, byte[] upper) {
    long t = token(b, i, end);
    return t >= 0 && equalsIgnoreCase(b, tokenStart(t), tokenEnd(t) - tokenStart(t), upper);
  }

  // ---------------------------------------------------------------- numbers

  /** Returned by the parsers below when the text is not a number. */
  static final long NOT_A_NUMBER = Long.MIN_VALUE;

  /**
   * C++ std::from_chars for int64 as Zeek's util::atoi_n uses it: an optional '-', then the longest
   * run of digits of {@code radix} (at least one), no leading space or '+'; overflow is an error.
   */
  static long parseLong(byte[] b, int i, int end, int radix) {
    boolean neg = i < end && b[i] == '-';
    if (neg) {
      i++;
    }
    long v = 0;
    int digits = 0;
    for (; i < end; i++) {
      int d = Character.digit(b[i] & 0xff, radix);
      if (d < 0 || b[i] < 0) {
        break;
      }
      // accumulate negatively so that Long.MIN_VALUE fits, as from_chars allows
      if (v < (Long.MIN_VALUE + d) / radix) {
        return NOT_A_NUMBER;
      }
      v = v * radix - d;
      digits++;
    }
    if (digits == 0) {
      return NOT_A_NUMBER;
    }
    if (!neg) {
      if (v == Long.MIN_VALUE) {
        return NOT_A_NUMBER;
      }
      v = -v;
    }
    return v;
  }

  // ---------------------------------------------------------------- URI

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * Zeek's unescape_URI, step for step (its weirds included): %XX, %uXXXX (a leading 00 byte
   * dropped), '%%' read as '%', a lone '%' kept. Writes into {@code out} (at least len bytes) and
   * returns the decoded length.
   */
  static int unescapeUri(byte[] b, int i, int end, byte[] out, HttpConnectionParser weirds) {
    int o = 0;
    while (i < end) {
      if (b[i] == '%') {
        ++i;
        if (i == end) {
          out[o++] = '%';
          weirds.weird(HttpWeird.ILLEGAL_PERCENT_AT_END_OF_URI, true);
          break;
        } else if (i + 1 == end) {
          out[o++] = '%';
          out[o++] = b[i];
          weirds.weird(HttpWeird.PARTIAL_ESCAPE_AT_END_OF_URI, true);
          break;
        } else if (b[i] == '%') {
          weirds.weird(HttpWeird.DOUBLE_PERCENT_IN_URI, true);
          --i; // read the second '%' as the start of the escape
        } else if (hex(b[i]) >= 0 && hex(b[i + 1]) >= 0) {
          out[o++] = (byte) ((hex(b[i]) << 4) + hex(b[i + 1]));
          ++i;
        } else if (end - i >= 5 && b[i] == 'u' && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0
            && hex(b[i + 3]) >= 0 && hex(b[i + 4]) >= 0) {
          if (!(b[i + 1] == '0' && b[i + 2] == '0')) {
            out[o++] = (byte) ((hex(b[i + 1]) << 4) + hex(b[i + 2]));
          }
          out[o++] = (byte) ((hex(b[i + 3]) << 4) + hex(b[i + 4]));
          i += 4;
        } else {
          weirds.weird(HttpWeird.UNESCAPED_PERCENT_IN_URI, true);
          out[o++] = '%';
          out[o++] = b[i];
        }
      } else {
        out[o++] = b[i];
      }
      ++i;
    }
    return o;
  }

  // ---------------------------------------------------------------- Basic credentials

  private static int b64(byte c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+') {
      return 62;
    }
    if (c == '/') {
      return 63;
    }
    return -1;
  }

  private static final byte[] BASIC = {'B', 'A', 'S', 'I', 'C'};

  /**
   * The user name of an Authorization value "Basic base64(user:password)" (Zeek: /^[bB][aA][sS][iI][cC] /,
   * then base64, then split at the first ':'); null when it is not Basic. The decoded password is
   * never turned into a String, and not even the encoded value is kept when no ':' is found
   * (Zeek logs "&lt;problem-decoding&gt; (VALUE)" there: that value may hold a password).
   */
  static String basicUser(byte[] b, int i, int end) {
    if (end - i < 6 || !startsWith(b, i, end, BASIC, true) || b[i + 5] != ' ') {
      return null;
    }
    i = skipWs(b, i + 5, end);
    // lenient base64 like Zeek's: characters outside the alphabet are skipped, '=' ends the data
    byte[] out = new byte[(end - i) * 3 / 4 + 3];
    int o = 0;
    int acc = 0;
    int bits = 0;
    int colon = -1;
    for (; i < end && b[i] != '='; i++) {
      int v = b64(b[i]);
      if (v < 0) {
        continue;
      }
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        byte c = (byte) (acc >> bits);
        if (c == ':' && colon < 0) {
          colon = o;
        }
        out[o++] = c;
        acc &= (1 << bits) - 1;
      }
    }
    String user = colon < 0 ? "<problem-decoding>" : text(out, 0, colon);
    java.util.Arrays.fill(out, (byte) 0); // the password does not outlive this call
    return user;
  }

  // ---------------------------------------------------------------- text

  /**
   * b[off, off+len) as a String: UTF-8 where it is valid, each other byte as the Latin-1 character of
   * the same value. That is what Zeek's http.log says once its {@code \xNN} escapes (which it writes
   * only for bytes that are not valid UTF-8) are read back, as the corpus' expected files do: a URI
   * with "%FC" reads "ü" in both. ASCII, the usual case, is copied straight.
   */
  static String text(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] >= 0) {
      i++;
    }
    if (i == end) {
      return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
    StringBuilder s = new StringBuilder(len + 8);
    s.append(new String(b, off, i - off, StandardCharsets.ISO_8859_1));
    while (i < end) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        s.append((char) c);
        i++;
        continue;
      }
      int n = utf8Length(b, i, end);
      if (n > 0) {
        s.append(new String(b, i, n, StandardCharsets.UTF_8));
        i += n;
      } else {
        s.append((char) c); // the byte as its Latin-1 character, U+0080..U+00FF
        i++;
      }
    }
    return s.toString();
  }

  /** Length of the valid UTF-8 sequence (2 to 4 bytes, no overlong form or surrogate) at i, else 0. */
  private static int utf8Length(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    int n;
    int min;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      min = 0x10000;
    } else {
      return 0;
    }
    if (end - i < n) {
      return 0;
    }
    int cp = c & (0xff >> (n + 1));
    for (int k = 1; k < n; k++) {
      int cc = b[i + k] & 0xff;
      if ((cc & 0xc0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return 0;
    }
    return n;
  }
}
