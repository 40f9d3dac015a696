package dev.nsm.parsers.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * JA4 against values computed independently: FoxIO's published example (technical_details/JA4.md of
 * github.com/FoxIO-LLC/ja4: the lists and the fingerprint it gives), its ALPN rules, and every TCP
 * ClientHello of the conformance corpus as FoxIO's own reference implementation (python/ja4.py over
 * tshark 4.0, see src/tools/gen_ja4_expected.sh) fingerprints it.
 */
class Ja4Test {
  // The example of JA4.md: 15 ciphers, 16 extensions, signature algorithms, ALPN h2, SNI.
  static final int[] CIPHERS = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
      0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  static final int[] EXTENSIONS = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
      0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  static final int[] SIGALGS = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

  /** The example ClientHello, as bytes on the wire, with GREASE sprinkled in (JA4 ignores it). */
  static byte[] exampleHello(String alpn, boolean grease) {
    Hellos.Builder b = new Hellos.Builder().version(0x0303);
    if (grease) {
      b.cipher(0x0a0a);
    }
    for (int c : CIPHERS) {
      b.cipher(c);
    }
    if (grease) {
      b.extension(0x1a1a, new byte[0]);
    }
    for (int e : EXTENSIONS) {
      switch (e) {
        case 0x0000:
          b.sni("example.com");
          break;
        case 0x0010:
          b.alpn(alpn);
          break;
        case 0x000d:
          b.u16ListExtension(0x000d, SIGALGS);
          break;
        case 0x002b:
          b.supportedVersions(grease ? new int[] {0x2a2a, 0x0304, 0x0303} : new int[] {0x0304, 0x0303});
          break;
        default:
          b.extension(e, new byte[0]);
      }
    }
    return b.clientHelloBody();
  }

  @Test
  void publishedExample() {
    ClientHello h = ClientHello.parse(exampleHello("h2", false), 0, exampleHello("h2", false).length);
    assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", h.ja4());
    assertEquals("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
        + "0403,0804,0401,0503,0805,0501,0806,0601", h.ja4('t', true, false));
    assertEquals("t13d1516h2_acb858a92679_18f69afefd3d", h.ja4('t', false, true));
    assertEquals("t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_"
        + "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_"
        + "0403,0804,0401,0503,0805,0501,0806,0601", h.ja4('t', true, true));
    assertEquals("q13d1516h2_8daaf6152771_e5627efa2ab1", h.ja4('q', false, false));
  }

  @Test
  void greaseIsIgnoredEverywhere() {
    byte[] b = exampleHello("h2", true);
    ClientHello h = ClientHello.parse(b, 0, b.length);
    assertEquals(16, h.ciphers.length, "GREASE cipher kept in the hello itself");
    assertEquals("t13d1516h2_8daaf6152771_e5627efa2ab1", h.ja4());
  }

  @Test
  void publishedHashesOfTheSpec() {
    // the strings JA4.md hashes, with the 12 digits it gives
    assertEquals("8daaf6152771", TlsFingerprints.sha256Prefix12(
        "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"));
    assertEquals("e5627efa2ab1", TlsFingerprints.sha256Prefix12(
        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"));
    assertEquals("6d807ffa2a79", TlsFingerprints.sha256Prefix12(
        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"));
  }

  @Test
  void alpnRulesOfTheSpec() {
    // JA4.md "ALPN Extension Value": first and last alphanumeric character, else the first and last
    // hex digit of the value; 00 without ALPN or with an empty value
    assertEquals("h2", alpn("h2"));
    assertEquals("h1", alpn("http/1.1"));
    assertEquals("aa", alpn("a"));
    assertEquals("00", alpn(""));
    assertEquals("00", alpn(null));
    assertEquals("ab", alpn("\u00ab"));
    assertEquals("20", alpn("\u0020"));
    assertEquals("ad", alpn("\u00ab\u00cd"));
    assertEquals("21", alpn("\u0020\u0061"));
    assertEquals("3b", alpn("\u0030\u00ab"));
    assertEquals("60", alpn("\u0061\u0020"));
    assertEquals("3d", alpn("\u0030\u0031\u00ab\u00cd"));
    assertEquals("01", alpn("\u0030\u00ab\u00cd\u0031"));
  }

  private static String alpn(String first) {
    StringBuilder sb = new StringBuilder();
    TlsFingerprints.alpnChars(sb, first);
    return sb.toString();
  }

  @Test
  void noCiphersNoExtensions() {
    byte[] b = new Hellos.Builder().version(0x0301).noExtensionBlock().clientHelloBody();
    ClientHello h = ClientHello.parse(b, 0, b.length);
    assertEquals("t10i000000_000000000000_000000000000", h.ja4());
  }

  @Test
  void corpusAgainstFoxioReferenceImplementation() throws IOException {
    assumeTrue(Corpus.dir() != null, "conformance corpus not found: skipped");
    List<Map<String, String>> rows = expected();
    assertTrue(rows.size() >= 30, "expected rows: " + rows.size());
    List<String> bad = new ArrayList<>();
    int compared = 0;
    String lastCase = null;
    List<Corpus.Parsed> parsed = null;
    for (Map<String, String> r : rows) {
      if (!r.get("case").equals(lastCase)) {
        lastCase = r.get("case");
        parsed = Corpus.parse(Corpus.capture(Corpus.dir().resolve(lastCase)), new TlsCounters());
      }
      String where = r.get("case") + " " + r.get("src") + ":" + r.get("srcport") + " #" + r.get("n");
      Corpus.Parsed p = parsed.stream()
          .filter(x -> x.conn().matches(r.get("src"), Integer.parseInt(r.get("srcport")), r.get("dst"),
              Integer.parseInt(r.get("dstport"))))
          .findFirst().orElse(null);
      int n = Integer.parseInt(r.get("n")) - 1;
      if (p == null || n >= p.session().clientHellos().size()) {
        bad.add(where + ": ClientHello not found");
        continue;
      }
      ClientHello h = p.session().clientHellos().get(n);
      if (h.sslv2) {
        // ja4.py reads tshark's TLS fields, which an SSLv2 hello lacks: it writes a fingerprint of
        // nothing (cipher and extension counts 00). The parser writes none.
        assertNull(h.ja4(), where);
        assertTrue(r.get("ja4").endsWith("i000000_000000000000_000000000000"), where);
        continue;
      }
      check(bad, where, "ja4", r.get("ja4"), h.ja4());
      check(bad, where, "ja4_r", r.get("ja4_r"), h.ja4('t', true, false));
      check(bad, where, "ja4_o", r.get("ja4_o"), h.ja4('t', false, true));
      check(bad, where, "ja4_ro", r.get("ja4_ro"), h.ja4('t', true, true));
      compared++;
    }
    assertEquals(List.of(), bad);
    assertTrue(compared >= 30, "compared " + compared);
  }

  private static void check(List<String> bad, String where, String f, String want, String got) {
    if (!want.equals(got)) {
      bad.add(where + " " + f + ": want " + want + " got " + got);
    }
  }

  private static List<Map<String, String>> expected() throws IOException {
    try (InputStream in = Ja4Test.class.getResourceAsStream("ja4-foxio.tsv")) {
      Path tmp = java.nio.file.Files.createTempFile("ja4", ".tsv");
      try {
        java.nio.file.Files.writeString(tmp, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        return Corpus.rows(tmp);
      } finally {
        java.nio.file.Files.deleteIfExists(tmp);
      }
    }
  }
}
