package dev.nsm.parsers.tls;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed certificates by their DER bytes, least recently used first out: servers send the same chain
 * on every handshake, and parsing one (the JDK's X.509 parser, then SHA-256 and SHA-1 of the DER)
 * costs tens of microseconds, a lookup a hash of the bytes and one comparison. A {@link TlsCertificate}
 * is not changed after {@link TlsCertificate#of}, so one instance serves every connection.
 *
 * <p>One per owner thread (a flow worker shares one among its connections' parsers); not thread
 * safe. Bounded by {@link #capacity} entries; hits, misses and evictions are counted.
 */
public final class TlsCertificateCache {
  /** Default entries: a few hundred distinct chains seen again and again, ~2 kB of DER each. */
  public static final int DEFAULT_CAPACITY = 512;

  /** A DER range, compared by content; the hash is computed once. */
  private static final class Key {
    final byte[] b;
    final int off;
    final int len;
    final int hash;

    Key(byte[] b, int off, int len) {
      this.b = b;
      this.off = off;
      this.len = len;
      int h = 1;
      for (int i = off; i < off + len; i++) {
        h = 31 * h + b[i];
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return k.hash == hash && Arrays.equals(b, off, off + len, k.b, k.off, k.off + k.len);
    }
  }

  private final int capacity;
  private final LinkedHashMap<Key, TlsCertificate> map;
  private long hits;
  private long misses;
  private long evictions;

  public TlsCertificateCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("certificate cache capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
    this.map = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, TlsCertificate> eldest) {
        if (size() > TlsCertificateCache.this.capacity) {
          evictions++;
          return true;
        }
        return false;
      }
    };
  }

  /**
   * The certificate whose DER is {@code b[off, off+len)}: the cached one, or a copy of the bytes
   * parsed by {@link TlsCertificate#of} and cached. Never throws.
   */
  public TlsCertificate get(byte[] b, int off, int len) {
    TlsCertificate c = map.get(new Key(b, off, len));
    if (c != null) {
      hits++;
      return c;
    }
    misses++;
    byte[] der = Arrays.copyOfRange(b, off, off + len);
    c = TlsCertificate.of(der);
    map.put(new Key(der, 0, der.length), c);
    return c;
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return map.size();
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }

  public long evictions() {
    return evictions;
  }
}
