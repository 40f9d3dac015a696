package dev.nsm.parsers.quic;

import dev.nsm.parsers.tls.TlsStreamParser;
import java.util.Arrays;

/**
 * The TLS handshake of a QUIC connection as far as a passive observer can read it: the CRYPTO
 * frames of the Initial packets, whose keys derive from the client's first Destination Connection
 * ID (RFC 9001 5.2), so the ClientHello and ServerHello are readable by anyone. Everything after
 * them (Handshake, 1-RTT) is not. Pure: no I/O, no threads; never throws on any input.
 *
 * <pre>
 * Long header (RFC 9000 17.2):            Initial (17.2.2), after the header:
 * +-+-+-+-+-+-+-+-+                       Token Length (varint), Token
 * |1|1|T T|X X|P P|  T: type, P: pn len-1 Length (varint)  = packet number + payload (+16 tag)
 * +-+-+-+-+-+-+-+-+  (X, P protected)     Packet Number (1..4 bytes, protected)
 * | Version (32)  |                       Payload: frames, AES-128-GCM
 * | DCID Len, DCID (0..20 bytes)          CRYPTO frame (0x06): Offset (varint), Length (varint), Data
 * | SCID Len, SCID (0..20 bytes)
 * </pre>
 *
 * The CRYPTO bytes of each direction are put in order (out-of-order frames and packets are held, up
 * to {@link #MAX_CRYPTO} bytes) and handed to a {@link TlsStreamParser} wrapped in TLS handshake
 * records, so the session fields (version, cipher, SNI, ALPN, JA3, JA3S) are the TLS parser's.
 * Versions: QUIC v1, v2 (RFC 9369) and the IETF drafts 23 to 34; others (Google QUIC) are not read.
 */
public final class QuicInitialParser {
  /** Most CRYPTO bytes held per direction (a ClientHello is a few KiB). */
  public static final int MAX_CRYPTO = 64 * 1024;

  static final int V1 = 0x00000001;
  static final int V2 = 0x6b3343cf;

  private static final byte[] SALT_V1 = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
  private static final byte[] SALT_V2 = hex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
  private static final byte[] SALT_D29 = hex("afbfec289993d24c9e9786f19c6111e04390a899");
  private static final byte[] SALT_D23 = hex("c3eef712c72ebb5a11a7d2432bb46365bef9f502");

  /** What went wrong, counted per parser (the flow layer sums them). */
  public long packetsDecrypted;
  public long packetsUndecryptable;
  public long packetsMalformed;
  public long cryptoBytesDropped;

  private final QuicCrypto crypto;
  private final TlsStreamParser tls;
  private int version;
  private byte[] originalDcid;
  /** The client is side A of the caller's view ({@code fromOrig} of the first Initial). */
  private boolean clientIsOrig;
  private Keys clientKeys;
  private Keys serverKeys;
  private final Crypto fromClient = new Crypto(true);
  private final Crypto fromServer = new Crypto(false);
  /** The unprotected header (grows with the token, which the AAD includes). */
  private byte[] header = new byte[128];
  private byte[] plain = new byte[1500];
  private boolean failed;

  /** @param crypto the worker's cipher instances; @param tls receives the handshake */
  public QuicInitialParser(QuicCrypto crypto, TlsStreamParser tls) {
    this.crypto = crypto;
    this.tls = tls;
  }

  public TlsStreamParser tls() {
    return tls;
  }

  /** The QUIC version of the first Initial (0 before one). */
  public int version() {
    return version;
  }

  /**
   * Whether {@code b[off, off+len)} starts with a QUIC Initial packet of a version this parser
   * reads, for detection by content. Allocation-free; reads the first 7 bytes.
   */
  public static boolean probe(byte[] b, int off, int len) {
    if (len < 7 + 1 + 16) {
      return false;
    }
    int first = b[off] & 0xff;
    if ((first & 0xc0) != 0xc0) {
      return false; // not a long header with the fixed bit
    }
    int v = u32(b, off + 1);
    if (!known(v) || initialType(v) != ((first >> 4) & 3)) {
      return false;
    }
    int dcidLen = b[off + 5] & 0xff;
    return dcidLen <= 20 && 6 + dcidLen < len && (b[off + 6 + dcidLen] & 0xff) <= 20;
  }

  /** Both hellos were read, or the connection cannot be read: nothing more to learn. */
  public boolean isDone() {
    return failed || tls.isDone() || (tls.session().clientHello() != null && tls.session().serverHello() != null);
  }

