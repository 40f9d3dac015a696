package dev.nsm.sensor.flow;

/**
 * Addresses as text: IPv4 dotted quad, IPv6 in RFC 5952's canonical form (lower-case hex, no leading
 * zeros, the longest run of two or more zero groups as "::", the first such run on a tie, and
 * IPv4-mapped addresses as {@code ::ffff:a.b.c.d}). {@code InetAddress} is not used: it prints
 * {@code 0:0:0:0:0:0:0:1} for {@code ::1}.
 */
final class AddressFormat {
  private AddressFormat() {}

  /** IPv4 from the low 32 bits of {@code lo}. */
  static String ipv4(long lo) {
    return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff);
  }

  /** IPv6 from its 128 bits, high 64 in {@code hi}. */
  static String ipv6(long hi, long lo) {
    int[] g = new int[8];
    for (int i = 0; i < 4; i++) {
      g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xffff);
      g[4 + i] = (int) ((lo >>> (48 - 16 * i)) & 0xffff);
    }
    if (hi == 0 && g[4] == 0 && g[5] == 0xffff) {
      return "::ffff:" + ipv4(lo); // IPv4-mapped (RFC 5952 section 5)
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1; // a single zero group is not shortened
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  static String format(int ipVersion, long hi, long lo) {
    return ipVersion == 6 ? ipv6(hi, lo) : ipv4(lo);
  }

  /** Reads 4 or 16 address bytes into {@code out[0]} (high) and {@code out[1]} (low). */
  static long hi(byte[] addr, int ipVersion) {
    if (ipVersion != 6) {
      return 0;
    }
    return readLong(addr, 0);
  }

  static long lo(byte[] addr, int ipVersion) {
    if (ipVersion != 6) {
      return ((addr[0] & 0xffL) << 24) | ((addr[1] & 0xffL) << 16) | ((addr[2] & 0xffL) << 8) | (addr[3] & 0xffL);
    }
    return readLong(addr, 8);
  }

  private static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }
}
