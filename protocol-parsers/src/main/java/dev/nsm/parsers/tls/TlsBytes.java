package dev.nsm.parsers.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** Big-endian reads, GREASE, hex and digests shared by the TLS classes. */
final class TlsBytes {
  private TlsBytes() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  static int u8(byte[] b, int i) {
    return b[i] & 0xff;
  }

  static int u16(byte[] b, int i) {
    return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
  }

  static int u24(byte[] b, int i) {
    return (b[i] & 0xff) << 16 | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff);
  }

  /** RFC 8701 GREASE: 0x?a?a with both bytes equal (0x0a0a, 0x1a1a ... 0xfafa). */
  static boolean isGrease(int v) {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
  }

  static String hex(byte[] b) {
    return hex(b, 0, b.length);
  }

  static String hex(byte[] b, int off, int len) {
    char[] c = new char[len * 2];
    for (int i = 0; i < len; i++) {
      int v = b[off + i] & 0xff;
      c[2 * i] = HEX[v >>> 4];
      c[2 * i + 1] = HEX[v & 0xf];
    }
    return new String(c);
  }

  /** Four lower-case hex digits, as JA4 writes code points. */
  static void hex4(StringBuilder sb, int v) {
    sb.append(HEX[(v >>> 12) & 0xf]).append(HEX[(v >>> 8) & 0xf]).append(HEX[(v >>> 4) & 0xf]).append(HEX[v & 0xf]);
  }

  static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every JDK", e);
    }
  }

  /** Growable int list for parsing; {@link #toArray()} gives the exact-size result. */
  static final class IntList {
    private int[] a = new int[16];
    private int n;

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    int[] toArray() {
      return n == 0 ? EMPTY : Arrays.copyOf(a, n);
    }
  }

  static final int[] EMPTY = new int[0];
  static final byte[] NO_BYTES = new byte[0];
}