  /**
   * One UDP datagram of the connection ({@code fromOrig}: sent by the flow's originator); it may
   * hold several coalesced QUIC packets.
   */
  public void datagram(boolean fromOrig, byte[] b, int off, int len) {
    int end = off + len;
    int p = off;
    while (p < end && !failed) {
      int first = b[p] & 0xff;
      if ((first & 0x80) == 0) {
        return; // a short header: 1-RTT, unreadable, and the rest of the datagram is its payload
      }
      if (end - p < 7) {
        packetsMalformed++;
        return;
      }
      int v = u32(b, p + 1);
      if (v == 0) {
        return; // version negotiation
      }
      int next = packet(fromOrig, b, p, end, v);
      if (next < 0) {
        return;
      }
      p = next;
    }
  }

  /** One long-header packet at {@code p}; returns where the next one starts, or -1. */
  private int packet(boolean fromOrig, byte[] b, int p, int end, int v) {
    int first = b[p] & 0xff;
    int q = p + 5;
    int dcidLen = b[q++] & 0xff;
    if (dcidLen > 20 || q + dcidLen >= end) {
      packetsMalformed++;
      return -1;
    }
    int dcidAt = q;
    q += dcidLen;
    int scidLen = b[q++] & 0xff;
    if (scidLen > 20 || q + scidLen > end) {
      packetsMalformed++;
      return -1;
    }
    int scidAt = q;
    q += scidLen;
    if (!known(v)) {
      return -1;
    }
    int type = (first >> 4) & 3;
    boolean initial = type == initialType(v);
    if (type == retryType(v)) {
      // Retry (RFC 9000 17.2.5): the client starts over with the server's SCID as its DCID, and the
      // Initial keys of both sides derive from that from now on. It has no length: it ends the datagram.
      if (originalDcid != null && fromOrig != clientIsOrig && v == version) {
        originalDcid = Arrays.copyOfRange(b, scidAt, scidAt + scidLen);
        clientKeys = derive(v, originalDcid, false);
        serverKeys = derive(v, originalDcid, true);
        if (clientKeys == null || serverKeys == null) {
          failed = true;
        }
      }
      return -1;
    }
    if (initial) {
      long tokenLen = varint(b, q, end);
      if (tokenLen < 0) {
        packetsMalformed++;
        return -1;
      }
      q += varintLen(b[q]);
      if (tokenLen > end - q) {
        packetsMalformed++;
        return -1;
      }
      q += (int) tokenLen;
    }
    long length = varint(b, q, end);
    if (length < 0) {
      packetsMalformed++;
      return -1;
    }
    q += varintLen(b[q]);
    if (length > end - q || length < 20) {
      packetsMalformed++;
      return -1;
    }
    int pnAt = q;
    int next = q + (int) length;
    if (!initial) {
      return next; // Handshake / 0-RTT: other keys
    }
    boolean keysFromThis = false;
    if (originalDcid == null) {
      keysFromThis = true;
      version = v;
      originalDcid = Arrays.copyOfRange(b, dcidAt, dcidAt + dcidLen);
      clientIsOrig = fromOrig;
      clientKeys = derive(v, originalDcid, false);
      serverKeys = derive(v, originalDcid, true);
      if (clientKeys == null || serverKeys == null) {
        failed = true;
        return -1;
      }
    }
    boolean client = fromOrig == clientIsOrig;
    if (!decrypt(client ? clientKeys : serverKeys, client, b, p, pnAt, next) && keysFromThis) {
      originalDcid = null; // not the client's first Initial (the capture missed it): try the next one
    }
    return next;
  }

  /** Removes header protection, decrypts and reads the frames; false if it did not decrypt. */
  private boolean decrypt(Keys k, boolean client, byte[] b, int p, int pnAt, int next) {
    int hlen = pnAt - p;
    if (pnAt + 4 + 16 > next) {
      packetsMalformed++;
      return false;
    }
    if (hlen + 4 > header.length) {
      header = new byte[hlen + 4];
    }
    byte[] mask = crypto.headerMask(k.hp, b, pnAt + 4);
    if (mask == null) {
      packetsUndecryptable++;
      return false;
    }
    System.arraycopy(b, p, header, 0, hlen);
    header[0] = (byte) (b[p] ^ (mask[0] & 0x0f));
    int pnLen = (header[0] & 3) + 1;
    long pn = 0;
    for (int i = 0; i < pnLen; i++) {
      int x = (b[pnAt + i] ^ mask[1 + i]) & 0xff;
      header[hlen + i] = (byte) x;
      pn = (pn << 8) | x;
    }
    int aadLen = hlen + pnLen;
    int ctAt = pnAt + pnLen;
    int ctLen = next - ctAt;
    if (ctLen < 16) {
      packetsMalformed++;
      return false;
    }
    if (plain.length < ctLen) {
      plain = new byte[ctLen];
    }
    int n = crypto.open(k.key, k.iv, pn, header, aadLen, b, ctAt, ctLen, plain);
    if (n < 0) {
      packetsUndecryptable++;
      return false;
    }
    packetsDecrypted++;
    frames(client ? fromClient : fromServer, plain, n);
    return true;
  }

