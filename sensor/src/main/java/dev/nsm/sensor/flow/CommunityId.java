package dev.nsm.sensor.flow;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Community ID v1 (github.com/corelight/community-id-spec): "1:" + base64(SHA-1(seed, addresses,
 * protocol, pad, ports)), all big-endian, with the endpoints ordered so the smaller (address, port)
 * comes first. ICMP and ICMPv6 use Zeek's port equivalents (type, and counterpart type or code); a
 * one-way ICMP type keeps its direction. Other IP protocols hash addresses and protocol only.
 */
final class CommunityId {
  private final MessageDigest sha1;
  private final byte[] buf = new byte[2 + 16 + 16 + 2 + 4];
  private final byte[] digest = new byte[20];
  /** "1:" + base64 of the 20-byte digest (28 characters). */
  private final byte[] text = new byte[2 + 28];
  private final byte[] scratch = new byte[28];

  CommunityId() {
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
  }

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
    sha1.reset();
    sha1.update(buf, 0, n);
    try {
      sha1.digest(digest, 0, digest.length);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("SHA-1 digest into 20 bytes", e);
    }
    // into reused buffers: the record's string is the only allocation
    text[0] = '1';
    text[1] = ':';
    int len = Base64.getEncoder().encode(digest, scratch);
    System.arraycopy(scratch, 0, text, 2, len);
    return new String(text, 0, 2 + len, java.nio.charset.StandardCharsets.ISO_8859_1);
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
