package dev.nsm.parsers.quic;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK ciphers QUIC Initial packets need (HKDF-SHA256, AES-128-ECB for header protection,
 * AES-128-GCM for the payload), made once per thread and reused: one instance per flow worker.
 * Methods return null or -1 instead of throwing.
 */
public final class QuicCrypto {
  private final Mac hmac;
  private final Cipher ecb;
  private final Cipher gcm;
  private final byte[] mask = new byte[16];
  private final byte[] nonce = new byte[12];

  public QuicCrypto() {
    try {
      hmac = Mac.getInstance("HmacSHA256");
      ecb = Cipher.getInstance("AES/ECB/NoPadding");
      gcm = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256, AES/ECB and AES/GCM are required of every JDK", e);
    }
  }

  /** HKDF-Extract (RFC 5869) with SHA-256. */
  byte[] hkdfExtract(byte[] salt, byte[] ikm) {
    try {
      hmac.init(new SecretKeySpec(salt, "HmacSHA256"));
      return hmac.doFinal(ikm);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /** TLS 1.3's HKDF-Expand-Label (RFC 8446 7.1) with an empty context, at most 32 bytes. */
  byte[] expandLabel(byte[] secret, String label, int length) {
    if (secret == null) {
      return null;
    }
    byte[] l = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
    byte[] info = new byte[2 + 1 + l.length + 1];
    info[0] = (byte) (length >> 8);
    info[1] = (byte) length;
    info[2] = (byte) l.length;
    System.arraycopy(l, 0, info, 3, l.length);
    info[3 + l.length] = 0;
    try {
      hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
      hmac.update(info);
      hmac.update((byte) 1);
      byte[] t = hmac.doFinal();
      return java.util.Arrays.copyOf(t, length);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /** AES-ECB of the 16-byte sample at {@code b[at]} under {@code hp}: the header protection mask. */
  byte[] headerMask(byte[] hp, byte[] b, int at) {
    try {
      ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hp, "AES"));
      ecb.doFinal(b, at, 16, mask, 0);
      return mask;
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /**
   * AES-128-GCM open of {@code ct[at, at+len)} (tag included) with nonce {@code iv ^ pn} and
   * {@code aad[0, aadLen)} into {@code out}; the plaintext length, or -1 if it does not authenticate.
   */
  int open(byte[] key, byte[] iv, long pn, byte[] aad, int aadLen, byte[] ct, int at, int len, byte[] out) {
    System.arraycopy(iv, 0, nonce, 0, 12);
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] ^= (byte) (pn >>> (8 * i));
    }
    try {
      gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      gcm.updateAAD(aad, 0, aadLen);
      return gcm.doFinal(ct, at, len, out, 0);
    } catch (GeneralSecurityException | IllegalStateException e) {
      return -1; // a packet that does not authenticate (not ours to read, or damaged)
    }
  }
}
