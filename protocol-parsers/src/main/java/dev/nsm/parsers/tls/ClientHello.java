package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.TlsBytes.isGrease;
import static dev.nsm.parsers.tls.TlsBytes.u16;
import static dev.nsm.parsers.tls.TlsBytes.u24;
import static dev.nsm.parsers.tls.TlsBytes.u8;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One ClientHello, parsed from the handshake message body (after the 4-byte handshake header), or
 * from an SSLv2-compatible CLIENT-HELLO record. Lists keep wire order and GREASE values; the
 * fingerprints drop GREASE. Extensions absent from the hello give empty lists.
 *
 * <pre>
 * ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2):
 * +---------+--------+--------+------------+-----+---------+-----+-------+-----+----------------------+
 * | version | random | sid len| session id | len | ciphers | len | comp  | len | extensions           |
 * |   (2)   |  (32)  |  (1)   |  (0..32)   | (2) | (2 each)| (1) | (1 ea)| (2) | type(2) len(2) data  |
 * +---------+--------+--------+------------+-----+---------+-----+-------+-----+----------------------+
 *   DTLS (version 0xfeff/0xfefd) puts cookie len (1) + cookie after the session id.
 * </pre>
 */
public final class ClientHello {
  /** Extension code points this class reads. */
  static final int EXT_SERVER_NAME = 0;
  static final int EXT_SUPPORTED_GROUPS = 10;
  static final int EXT_EC_POINT_FORMATS = 11;
  static final int EXT_SIGNATURE_ALGORITHMS = 13;
  static final int EXT_ALPN = 16;
  static final int EXT_SESSION_TICKET = 35;
  static final int EXT_KEY_SHARE_OLD = 40;
  static final int EXT_PRE_SHARED_KEY = 41;
  static final int EXT_SUPPORTED_VERSIONS = 43;
  static final int EXT_PSK_KEY_EXCHANGE_MODES = 45;
  static final int EXT_KEY_SHARE = 51;
  static final int EXT_QUIC_TRANSPORT_PARAMETERS = 57;

  /** SSLv2-compatible CLIENT-HELLO (ciphers are 3-byte CIPHER-SPECs; no extensions). */
  public boolean sslv2;
  /** Record layer version of the record the hello started in (0 for SSLv2). */
  public int recordVersion;
  /** legacy_version / client_version. */
  public int version;
  /** 32 bytes (SSLv2: the challenge, 16 to 32 bytes). */
  public byte[] random = TlsBytes.NO_BYTES;
  public byte[] sessionId = TlsBytes.NO_BYTES;
  public int[] ciphers = TlsBytes.EMPTY;
  public int[] compressionMethods = TlsBytes.EMPTY;
  /** Extension types in wire order, GREASE included. */
  public int[] extensions = TlsBytes.EMPTY;
  /** host_name entries of server_name, in order. */
  public List<String> serverNames = Collections.emptyList();
  /** ALPN protocol names, in order (bytes as ISO-8859-1 chars, so none is lost). */
  public List<String> alpn = Collections.emptyList();
  public int[] supportedVersions = TlsBytes.EMPTY;
  public int[] supportedGroups = TlsBytes.EMPTY;
  public int[] ecPointFormats = TlsBytes.EMPTY;
  public int[] signatureAlgorithms = TlsBytes.EMPTY;
  /** Groups of the key_share entries (TLS 1.3), in order. */
  public int[] keyShareGroups = TlsBytes.EMPTY;
  public int[] pskKeyExchangeModes = TlsBytes.EMPTY;
  /** session_ticket extension present; its length (0 = asking for a ticket, > 0 = resuming). */
  public boolean sessionTicket;
  public int sessionTicketLength;
  /** pre_shared_key extension present (TLS 1.3 resumption offer) and its identity count. */
  public boolean preSharedKey;
  public int pskIdentities;
  /** Some extension's inner lengths lied, or the extension block overran the message. */
  public boolean extensionsMalformed;

  /** The first host_name of server_name, or null. */
  public String serverName() {
    return serverNames.isEmpty() ? null : serverNames.get(0);
  }

  public boolean hasExtension(int type) {
    for (int e : extensions) {
      if (e == type) {
        return true;
      }
    }
    return false;
  }

  /**
   * Highest non-GREASE version offered: the largest of supported_versions if present, else
   * legacy_version.
   */
  public int maxVersion() {
    int max = -1;
    for (int v : supportedVersions) {
      if (!isGrease(v) && v > max) {
        max = v;
      }
    }
    return max >= 0 ? max : version;
  }

  // ------------------------------------------------------------------------- parsing

