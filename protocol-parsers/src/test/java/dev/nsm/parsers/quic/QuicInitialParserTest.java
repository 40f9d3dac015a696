package dev.nsm.parsers.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.parsers.tls.TlsStreamParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * QUIC Initial packets: the key schedule against RFC 9001's Appendix A, and packets built here (a
 * ClientHello in CRYPTO frames, encrypted and header-protected with those keys) read back, in order,
 * out of order, coalesced with padding, damaged. The corpus captures (quic-*, ja4-quic) are checked
 * against tshark's JA3 and SNI by the sensor's fidelity run.
 */
class QuicInitialParserTest {
  private static final HexFormat HEX = HexFormat.of();
  /** RFC 9001 A.1: the client's Destination Connection ID. */
  private static final byte[] DCID = HEX.parseHex("8394c8f03e515708");

  @Test
  void initialKeysAreRfc9001AppendixA() {
    QuicCrypto c = new QuicCrypto();
    QuicInitialParser.Keys client = QuicInitialParser.initialKeys(c, QuicInitialParser.V1, DCID, false);
    assertEquals("1f369613dd76d5467730efcbe3b1a22d", HEX.formatHex(client.key));
    assertEquals("fa044b2f42a3fd3b46fb255c", HEX.formatHex(client.iv));
    assertEquals("9f50449e04a0e810283a1e9933adedd2", HEX.formatHex(client.hp));
    QuicInitialParser.Keys server = QuicInitialParser.initialKeys(c, QuicInitialParser.V1, DCID, true);
    assertEquals("cf3a5331653c364c88f0f379b6067e37", HEX.formatHex(server.key));
    assertEquals("0ac1493ca1905853b0bba03e", HEX.formatHex(server.iv));
    assertEquals("c206b8d9b9f0f37644430b490eeaa314", HEX.formatHex(server.hp));
  }

  @Test
  void headerProtectionMaskIsRfc9001AppendixA2() {
    QuicCrypto c = new QuicCrypto();
    QuicInitialParser.Keys client = QuicInitialParser.initialKeys(c, QuicInitialParser.V1, DCID, false);
    byte[] sample = HEX.parseHex("d1b1c98dd7689fb8ec11d242b123dc9b");
    byte[] mask = c.headerMask(client.hp, sample, 0);
    assertEquals("437b9aec36", HEX.formatHex(mask, 0, 5));
  }

  @Test
  void clientHelloInOneInitialPacket() throws Exception {
    byte[] hello = clientHello("quic.example.test");
    byte[] pkt = initial(DCID, 0, frame(0, hello), false);
    assertTrue(QuicInitialParser.probe(pkt, 0, pkt.length));
    TlsStreamParser tls = new TlsStreamParser();
    QuicInitialParser q = new QuicInitialParser(new QuicCrypto(), tls);
    q.datagram(true, pkt, 0, pkt.length);
    assertEquals(1, q.packetsDecrypted);
    assertNotNull(tls.session().clientHello());
    assertEquals("quic.example.test", tls.session().serverName());
    assertEquals(QuicInitialParser.V1, q.version());
    assertFalse(q.isDone(), "no ServerHello yet");
  }

  @Test
  void clientHelloInTwoPacketsOutOfOrder() throws Exception {
    byte[] hello = clientHello("split.example.test");
    int cut = 40;
    byte[] second = initial(DCID, 1, frame(cut, Arrays.copyOfRange(hello, cut, hello.length)), false);
    byte[] first = initial(DCID, 0, frame(0, Arrays.copyOfRange(hello, 0, cut)), false);
    TlsStreamParser tls = new TlsStreamParser();
    QuicInitialParser q = new QuicInitialParser(new QuicCrypto(), tls);
    q.datagram(true, second, 0, second.length);
    assertNull(tls.session().clientHello(), "held until the start arrives");
    q.datagram(true, first, 0, first.length);
    assertEquals("split.example.test", tls.session().serverName());
    assertEquals(2, q.packetsDecrypted);
  }

  @Test
  void damagedPacketsAreCountedNotThrown() throws Exception {
    byte[] pkt = initial(DCID, 0, frame(0, clientHello("x.test")), false);
    TlsStreamParser tls = new TlsStreamParser();
    QuicInitialParser q = new QuicInitialParser(new QuicCrypto(), tls);
    byte[] bad = pkt.clone();
    bad[bad.length - 1] ^= 1; // the tag no longer authenticates
    q.datagram(true, bad, 0, bad.length);
    assertEquals(1, q.packetsUndecryptable);
    assertNull(tls.session().clientHello());
    // every truncation and random bytes after a valid header: no exception
    Random r = new Random(7);
    for (int n = 0; n < pkt.length; n += 7) {
      QuicInitialParser p = new QuicInitialParser(new QuicCrypto(), new TlsStreamParser());
      p.datagram(true, pkt, 0, n);
      byte[] junk = Arrays.copyOf(pkt, pkt.length);
      for (int i = 30 + r.nextInt(20); i < junk.length; i += 1 + r.nextInt(40)) {
        junk[i] = (byte) r.nextInt();
      }
      p.datagram(true, junk, 0, junk.length);
    }
    // then the good one still reads
    q.datagram(true, pkt, 0, pkt.length);
    assertEquals("x.test", tls.session().serverName());
  }

