package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.TlsBytes.u16;
import static dev.nsm.parsers.tls.TlsBytes.u24;
import static dev.nsm.parsers.tls.TlsBytes.u8;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One ServerHello (or HelloRetryRequest, which is a ServerHello with a fixed random), parsed from the
 * handshake message body, or an SSLv2 SERVER-HELLO.
 *
 * <pre>
 * ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3):
 * +---------+--------+---------+------------+--------+------+-----+--------------------------+
 * | version | random | sid len | session id | cipher | comp | len | extensions               |
 * |   (2)   |  (32)  |   (1)   |  (0..32)   |  (2)   | (1)  | (2) | type (2) len (2) data    |
 * +---------+--------+---------+------------+--------+------+-----+--------------------------+
 *   TLS 1.3 drafts (version 0x7fXX, or 0x0304 in the version field) had no session id and no
 *   compression method: version | random | cipher | extensions.
 * </pre>
 */
public final class ServerHello {
  /** RFC 8446 4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
  static final byte[] HRR_RANDOM = {
    (byte) 0xCF, 0x21, (byte) 0xAD, 0x74, (byte) 0xE5, (byte) 0x9A, 0x61, 0x11,
    (byte) 0xBE, 0x1D, (byte) 0x8C, 0x02, 0x1E, 0x65, (byte) 0xB8, (byte) 0x91,
    (byte) 0xC2, (byte) 0xA2, 0x11, 0x16, 0x7A, (byte) 0xBB, (byte) 0x8C, 0x5E,
    0x07, (byte) 0x9E, 0x09, (byte) 0xE2, (byte) 0xC8, (byte) 0xA8, 0x33, (byte) 0x9C
  };

  public boolean sslv2;
  /** Record layer version of the record the hello started in (0 for SSLv2). */
  public int recordVersion;
  /** legacy_version / server_version (0x0002 for SSLv2). */
  public int version;
  public byte[] random = TlsBytes.NO_BYTES;
  /** Session id echoed or assigned; empty in the TLS 1.3 draft format. */
  public byte[] sessionId = TlsBytes.NO_BYTES;
  public int cipher;
  public int compressionMethod;
  /** Extension types in wire order. */
  public int[] extensions = TlsBytes.EMPTY;
  /** supported_versions' selected version, 0 if absent. */
  public int supportedVersion;
  /** key_share's group (or a HelloRetryRequest's selected group), -1 if absent. */
  public int keyShareGroup = -1;
  /** ALPN protocol chosen, null if absent. */
  public String alpn;
  /** pre_shared_key: the selected identity, -1 if absent. */
  public int pskSelectedIdentity = -1;
  /** The random is the HelloRetryRequest value. */
  public boolean helloRetryRequest;
  public boolean extensionsMalformed;

  /** The version chosen: supported_versions if present, else the version field. */
  public int selectedVersion() {
    return supportedVersion != 0 ? supportedVersion : version;
  }

  public boolean hasExtension(int type) {
    for (int e : extensions) {
      if (e == type) {
        return true;
      }
    }
    return false;
  }

  /** Parses a ServerHello body; null if the fixed fields overrun it. */
  public static ServerHello parse(byte[] b, int off, int len) {
    int end = off + len;
    if (len < 2 + 32 + 2) {
      return null;
    }
    ServerHello h = new ServerHello();
    h.version = u16(b, off);
    h.random = Arrays.copyOfRange(b, off + 2, off + 34);
    h.helloRetryRequest = Arrays.equals(h.random, HRR_RANDOM);
    int p = off + 34;
    boolean draft13 = h.version == 0x0304 || (h.version >> 8) == 0x7f;
    if (draft13) {
      h.cipher = u16(b, p);
      p += 2;
    } else {
      int sidLen = u8(b, p++);
      if (p + sidLen + 3 > end) {
        return null;
      }
      h.sessionId = Arrays.copyOfRange(b, p, p + sidLen);
      p += sidLen;
      h.cipher = u16(b, p);
      h.compressionMethod = u8(b, p + 2);
      p += 3;
    }
    if (p + 2 <= end) {
      int extLen = u16(b, p);
      p += 2;
      int extEnd = p + extLen;
      if (extEnd > end) {
        h.extensionsMalformed = true;
        extEnd = end;
      }
      h.parseExtensions(b, p, extEnd);
    } else if (p != end) {
      h.extensionsMalformed = true;
    }
    return h;
  }