  /**
   * Parses a ClientHello body {@code b[off, off+len)}. Returns null if the fixed fields (up to the
   * compression methods) overrun the message; a broken extension block sets {@link
   * #extensionsMalformed} and keeps what parsed before it.
   */
  public static ClientHello parse(byte[] b, int off, int len) {
    int end = off + len;
    int p = off;
    if (len < 2 + 32 + 1) {
      return null;
    }
    ClientHello h = new ClientHello();
    h.version = u16(b, p);
    h.random = Arrays.copyOfRange(b, p + 2, p + 34);
    p += 34;
    int sidLen = u8(b, p++);
    if (p + sidLen > end) {
      return null;
    }
    h.sessionId = Arrays.copyOfRange(b, p, p + sidLen);
    p += sidLen;
    if (h.version == 0xfeff || h.version == 0xfefd) { // DTLS cookie
      if (p >= end || p + 1 + u8(b, p) > end) {
        return null;
      }
      p += 1 + u8(b, p);
    }
    if (p + 2 > end) {
      return null;
    }
    int csLen = u16(b, p);
    p += 2;
    if (p + csLen > end) {
      return null;
    }
    int[] cs = new int[csLen / 2];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = u16(b, p + 2 * i);
    }
    h.ciphers = cs;
    p += csLen;
    if (p + 1 > end) {
      return null;
    }
    int cmLen = u8(b, p++);
    if (p + cmLen > end) {
      return null;
    }
    int[] cm = new int[cmLen];
    for (int i = 0; i < cmLen; i++) {
      cm[i] = u8(b, p + i);
    }
    h.compressionMethods = cm;
    p += cmLen;
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
      h.extensionsMalformed = true; // one stray byte where the extension length belongs
    }
    return h;
  }

  /**
   * Parses an SSLv2 CLIENT-HELLO body: the bytes after the 2-byte record header, the message type
   * (1) and the 2-byte version, which is passed in.
   *
   * <pre>
   * | cipher specs len (2) | session id len (2) | challenge len (2) | specs (3 each) | session id | challenge |
   * </pre>
   */
  public static ClientHello parseV2(int version, byte[] b, int off, int len) {
    if (len < 6) {
      return null;
    }
    int csLen = u16(b, off);
    int sidLen = u16(b, off + 2);
    int chLen = u16(b, off + 4);
    int p = off + 6;
    if ((long) csLen + sidLen + chLen > len - 6) {
      return null;
    }
    ClientHello h = new ClientHello();
    h.sslv2 = true;
    h.version = version;
    int[] cs = new int[csLen / 3];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = u24(b, p + 3 * i);
    }
    h.ciphers = cs;
    p += csLen;
    h.sessionId = Arrays.copyOfRange(b, p, p + sidLen);
    p += sidLen;
    h.random = Arrays.copyOfRange(b, p, p + chLen);
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
        types.add(type); // it is on the wire; fingerprints count it as tshark does
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

  /** Reads one extension's data; false if its inner lengths overrun it. */
  private boolean extension(int type, byte[] b, int p, int len) {
    int end = p + len;
    switch (type) {
      case EXT_SERVER_NAME: {
        // list len (2) | { name type (1) | len (2) | name }*
        if (len < 2 || p + 2 + u16(b, p) > end) {
          return len == 0; // empty server_name is legal in a ServerHello, harmless here
        }
        int q = p + 2;
        int listEnd = q + u16(b, p);
        List<String> names = new ArrayList<>(1);
        while (q < listEnd) {
          if (q + 3 > listEnd) {
            return false;
          }
          int nt = u8(b, q);
          int nl = u16(b, q + 1);
          q += 3;
          if (q + nl > listEnd) {
            return false;
          }
          if (nt == 0) {
            names.add(new String(b, q, nl, StandardCharsets.ISO_8859_1));
          }
          q += nl;
        }
        serverNames = names;
        return true;
      }
      case EXT_ALPN: {
        // list len (2) | { len (1) | name }*
        if (len < 2 || p + 2 + u16(b, p) > end) {
          return false;
        }
        int q = p + 2;
        int listEnd = q + u16(b, p);
        List<String> protos = new ArrayList<>(2);
        while (q < listEnd) {
          int nl = u8(b, q++);
          if (q + nl > listEnd) {
            return false;
          }
          protos.add(new String(b, q, nl, StandardCharsets.ISO_8859_1));
          q += nl;
        }
        alpn = protos;
        return true;
      }
      case EXT_SUPPORTED_GROUPS: {
        int[] v = u16List(b, p, end);
        if (v == null) {
          return false;
        }
        supportedGroups = v;
        return true;
      }
      case EXT_SIGNATURE_ALGORITHMS: {
        int[] v = u16List(b, p, end);
        if (v == null) {
          return false;
        }
        signatureAlgorithms = v;
        return true;
      }
      case EXT_EC_POINT_FORMATS: {
        int[] v = u8List(b, p, end);
        if (v == null) {
          return false;
        }
        ecPointFormats = v;
        return true;
      }
      case EXT_PSK_KEY_EXCHANGE_MODES: {
        int[] v = u8List(b, p, end);
        if (v == null) {
          return false;
        }
        pskKeyExchangeModes = v;
        return true;
      }
      case EXT_SUPPORTED_VERSIONS: {
        // len (1) | versions (2 each)
        if (len < 1 || p + 1 + u8(b, p) > end) {
          return false;
        }
        int n = u8(b, p) / 2;
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = u16(b, p + 1 + 2 * i);
        }
        supportedVersions = v;
        return true;
      }
      case EXT_KEY_SHARE:
      case EXT_KEY_SHARE_OLD: {
        // list len (2) | { group (2) | len (2) | key }*
        if (len < 2 || p + 2 + u16(b, p) > end) {
          return false;
        }
        int q = p + 2;
        int listEnd = q + u16(b, p);
        TlsBytes.IntList groups = new TlsBytes.IntList();
        while (q < listEnd) {
          if (q + 4 > listEnd || q + 4 + u16(b, q + 2) > listEnd) {
            keyShareGroups = groups.toArray();
            return false;
          }
          groups.add(u16(b, q));
          q += 4 + u16(b, q + 2);
        }
        keyShareGroups = groups.toArray();
        return true;
      }
      case EXT_SESSION_TICKET:
        sessionTicket = true;
        sessionTicketLength = len;
        return true;
      case EXT_PRE_SHARED_KEY: {
        // identities len (2) | { len (2) | identity | obfuscated age (4) }* | binders len (2) | ...
        preSharedKey = true;
        if (len < 2 || p + 2 + u16(b, p) > end) {
          return false;
        }
        int q = p + 2;
        int idEnd = q + u16(b, p);
        int n = 0;
        while (q < idEnd) {
          if (q + 2 > idEnd || q + 2 + u16(b, q) + 4 > idEnd) {
            pskIdentities = n;
            return false;
          }
          q += 2 + u16(b, q) + 4;
          n++;
        }
        pskIdentities = n;
        return true;
      }
      default:
        return true;
    }
  }

  /** len (2) | u16 values; null if the length overruns or is odd. */
  static int[] u16List(byte[] b, int p, int end) {
    if (p + 2 > end) {
      return null;
    }
    int n = u16(b, p);
    if (p + 2 + n > end || (n & 1) != 0) {
      return null;
    }
    int[] v = new int[n / 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = u16(b, p + 2 + 2 * i);
    }
    return v;
  }

  /** len (1) | u8 values; null if the length overruns. */
  static int[] u8List(byte[] b, int p, int end) {
    if (p + 1 > end) {
      return null;
    }
    int n = u8(b, p);
    if (p + 1 + n > end) {
      return null;
    }
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = u8(b, p + 1 + i);
    }
    return v;
  }

  // ------------------------------------------------------------------------- fingerprints

  /**
   * JA3 string as tshark's {@code tls.handshake.ja3_full}: {@code version,ciphers,extensions,groups,
   * point formats}, decimal, '-' separated, GREASE removed from ciphers, extensions and groups.
   * Null for an SSLv2 hello (tshark computes none).
   */
  public String ja3String() {
    if (sslv2) {
      return null;
    }
    StringBuilder sb = new StringBuilder(256);
    sb.append(version).append(',');
    joinDecimal(sb, ciphers, true);
    sb.append(',');
    joinDecimal(sb, extensions, true);
    sb.append(',');
    joinDecimal(sb, supportedGroups, true);
    sb.append(',');
    joinDecimal(sb, ecPointFormats, false);
    return sb.toString();
  }

  /** JA3: MD5 of {@link #ja3String()}, lower-case hex; null for SSLv2. */
  public String ja3() {
    String s = ja3String();
    return s == null ? null : TlsFingerprints.md5Hex(s);
  }

  /** JA4 of this hello as sent over TCP ({@code t}; {@code d} for a DTLS version). */
  public String ja4() {
    return TlsFingerprints.ja4(this, defaultJa4Transport(), false, false);
  }

  /**
   * JA4 with the transport letter given ({@code t} TCP, {@code q} QUIC, {@code d} DTLS); {@code raw}
   * writes the lists instead of their hashes (JA4_r), {@code original} keeps wire order and SNI/ALPN
   * in the extension list (JA4_o / JA4_ro).
   */
  public String ja4(char transport, boolean raw, boolean original) {
    return TlsFingerprints.ja4(this, transport, raw, original);
  }

  private char defaultJa4Transport() {
    if (version == 0xfeff || version == 0xfefd || version == 0xfefc) {
      return 'd';
    }
    return 't'; // QUIC callers pass 'q' themselves: the letter names the transport, not an extension
  }

  static void joinDecimal(StringBuilder sb, int[] v, boolean dropGrease) {
    boolean first = true;
    for (int x : v) {
      if (dropGrease && isGrease(x)) {
        continue;
      }
      if (!first) {
        sb.append('-');
      }
      sb.append(x);
      first = false;
    }
  }
}
