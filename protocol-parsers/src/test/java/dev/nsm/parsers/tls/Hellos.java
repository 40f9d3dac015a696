package dev.nsm.parsers.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: builds TLS bytes by the RFC layouts (hello bodies, handshake messages, records), so
 * tests state what is on the wire field by field.
 */
final class Hellos {
  private Hellos() {}

  /** A ClientHello or ServerHello body. */
  static final class Builder {
    private int version = 0x0303;
    private byte[] random = fill(32, 0x11);
    private byte[] sessionId = new byte[0];
    private final List<Integer> ciphers = new ArrayList<>();
    private int[] compression = {0};
    private final ByteArrayOutputStream exts = new ByteArrayOutputStream();
    private boolean noExtensionBlock;

    Builder version(int v) {
      version = v;
      return this;
    }

    Builder random(byte[] r) {
      random = r;
      return this;
    }

    Builder sessionId(byte[] id) {
      sessionId = id;
      return this;
    }

    Builder cipher(int c) {
      ciphers.add(c);
      return this;
    }

    Builder ciphers(int... cs) {
      for (int c : cs) {
        ciphers.add(c);
      }
      return this;
    }

    Builder compression(int... c) {
      compression = c;
      return this;
    }

    Builder noExtensionBlock() {
      noExtensionBlock = true;
      return this;
    }

    Builder extension(int type, byte[] data) {
      u16(exts, type);
      u16(exts, data.length);
      exts.writeBytes(data);
      return this;
    }

    Builder sni(String... names) {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      for (String n : names) {
        byte[] b = n.getBytes(StandardCharsets.ISO_8859_1);
        list.write(0);
        u16(list, b.length);
        list.writeBytes(b);
      }
      return extension(0, withU16Length(list.toByteArray()));
    }

    Builder alpn(String... protos) {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      for (String p : protos) {
        byte[] b = p.getBytes(StandardCharsets.ISO_8859_1);
        list.write(b.length);
        list.writeBytes(b);
      }
      return extension(16, withU16Length(list.toByteArray()));
    }

    /** A ServerHello's ALPN: one protocol. */
    Builder alpnChosen(String p) {
      return alpn(p);
    }

    Builder u16ListExtension(int type, int... values) {
      ByteArrayOutputStream v = new ByteArrayOutputStream();
      for (int x : values) {
        u16(v, x);
      }
      return extension(type, withU16Length(v.toByteArray()));
    }

    Builder supportedGroups(int... groups) {
      return u16ListExtension(10, groups);
    }

    Builder ecPointFormats(int... formats) {
      ByteArrayOutputStream v = new ByteArrayOutputStream();
      v.write(formats.length);
      for (int f : formats) {
        v.write(f);
      }
      return extension(11, v.toByteArray());
    }

    Builder supportedVersions(int... versions) {
      ByteArrayOutputStream v = new ByteArrayOutputStream();
      v.write(versions.length * 2);
      for (int x : versions) {
        u16(v, x);
      }
      return extension(43, v.toByteArray());
    }

    /** A ServerHello's supported_versions: the one version selected. */
    Builder selectedVersion(int v) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, v);
      return extension(43, o.toByteArray());
    }

    /** ClientHello key_share: an entry of 32 key bytes per group. */
    Builder keyShares(int... groups) {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      for (int g : groups) {
        u16(list, g);
        u16(list, 32);
        list.writeBytes(fill(32, 0x42));
      }
      return extension(51, withU16Length(list.toByteArray()));
    }

    /** ServerHello key_share: one entry. */
    Builder keyShare(int group) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, group);
      u16(o, 32);
      o.writeBytes(fill(32, 0x43));
      return extension(51, o.toByteArray());
    }

    /** HelloRetryRequest key_share: the selected group only. */
    Builder keyShareSelected(int group) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, group);
      return extension(51, o.toByteArray());
    }

    /** ClientHello pre_shared_key with one identity and one binder. */
    Builder preSharedKey() {
      ByteArrayOutputStream ids = new ByteArrayOutputStream();
      u16(ids, 8);
      ids.writeBytes(fill(8, 0x55));
      ids.writeBytes(new byte[] {0, 0, 0, 1});
      ByteArrayOutputStream binders = new ByteArrayOutputStream();
      binders.write(32);
      binders.writeBytes(fill(32, 0x66));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(withU16Length(ids.toByteArray()));
      all.writeBytes(withU16Length(binders.toByteArray()));
      return extension(41, all.toByteArray());
    }

    /** ServerHello pre_shared_key: the selected identity. */
    Builder pskSelected(int identity) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, identity);
      return extension(41, o.toByteArray());
    }

    byte[] clientHelloBody() {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, version);
      o.writeBytes(random);
      o.write(sessionId.length);
      o.writeBytes(sessionId);
      u16(o, ciphers.size() * 2);
      for (int c : ciphers) {
        u16(o, c);
      }
      o.write(compression.length);
      for (int c : compression) {
        o.write(c);
      }
      extensionBlock(o);
      return o.toByteArray();
    }

    byte[] serverHelloBody() {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      u16(o, version);
      o.writeBytes(random);
      o.write(sessionId.length);
      o.writeBytes(sessionId);
      u16(o, ciphers.isEmpty() ? 0 : ciphers.get(0));
      o.write(compression.length == 0 ? 0 : compression[0]);
      extensionBlock(o);
      return o.toByteArray();
    }

    private void extensionBlock(ByteArrayOutputStream o) {
      if (!noExtensionBlock) {
        u16(o, exts.size());
        o.writeBytes(exts.toByteArray());
      }
    }
  }

  static byte[] fill(int n, int v) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }

  static void u16(ByteArrayOutputStream o, int v) {
    o.write(v >> 8);
    o.write(v);
  }

  static byte[] withU16Length(byte[] b) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    u16(o, b.length);
    o.writeBytes(b);
    return o.toByteArray();
  }

  /** Handshake message: type (1) | length (3) | body. */
  static byte[] handshake(int type, byte[] body) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(type);
    o.write(body.length >> 16);
    o.write(body.length >> 8);
    o.write(body.length);
    o.writeBytes(body);
    return o.toByteArray();
  }

  /** One record: type (1) | version (2) | length (2) | fragment. */
  static byte[] record(int type, int version, byte[] fragment) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(type);
    u16(o, version);
    u16(o, fragment.length);
    o.writeBytes(fragment);
    return o.toByteArray();
  }

  /** {@code payload} fragmented into records of at most {@code max} bytes each. */
  static byte[] records(int type, int version, byte[] payload, int max) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (int i = 0; i < payload.length; i += max) {
      o.writeBytes(record(type, version, java.util.Arrays.copyOfRange(payload, i, Math.min(payload.length, i + max))));
    }
    return o.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  /** Certificate message body (TLS 1.2): list length (3) | { length (3) | DER }*. */
  static byte[] certificateBody(byte[]... ders) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (byte[] d : ders) {
      list.write(d.length >> 16);
      list.write(d.length >> 8);
      list.write(d.length);
      list.writeBytes(d);
    }
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int n = list.size();
    o.write(n >> 16);
    o.write(n >> 8);
    o.write(n);
    o.writeBytes(list.toByteArray());
    return o.toByteArray();
  }

  static byte[] hex(String s) {
    s = s.replaceAll("\\s+", "");
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }
}
