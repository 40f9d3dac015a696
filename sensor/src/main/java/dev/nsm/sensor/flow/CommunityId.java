package dev.nsm.sensor.flow;


/**
 * Community ID v1 (github.com/corelight/community-id-spec): "1:" + base64(SHA-1(seed, addresses,
 * protocol, pad, ports)), all big-endian, with the endpoints ordered so the smaller (address, port)
 * comes first. ICMP and ICMPv6 use Zeek's port equivalents (type, and counterpart type or code); a
 * one-way ICMP type keeps its direction. Other IP protocols hash addresses and protocol only.
 */
final class CommunityId {
  private final int[] w = new int[80];
  private final byte[] buf = new byte[2 + 16 + 16 + 2 + 4];
  private final byte[] digest = new byte[20];
  /** "1:" + base64 of the 20-byte digest (28 characters). */
  private final byte[] text = new byte[2 + 28];

  CommunityId() {}

  /**
   * @param seed the seed (0 by default)
   * @param withPorts false for protocols without ports (neither TCP, UDP, SCTP nor ICMP)
   * @param oneWay true for ICMP types without a counterpart: the endpoints are not reordered
   */
  String of(int seed, int ipVersion, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort,
      int proto, boolean withPorts, boolean oneWay) {
    boolean swap = false;
    if (!oneWay) {
      int c = compareAddr(sHi, sLo, dHi, dLo);
      swap = c > 0 || (c == 0 && withPorts && sPort > dPort);
    }
    if (swap) {
      long t = sHi;
      sHi = dHi;
      dHi = t;
      t = sLo;
      sLo = dLo;
      dLo = t;
      int p = sPort;
      sPort = dPort;
      dPort = p;
    }
    int n = 0;
    buf[n++] = (byte) (seed >>> 8);
    buf[n++] = (byte) seed;
    n = putAddr(n, ipVersion, sHi, sLo);
    n = putAddr(n, ipVersion, dHi, dLo);
    buf[n++] = (byte) proto;
    buf[n++] = 0;
    if (withPorts) {
      buf[n++] = (byte) (sPort >>> 8);
      buf[n++] = (byte) sPort;
      buf[n++] = (byte) (dPort >>> 8);
      buf[n++] = (byte) dPort;
    }
    // the input is at most 40 bytes: one SHA-1 block, hashed here on ints (MessageDigest's buffering,
    // padding and byte loops cost more than the 80 rounds under C1, which has no SHA intrinsic)
    sha1Block(n);
    // into a reused buffer: the record's string is the only allocation
    text[0] = '1';
    text[1] = ':';
    int o = 2;
    for (int i = 0; i < 18; i += 3) {
      int v = ((digest[i] & 0xff) << 16) | ((digest[i + 1] & 0xff) << 8) | (digest[i + 2] & 0xff);
      text[o++] = B64[v >>> 18];
      text[o++] = B64[(v >>> 12) & 63];
      text[o++] = B64[(v >>> 6) & 63];
      text[o++] = B64[v & 63];
    }
    int v = ((digest[18] & 0xff) << 8) | (digest[19] & 0xff);
    text[o++] = B64[v >>> 10];
    text[o++] = B64[(v >>> 4) & 63];
    text[o++] = B64[(v << 2) & 63];
    text[o++] = '=';
    return new String(text, 0, o, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static final byte[] B64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** SHA-1 (FIPS 180-4) of buf[0, n), n <= 55: one padded block, into {@link #digest}. */
  private void sha1Block(int n) {
    int[] w = this.w;
    java.util.Arrays.fill(w, 0);
    for (int i = 0; i < n; i++) {
      w[i >>> 2] |= (buf[i] & 0xff) << (24 - 8 * (i & 3));
    }
    w[n >>> 2] |= 0x80 << (24 - 8 * (n & 3));
    w[15] = n * 8;
    for (int i = 16; i < 80; i++) {
      w[i] = Integer.rotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    int a = 0x67452301;
    int b = 0xEFCDAB89;
    int c = 0x98BADCFE;
    int d = 0x10325476;
    int e = 0xC3D2E1F0;
    for (int i = 0; i < 80; i++) {
      int f;
      int k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      int t = Integer.rotateLeft(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Integer.rotateLeft(b, 30);
      b = a;
      a = t;
    }
    putInt(0, 0x67452301 + a);
    putInt(4, 0xEFCDAB89 + b);
    putInt(8, 0x98BADCFE + c);
    putInt(12, 0x10325476 + d);
    putInt(16, 0xC3D2E1F0 + e);
  }

  private void putInt(int off, int v) {
    digest[off] = (byte) (v >>> 24);
    digest[off + 1] = (byte) (v >>> 16);
    digest[off + 2] = (byte) (v >>> 8);
    digest[off + 3] = (byte) v;
  }

  private int putAddr(int n, int ipVersion, long hi, long lo) {
    if (ipVersion == 6) {
      for (int i = 7; i >= 0; i--) {
        buf[n++] = (byte) (hi >>> (8 * i));
      }
      for (int i = 7; i >= 0; i--) {
        buf[n++] = (byte) (lo >>> (8 * i));
      }
    } else {
      for (int i = 3; i >= 0; i--) {
        buf[n++] = (byte) (lo >>> (8 * i));
      }
    }
    return n;
  }

  /** Unsigned comparison of two 128-bit addresses (the bytes in network order). */
  static int compareAddr(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }
}
