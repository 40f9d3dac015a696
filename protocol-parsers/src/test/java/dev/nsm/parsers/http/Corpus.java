package dev.nsm.parsers.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test support: where the conformance corpus and the project's captures are, and their TSV files. */
final class Corpus {
  private Corpus() {}

  static Path repoRoot() {
    String root = System.getProperty("sensor.repo.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root).toAbsolutePath().normalize();
  }

  /**
   * The corpus: {@code -Dcorpus.dir=DIR}, else {@code REPO/../shared/testdata}; from a linked git
   * worktree (whose {@code .git} file names the main repository's git dir), next to the main checkout.
   */
  static Path dir() {
    String override = System.getProperty("corpus.dir");
    if (override != null) {
      return Path.of(override).toAbsolutePath().normalize();
    }
    Path repo = repoRoot();
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
      // fall through: report the direct path as missing
    }
    return direct;
  }

  static Path capture(Path captureDir) {
    Path pcap = captureDir.resolve("capture.pcap");
    return Files.exists(pcap) ? pcap : captureDir.resolve("capture.pcapng");
  }

  /** A tab-separated file with a header line, as a list of name-to-value rows. */
  static List<Map<String, String>> tsv(Path file) throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    if (!Files.exists(file)) {
      return rows;
    }
    List<String> lines = Files.readAllLines(file);
    if (lines.isEmpty()) {
      return rows;
    }
    String[] names = lines.get(0).split("\t", -1);
    for (String line : lines.subList(1, lines.size())) {
      if (line.isEmpty()) {
        continue;
      }
      String[] v = line.split("\t", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int k = 0; k < names.length; k++) {
        row.put(names[k], k < v.length ? v[k] : "");
      }
      rows.add(row);
    }
    return rows;
  }
}
