package dev.nsm.parsers.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test support: the third-party conformance corpus ({@code ../shared/testdata} beside the main
 * checkout; never copied into the project), its captures and expected TSV files, and a helper that
 * runs a {@link TlsStreamParser} over every TCP connection of a capture.
 */
final class Corpus {
  private Corpus() {}

  /**
   * {@code -Dcorpus.dir=DIR}, else {@code <repo>/../shared/testdata}; from a linked git worktree
   * (whose {@code .git} is a file naming the main repository's git dir) beside the main checkout.
   * Null if not found.
   */
  static Path dir() {
    String override = System.getProperty("corpus.dir");
    if (override != null) {
      return Path.of(override).toAbsolutePath().normalize();
    }
    Path repo = Path.of("").toAbsolutePath();
    if (Files.exists(repo.resolve("pom.xml")) && repo.getFileName().toString().equals("protocol-parsers")) {
      repo = repo.getParent();
    }
    Path direct = repo.resolve("../shared/testdata").normalize();
    if (Files.isDirectory(direct)) {
      return direct;
    }
    try {
      Path dotGit = repo.resolve(".git");
      if (Files.isRegularFile(dotGit)) {
        String gitdir = Files.readString(dotGit).trim().replaceFirst("^gitdir:\\s*", "");
        Path main = Path.of(gitdir).toAbsolutePath().normalize().getParent().getParent().getParent();
        Path viaMain = main.resolve("../shared/testdata").normalize();
        if (Files.isDirectory(viaMain)) {
          return viaMain;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not a worktree
    }
    return null;
  }

  static Path capture(Path caseDir) {
    Path pcap = caseDir.resolve("capture.pcap");
    return Files.exists(pcap) ? pcap : caseDir.resolve("capture.pcapng");
  }

  /** Case directories holding {@code expected/<name>} with at least one data row. */
  static List<Path> casesWith(String name) {
    Path d = dir();
    if (d == null || !Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> rows(p.resolve("expected").resolve(name)).size() > 0).sorted().toList();
    }  catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** TSV rows as maps of header -> value; empty if the file is absent. */
  static List<Map<String, String>> rows(Path tsv) {
    if (!Files.isRegularFile(tsv)) {
      return List.of();
    }
    try {
      List<String> lines = Files.readAllLines(tsv);
      if (lines.isEmpty()) {
        return List.of();
      }
      String[] head = lines.get(0).split("\t", -1);
      List<Map<String, String>> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        if (line.isEmpty()) {
          continue;
        }
        String[] v = line.split("\t", -1);
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < head.length; i++) {
          m.put(head[i], i < v.length ? v[i] : "");
        }
        out.add(m);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A connection and the parser that read it. */
  record Parsed(TcpStreams.Conn conn, TlsStreamParser parser) {
    TlsSession session() {
      return parser.session();
    }
  }

  /**
   * Runs a parser over each TCP connection of a capture. Where TLS does not start at the first
   * byte (STARTTLS in SMTP, LDAP, FTP, XMPP, PostgreSQL, MySQL, RDP) the parser is started at the
   * first ClientHello of the originator and the first ServerHello of the responder, as the flow
   * layer's protocol hand-off will.
   */
  static List<Parsed> parse(Path capture, TlsCounters counters) throws IOException {
    List<Parsed> out = new ArrayList<>();
    for (TcpStreams.Conn c : TcpStreams.read(capture)) {
      TlsStreamParser parser = new TlsStreamParser(counters);
      byte[] adatOrig = ftpAdat(c.stream(true));
      if (adatOrig.length > 0) {
        // GridFTP: the TLS handshake travels base64-encoded in FTP "ADAT" commands and "335/235
        // ADAT=" replies (RFC 2228); Zeek's FTP analyzer decodes them into its SSL analyzer
        parser.feed(true, adatOrig, 0, adatOrig.length);
        byte[] adatResp = ftpAdat(c.stream(false));
        parser.feed(false, adatResp, 0, adatResp.length);
        parser.onClose();
        out.add(new Parsed(c, parser));
        continue;
      }
      long origStart = tlsStart(c.stream(true), true);
      long respStart = tlsStart(c.stream(false), false);
      for (TcpStreams.Chunk ch : c.chunks) {
        long start = ch.fromOrig() ? origStart : respStart;
        if (ch.data() == null) {
          if (ch.at() >= start) {
            parser.onGap(ch.fromOrig(), ch.gap());
          }
          continue;
        }
        long end = ch.at() + ch.data().length;
        if (end <= start) {
          continue;
        }
        int skip = (int) Math.max(0, start - ch.at());
        parser.feed(ch.fromOrig(), ch.data(), skip, ch.data().length - skip);
      }
      parser.onClose();
      out.add(new Parsed(c, parser));
    }
    return out;
  }

  /** The base64 payloads of the FTP ADAT lines of a control connection, decoded and joined. */
  static byte[] ftpAdat(byte[] stream) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String line : new String(stream, java.nio.charset.StandardCharsets.ISO_8859_1).split("\r\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:ADAT |[23]3[45] ADAT=)(\\S+)").matcher(line);
      if (m.find()) {
        try {
          out.writeBytes(java.util.Base64.getDecoder().decode(m.group(1)));
        } catch (IllegalArgumentException e) {
          // not base64: not GridFTP
        }
      }
    }
    return out.toByteArray();
  }

  /** Offset of the first ClientHello (client) or ServerHello (server) record; 0 if none. */
  static long tlsStart(byte[] s, boolean client) {
    if (client) {
      for (int i = 0; i + 6 <= s.length; i++) {
        if (TlsStreamParser.probe(s, i, s.length - i)) {
          return i;
        }
      }
      return 0;
    }
    if (s.length >= 3 && (s[0] & 0xff) >= 20 && (s[0] & 0xff) <= 24 && s[1] == 3) {
      return 0;
    }
    for (int i = 0; i + 6 <= s.length; i++) {
      if (TlsStreamParser.probeServerHello(s, i, s.length - i)) {
        return i;
      }
    }
    return 0;
  }
}
