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

  /**
   * One MessageDigest per algorithm and thread: {@code MessageDigest.getInstance} looks the provider
   * up and builds the engine reflectively on every call, which showed in replay profiles (JA3, JA3S,
   * JA4 and the certificate fingerprints take 4 to 6 digests per handshake).
   */
  private static final ThreadLocal<MessageDigest[]> DIGESTS = ThreadLocal.withInitial(() -> new MessageDigest[3]);

  static byte[] digest(String algorithm, byte[] data) {
    int slot = algorithm.equals("MD5") ? 0 : algorithm.equals("SHA-1") ? 1 : algorithm.equals("SHA-256") ? 2 : -1;
    try {
      if (slot < 0) {
        return MessageDigest.getInstance(algorithm).digest(data);
      }
      MessageDigest[] ds = DIGESTS.get();
      MessageDigest d = ds[slot];
      if (d == null) {
        d = MessageDigest.getInstance(algorithm);
        ds[slot] = d;
      }
      return d.digest(data); // digest() resets it
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