  @Test
  void probeRejectsWhatIsNotAnInitial() throws Exception {
    byte[] pkt = initial(DCID, 0, frame(0, clientHello("x.test")), false);
    byte[] shortHeader = pkt.clone();
    shortHeader[0] = 0x40;
    assertFalse(QuicInitialParser.probe(shortHeader, 0, shortHeader.length));
    byte[] unknownVersion = pkt.clone();
    unknownVersion[4] = 9;
    assertFalse(QuicInitialParser.probe(unknownVersion, 0, unknownVersion.length));
    byte[] text = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertFalse(QuicInitialParser.probe(text, 0, text.length));
  }

  // ------------------------------------------------------------------ building packets

  /** A TLS 1.3-style ClientHello handshake message (no record header) with a server_name. */
  static byte[] clientHello(String sni) {
    byte[] name = sni.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    u16(ext, 0);
    u16(ext, name.length + 5);
    u16(ext, name.length + 3);
    ext.write(0);
    u16(ext, name.length);
    ext.writeBytes(name);
    u16(ext, 43); // supported_versions: TLS 1.3
    u16(ext, 3);
    ext.write(2);
    u16(ext, 0x0304);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, 0x0303);
    body.writeBytes(new byte[32]);
    body.write(0);
    u16(body, 2);
    u16(body, 0x1301);
    body.write(1);
    body.write(0);
    u16(body, ext.size());
    body.writeBytes(ext.toByteArray());
    ByteArrayOutputStream msg = new ByteArrayOutputStream();
    msg.write(1);
    msg.write(0);
    u16(msg, body.size());
    msg.writeBytes(body.toByteArray());
    return msg.toByteArray();
  }

  /** A CRYPTO frame at {@code offset}. */
  static byte[] frame(long offset, byte[] data) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(0x06);
    varint(f, offset);
    varint(f, data.length);
    f.writeBytes(data);
    return f.toByteArray();
  }

  /**
   * A v1 Initial packet from the client (or the server) with a 2-byte packet number, its payload
   * padded so that the header-protection sample exists, encrypted and header-protected (RFC 9001 5).
   */
  static byte[] initial(byte[] dcid, int pn, byte[] frames, boolean server) throws Exception {
    QuicInitialParser.Keys k = QuicInitialParser.initialKeys(new QuicCrypto(), QuicInitialParser.V1, dcid, server);
    byte[] payload = Arrays.copyOf(frames, Math.max(frames.length, 64)); // PADDING frames are zeros
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0xc0 | 0x01); // long header, fixed bit, Initial, packet number length 2
    h.writeBytes(new byte[] {0, 0, 0, 1});
    h.write(dcid.length);
    h.writeBytes(dcid);
    h.write(0); // no SCID
    h.write(0); // no token
    int length = 2 + payload.length + 16;
    h.write(0x40 | (length >> 8)); // 2-byte varint
    h.write(length);
    int pnAt = h.size();
    u16(h, pn);
    byte[] header = h.toByteArray();
    byte[] nonce = k.iv.clone();
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] ^= (byte) ((long) pn >>> (8 * i));
    }
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k.key, "AES"), new GCMParameterSpec(128, nonce));
    gcm.updateAAD(header);
    byte[] ct = gcm.doFinal(payload);
    byte[] pkt = new byte[header.length + ct.length];
    System.arraycopy(header, 0, pkt, 0, header.length);
    System.arraycopy(ct, 0, pkt, header.length, ct.length);
    Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
    ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k.hp, "AES"));
    byte[] mask = ecb.doFinal(pkt, pnAt + 4, 16);
    pkt[0] ^= (byte) (mask[0] & 0x0f);
    pkt[pnAt] ^= mask[1];
    pkt[pnAt + 1] ^= mask[2];
    return pkt;
  }

  private static void varint(ByteArrayOutputStream o, long v) {
    if (v < 64) {
      o.write((int) v);
    } else {
      o.write(0x40 | (int) (v >> 8));
      o.write((int) v);
    }
  }

  private static void u16(ByteArrayOutputStream o, int v) {
    o.write(v >> 8);
    o.write(v);
  }

  @Test
  void hexOfTheBuilderIsStable() {
    // the frame encoding used above: type, offset and length varints, data
    assertArrayEquals(HEX.parseHex("0600026162"), frame(0, "ab".getBytes(StandardCharsets.US_ASCII)));
    assertArrayEquals(HEX.parseHex("06404002"), Arrays.copyOf(frame(64, new byte[2]), 4));
  }
}
