package dev.nsm.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nsm.parsers.packet.LinkType;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Reads every capture of the conformance corpus ({@code ../shared/testdata/* /capture.pcap|pcapng}) and
 * compares with what libpcap says through {@code tcpdump -tt -nn --time-stamp-precision=nano -r}:
 * the number of packets, every timestamp (so the first and the last), and the link type; with
 * {@code capinfos} (when installed) the total of the lengths on the wire. Then the same file read in 4 KiB
 * mapping windows and as a stream must give the very same packets as the default-window read.
 */
class CorpusReadTest {
  private static final Pattern TCPDUMP_TS = Pattern.compile("^(\\d+)\\.(\\d{9}) ");
  private static final Pattern TCPDUMP_LINKTYPE = Pattern.compile("link-type (\\S+)");
  private static final Pattern CAPINFOS_DATA = Pattern.compile("Data size:\\s+(\\d+) bytes");

  /**
   * The corpus: {@code ${sensor.repo.root}/../shared/testdata}; from a linked git worktree (whose
   * {@code .git} is a file naming the main repository's git dir), next to the main checkout instead.
   * {@code -Dcorpus.dir=DIR} overrides both.
   */
  static Path corpusDir() {
    String override = System.getProperty("corpus.dir");
    if (override != null) {
      return Path.of(override).toAbsolutePath().normalize();
    }
    String root = System.getProperty("sensor.repo.root");
    if (root == null) {
      return null;
    }
    Path repo = Path.of(root).toAbsolutePath().normalize();
    Path direct = repo.resolve("../shared/testdata").normalize();
    if (Files.isDirectory(direct)) {
      return direct;
    }
    try {
      Path dotGit = repo.resolve(".git");
      if (Files.isRegularFile(dotGit)) {
        // "gitdir: /path/to/main/.git/worktrees/NAME"
        String gitdir = Files.readString(dotGit).trim().replaceFirst("^gitdir:\\s*", "");
        Path main = Path.of(gitdir).toAbsolutePath().normalize().getParent().getParent().getParent();
        Path viaMain = main.resolve("../shared/testdata").normalize();
        if (Files.isDirectory(viaMain)) {
          return viaMain;
        }
      }
    } catch (IOException | RuntimeException e) {
      // no worktree to follow: report the direct path as missing
    }
    return direct;
  }

  static List<Path> corpusFiles() throws IOException {
    Path dir = corpusDir();
    assumeTrue(dir != null && Files.isDirectory(dir),
        "conformance corpus not found at " + dir + " (sensor.repo.root/../shared/testdata): skipped");
    try (Stream<Path> s = Files.list(dir)) {
      return s.flatMap(d -> Stream.of(d.resolve("capture.pcap"), d.resolve("capture.pcapng")))
          .filter(Files::isRegularFile)
          .sorted()
          .collect(Collectors.toList());
    }
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  @TestFactory
  Stream<DynamicTest> everyCorpusCaptureMatchesTcpdump() throws IOException {
    List<Path> files = corpusFiles();
    assumeTrue(onPath("tcpdump"),
        "tcpdump is not on PATH (apt-get install -y tcpdump tshark): corpus comparison skipped");
    assertTrue(files.size() >= 20, "only " + files.size() + " corpus captures");
    boolean capinfos = onPath("capinfos");
    Path dir = corpusDir();
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(dir.relativize(f).toString(), () -> check(f, capinfos)));
  }

  /** The corpus comparison above really covers pcapng and every non-Ethernet link type it has. */
  @Test
  void corpusCoversPcapngAndTheOtherLinkTypes() throws IOException {
    List<Path> files = corpusFiles();
    Map<String, Integer> byFormat = new TreeMap<>();
    for (Path f : files) {
      try (PacketSource s = CaptureFiles.open(f.toString())) {
        int[] lt = {-1};
        s.next((ts, linkType, buf, off, cap, wire) -> lt[0] = linkType);
        String format = s instanceof PcapngReader ? "pcapng" : "pcap";
        byFormat.merge(format + "/" + LinkType.name(lt[0]), 1, Integer::sum);
      }
    }
    long pcapng = files.stream().filter(f -> f.toString().endsWith(".pcapng")).count();
    assertEquals(pcapng, byFormat.entrySet().stream()
        .filter(e -> e.getKey().startsWith("pcapng/")).mapToInt(Map.Entry::getValue).sum(),
        byFormat.toString());
    assertTrue(pcapng >= 1, byFormat.toString());
    for (String lt : new String[] {"NULL", "PPP", "RAW", "LINUX_SLL", "ETHERNET"}) {
      assertTrue(byFormat.containsKey("pcap/" + lt), lt + " missing from " + byFormat);
    }
  }

  private static void check(Path f, boolean capinfos) throws Exception {
    // what libpcap says
    Path err = Files.createTempFile("tcpdump", ".err");
    List<Long> expectedTs = new ArrayList<>();
    int exit;
    String stderr;
    try {
      Process p = new ProcessBuilder("tcpdump", "--time-stamp-precision=nano", "-tt", "-nn", "-r",
          f.toString()).redirectError(err.toFile()).start();
      try (InputStream out = p.getInputStream()) {
        for (String line : new String(out.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          Matcher m = TCPDUMP_TS.matcher(line);
          if (m.find()) {
            expectedTs.add(Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2)));
          }
        }
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tcpdump timed out");
      exit = p.exitValue();
      stderr = Files.readString(err);
    } finally {
      Files.delete(err);
    }
    Matcher lt = TCPDUMP_LINKTYPE.matcher(stderr);
    assertTrue(lt.find(), "no link type in tcpdump's stderr: " + stderr);
    String expectedLinkType = lt.group(1);

    // what the reader says
    List<Recorded> got;
    if (exit == 0) {
      try (PacketSource s = CaptureFiles.open(f.toString())) {
        Recorded.Recorder r = new Recorded.Recorder();
        while (s.next(r)) {
          // all
        }
        assertEquals(s.size(), s.position(), "every byte of the file read");
        got = r.packets;
      }
    } else {
      // tcpdump stopped at damage: the reader must hand the same packets, then fail
      Recorded.Recorder r = new Recorded.Recorder();
      try (PacketSource s = CaptureFiles.open(f.toString())) {
        assertThrows(CaptureFormatException.class, () -> {
          while (s.next(r)) {
            // until the damage
          }
        });
      }
      got = r.packets;
    }
    List<Long> gotTs = got.stream().map(p -> p.tsNanos).collect(Collectors.toList());
    assertEquals(expectedTs.size(), gotTs.size(), "packet count");
    assertEquals(expectedTs.get(0), gotTs.get(0), "first timestamp");
    assertEquals(expectedTs.get(expectedTs.size() - 1), gotTs.get(gotTs.size() - 1), "last timestamp");
    assertEquals(expectedTs, gotTs, "timestamps");
    for (Recorded p : got) {
      assertTrue(linkTypeMatches(expectedLinkType, p.linkType),
          "link type " + p.linkType + " vs tcpdump's " + expectedLinkType);
    }

    if (capinfos && exit == 0) {
      Process p = new ProcessBuilder("capinfos", "-M", "-d", f.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      Matcher m = CAPINFOS_DATA.matcher(out);
      assertTrue(m.find(), out);
      // capinfos' "data size" sums the packets' lengths on the wire
      assertEquals(Long.parseLong(m.group(1)), got.stream().mapToLong(x -> x.wireLen).sum(),
          "bytes on the wire (capinfos' data size)");
    }

    if (exit == 0) {
      // windows of 4 KiB: many remaps, a record never straddles two windows
      assertEquals(got, Recorded.readAll(CaptureFiles.open(f.toString(), 4096)), "4 KiB windows");
      // stream mode (as stdin would be read)
      try (InputStream in = Files.newInputStream(f)) {
        assertEquals(got, Recorded.readAll(CaptureFiles.openStream("stream", in, -1)), "stream");
      }
    }
  }

  /** tcpdump names the DLT; the reader hands the file's LINKTYPE value. */
  private static boolean linkTypeMatches(String dltName, int linkType) {
    switch (dltName) {
      case "EN10MB": return linkType == LinkType.ETHERNET;
      case "NULL": return linkType == LinkType.NULL;
      case "LOOP": return linkType == LinkType.LOOP;
      case "PPP": return linkType == LinkType.PPP;
      case "RAW": return linkType == LinkType.RAW || linkType == LinkType.RAW_12 || linkType == LinkType.RAW_14;
      case "LINUX_SLL": return linkType == LinkType.LINUX_SLL;
      case "LINUX_SLL2": return linkType == LinkType.LINUX_SLL2;
      case "IPV4": return linkType == LinkType.IPV4;
      case "IPV6": return linkType == LinkType.IPV6;
      default: return false;
    }
  }
}