  /** The frames of a decrypted Initial payload: CRYPTO data is kept, the rest skipped. */
  private void frames(Crypto c, byte[] f, int n) {
    int p = 0;
    while (p < n) {
      int type = f[p] & 0xff;
      switch (type) {
        case 0x00: // PADDING
        case 0x01: // PING
          p++;
          break;
        case 0x02: // ACK
        case 0x03: { // ACK with ECN counts
          p++;
          for (int i = 0; i < 3; i++) { // largest, delay, range count
            if (p >= n) {
              packetsMalformed++;
              return;
            }
            if (i == 2) {
              long ranges = varint(f, p, n);
              p += varintLen(f[p]);
              if (ranges < 0 || ranges > 256) {
                packetsMalformed++;
                return;
              }
              int skip = 1 + 2 * (int) ranges + (type == 0x03 ? 3 : 0); // first range, gaps, ECN
              for (int j = 0; j < skip; j++) {
                if (p >= n || varint(f, p, n) < 0) {
                  packetsMalformed++;
                  return;
                }
                p += varintLen(f[p]);
              }
            } else {
              if (varint(f, p, n) < 0) {
                packetsMalformed++;
                return;
              }
              p += varintLen(f[p]);
            }
          }
          break;
        }
        case 0x06: { // CRYPTO
          p++;
          long offset = p < n ? varint(f, p, n) : -1;
          if (offset < 0) {
            packetsMalformed++;
            return;
          }
          p += varintLen(f[p]);
          long len = p < n ? varint(f, p, n) : -1;
          if (len < 0) {
            packetsMalformed++;
            return;
          }
          p += varintLen(f[p]);
          if (len > n - p) {
            packetsMalformed++;
            return;
          }
          c.add(offset, f, p, (int) len);
          p += (int) len;
          break;
        }
        case 0x1c: // CONNECTION_CLOSE: the rest is its reason
        case 0x1d:
          return;
        default:
          packetsMalformed++; // no other frame is allowed in an Initial packet
          return;
      }
    }
  }

  // ------------------------------------------------------------------ CRYPTO stream per direction

  /** One direction's CRYPTO stream: bytes held by offset, handed over in order. */
  private final class Crypto {
    final boolean client;
    byte[] buf;
    /** Held ranges [start, end), sorted, disjoint, all past {@link #delivered}. */
    long[] starts = new long[4];
    long[] ends = new long[4];
    int ranges;
    long delivered;
    /** A TLS record header for the bytes handed over (type 22, version 3.3, length). */
    final byte[] record = new byte[5 + 16384];

    Crypto(boolean client) {
      this.client = client;
    }

    void add(long offset, byte[] f, int p, int len) {
      long s = offset;
      long e = offset + len;
      if (e <= delivered || len == 0) {
        return; // a retransmission
      }
      if (e > MAX_CRYPTO) {
        cryptoBytesDropped += e - Math.max(s, MAX_CRYPTO);
        e = MAX_CRYPTO;
        if (e <= s) {
          return;
        }
      }
      if (s < delivered) {
        p += (int) (delivered - s);
        s = delivered;
      }
      if (buf == null) {
        buf = new byte[4096];
      }
      if (buf.length < e) {
        buf = Arrays.copyOf(buf, (int) Math.min(MAX_CRYPTO, Math.max(e, buf.length * 2L)));
      }
      System.arraycopy(f, p, buf, (int) s, (int) (e - s));
      insert(s, e);
      if (ranges > 0 && starts[0] == delivered) {
        long upTo = ends[0];
        deliver((int) delivered, (int) (upTo - delivered));
        delivered = upTo;
        System.arraycopy(starts, 1, starts, 0, ranges - 1);
        System.arraycopy(ends, 1, ends, 0, ranges - 1);
        ranges--;
      }
    }

