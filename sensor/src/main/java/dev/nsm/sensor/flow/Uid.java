package dev.nsm.sensor.flow;

/**
 * Flow uids: "C" + base62 of a 64-bit hash of the first packet's time and its 5-tuple as seen (source
 * first) and VLAN ids. Only the input decides it, so the same capture gives the same uids with any
 * number of workers (Zeek's uids are random instead).
 */
final class Uid {
  private static final char[] DIGITS =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Uid() {}

  static long hash(long tsNanos, int ipVersion, long sHi, long sLo, int sPort, long dHi, long dLo,
      int dPort, int proto, int vlanCount, int vlan0, int vlan1) {
    long h = 0x243F6A8885A308D3L;
    h = mix(h, tsNanos);
    h = mix(h, ipVersion | ((long) proto << 8) | ((long) vlanCount << 16));
    h = mix(h, sHi);
    h = mix(h, sLo);
    h = mix(h, ((long) sPort << 16) | dPort);
    h = mix(h, dHi);
    h = mix(h, dLo);
    h = mix(h, ((long) vlan0 << 32) | (vlan1 & 0xffffffffL));
    return fmix(h);
  }

  /** A flow inside a tunnel: its tunnel key mixed in (0, a flow as captured: unchanged). */
  static long tunnel(long uidHash, long tunnelKey) {
    return tunnelKey == 0 ? uidHash : fmix(uidHash ^ (tunnelKey * 0x9E3779B97F4A7C15L));
  }

  static String format(long hash) {
    char[] out = new char[12];
    int n = out.length;
    long v = hash;
    do {
      int d = (int) Long.remainderUnsigned(v, 62);
      out[--n] = DIGITS[d];
      v = Long.divideUnsigned(v, 62);
    } while (v != 0);
    out[--n] = 'C';
    return new String(out, n, out.length - n);
  }

  private static long mix(long h, long v) {
    h ^= fmix(v + 0x9E3779B97F4A7C15L);
    return h * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
  }

  /** splitmix64's finaliser. */
  private static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