  /**
   * Parses an SSLv2 SERVER-HELLO body: the bytes after the 2-byte record header, the message type
   * (4), session-id-hit (1) and certificate type (1). The certificate, if any, goes to {@code certOut[0]}.
   *
   * <pre>
   * | server version (2) | cert len (2) | cipher specs len (2) | conn id len (2) | cert | specs (3 each) | conn id |
   * </pre>
   */
  static ServerHello parseV2(byte[] b, int off, int len, byte[][] certOut) {
    if (len < 8) {
      return null;
    }
    int certLen = u16(b, off + 2);
    int csLen = u16(b, off + 4);
    int connLen = u16(b, off + 6);
    if ((long) certLen + csLen + connLen > len - 8) {
      return null;
    }
    ServerHello h = new ServerHello();
    h.sslv2 = true;
    h.version = u16(b, off);
    int p = off + 8;
    certOut[0] = Arrays.copyOfRange(b, p, p + certLen);
    p += certLen;
    h.cipher = csLen >= 3 ? u24(b, p) : 0;
    p += csLen;
    h.random = Arrays.copyOfRange(b, p, p + connLen); // the connection id plays the random's part
    return h;
  }

  private void parseExtensions(byte[] b, int p, int end) {
    TlsBytes.IntList types = new TlsBytes.IntList();
    while (p < end) {
      if (p + 4 > end) {
        extensionsMalformed = true;
        break;
      }
      int type = u16(b, p);
      int len = u16(b, p + 2);
      p += 4;
      if (p + len > end) {
        extensionsMalformed = true;
        types.add(type);
        break;
      }
      types.add(type);
      if (!extension(type, b, p, len)) {
        extensionsMalformed = true;
      }
      p += len;
    }
    extensions = types.toArray();
  }

  private boolean extension(int type, byte[] b, int p, int len) {
    int end = p + len;
    switch (type) {
      case ClientHello.EXT_SUPPORTED_VERSIONS:
        if (len < 2) {
          return false;
        }
        supportedVersion = u16(b, p);
        return true;
      case ClientHello.EXT_KEY_SHARE:
      case ClientHello.EXT_KEY_SHARE_OLD:
        // ServerHello: group (2) | len (2) | key; HelloRetryRequest: group (2) only (Zeek tells them
        // apart by the extension length, so does this)
        if (len < 2) {
          return false;
        }
        keyShareGroup = u16(b, p);
        return len == 2 || (len >= 4 && p + 4 + u16(b, p + 2) <= end);
      case ClientHello.EXT_ALPN: {
        // list len (2) | len (1) | name  (exactly one name in a ServerHello)
        if (len < 3 || p + 2 + u16(b, p) > end) {
          return false;
        }
        int nl = u8(b, p + 2);
        if (p + 3 + nl > end) {
          return false;
        }
        alpn = new String(b, p + 3, nl, StandardCharsets.ISO_8859_1);
        return true;
      }
      case ClientHello.EXT_PRE_SHARED_KEY:
        if (len < 2) {
          return false;
        }
        pskSelectedIdentity = u16(b, p);
        return true;
      default:
        return true;
    }
  }

  // ------------------------------------------------------------------------- fingerprints

  /**
   * JA3S string as tshark's {@code tls.handshake.ja3s_full}: {@code version,cipher,extensions}
   * (decimal, extensions '-' separated, GREASE removed). Null for SSLv2.
   */
  public String ja3sString() {
    if (sslv2) {
      return null;
    }
    StringBuilder sb = new StringBuilder(64);
    sb.append(version).append(',').append(cipher).append(',');
    ClientHello.joinDecimal(sb, extensions, true);
    return sb.toString();
  }

  /** JA3S: MD5 of {@link #ja3sString()}; null for SSLv2. */
  public String ja3s() {
    String s = ja3sString();
    return s == null ? null : TlsFingerprints.md5Hex(s);
  }
}