    private void insert(long s, long e) {
      int i = 0;
      while (i < ranges && ends[i] < s) {
        i++;
      }
      int j = i;
      while (j < ranges && starts[j] <= e) {
        s = Math.min(s, starts[j]);
        e = Math.max(e, ends[j]);
        j++;
      }
      int removed = j - i;
      if (removed == 0) {
        if (ranges == starts.length) {
          starts = Arrays.copyOf(starts, ranges * 2);
          ends = Arrays.copyOf(ends, ranges * 2);
        }
        System.arraycopy(starts, i, starts, i + 1, ranges - i);
        System.arraycopy(ends, i, ends, i + 1, ranges - i);
        ranges++;
      } else if (removed > 1) {
        System.arraycopy(starts, j, starts, i + 1, ranges - j);
        System.arraycopy(ends, j, ends, i + 1, ranges - j);
        ranges -= removed - 1;
      }
      starts[i] = s;
      ends[i] = e;
    }

    /** Hands {@code buf[at, at+n)} to the TLS parser as handshake records. */
    private void deliver(int at, int n) {
      boolean fromOrig = client == clientIsOrig;
      while (n > 0) {
        int k = Math.min(n, 16384);
        record[0] = 22;
        record[1] = 3;
        record[2] = 3;
        record[3] = (byte) (k >> 8);
        record[4] = (byte) k;
        System.arraycopy(buf, at, record, 5, k);
        tls.feed(fromOrig, record, 0, 5 + k);
        at += k;
        n -= k;
      }
    }
  }

  // ------------------------------------------------------------------ keys (RFC 9001 5.2, RFC 9369 3.3)

  /** AES-128-GCM key, IV and header protection key of one direction. */
  static final class Keys {
    final byte[] key;
    final byte[] iv;
    final byte[] hp;

    Keys(byte[] key, byte[] iv, byte[] hp) {
      this.key = key;
      this.iv = iv;
      this.hp = hp;
    }
  }

  private Keys derive(int v, byte[] dcid, boolean server) {
    return initialKeys(crypto, v, dcid, server);
  }

  /** The Initial keys of one side for a client's first DCID (RFC 9001 5.2); null if the JDK failed. */
  static Keys initialKeys(QuicCrypto crypto, int v, byte[] dcid, boolean server) {
    byte[] salt = salt(v);
    byte[] initial = crypto.hkdfExtract(salt, dcid);
    if (initial == null) {
      return null;
    }
    byte[] secret = crypto.expandLabel(initial, server ? "server in" : "client in", 32);
    boolean v2 = v == V2;
    byte[] key = crypto.expandLabel(secret, v2 ? "quicv2 key" : "quic key", 16);
    byte[] iv = crypto.expandLabel(secret, v2 ? "quicv2 iv" : "quic iv", 12);
    byte[] hp = crypto.expandLabel(secret, v2 ? "quicv2 hp" : "quic hp", 16);
    if (secret == null || key == null || iv == null || hp == null) {
      return null;
    }
    return new Keys(key, iv, hp);
  }

  static boolean known(int v) {
    return v == V1 || v == V2 || (v >= 0xff000017 && v <= 0xff000022);
  }

  private static byte[] salt(int v) {
    if (v == V1) {
      return SALT_V1;
    }
    if (v == V2) {
      return SALT_V2;
    }
    return (v & 0xff) >= 29 ? SALT_D29 : SALT_D23;
  }

  /** Long-header type of Initial: 0 in v1 and the drafts, 1 in v2. */
  static int initialType(int v) {
    return v == V2 ? 1 : 0;
  }

  private static int retryType(int v) {
    return v == V2 ? 0 : 3;
  }

  // ------------------------------------------------------------------ encoding

  /** A variable-length integer (RFC 9000 16) at {@code b[p]}, or -1 if it runs past {@code end}. */
  static long varint(byte[] b, int p, int end) {
    if (p >= end) {
      return -1;
    }
    int n = varintLen(b[p]);
    if (p + n > end) {
      return -1;
    }
    long v = b[p] & 0x3f;
    for (int i = 1; i < n; i++) {
      v = (v << 8) | (b[p + i] & 0xff);
    }
    return v;
  }

  static int varintLen(byte first) {
    return 1 << ((first & 0xff) >> 6);
  }

  static int u32(byte[] b, int i) {
    return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
  }

  static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
