package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The same input gives the same lines (after sorting) with 1, 2 and 4 workers. */
class DeterminismTest {
  @TempDir
  Path tmp;

  static Stream<Path> captures() throws IOException {
    Stream<Path> own = Files.list(Replay.repoRoot().resolve("testdata"))
        .filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"));
    Path corpus = Replay.corpus();
    Stream<Path> third = Stream.of("zeek-core.tcp.flip-without-syn", "zeek-core.ipv6-frag", "zeek-core.q-in-q",
            "zeek-scripts.base.protocols.ftp.gridftp", "tcp-async-01", "zeek-scripts.base.protocols.http.http-pipelining",
            "defrag--frag-eth-vlan-ip-tcp-syn", "bug-4571-02--ipv6", "dns--dns-udp-google.com-a-aaaa-mx",
            "zeek-core.tunnels.vxlan", "zeek-core.tunnels.gre", "zeek-core.erspanII", "vxlan-decoder-03--vxlan")
        .map(corpus::resolve)
        .filter(Files::isDirectory)
        .map(d -> Files.exists(d.resolve("capture.pcap")) ? d.resolve("capture.pcap") : d.resolve("capture.pcapng"));
    return Stream.concat(own, third);
  }

  @ParameterizedTest
  @MethodSource("captures")
  void sameLinesWithAnyNumberOfWorkers(Path capture) throws IOException {
    assumeTrue(Files.exists(capture), capture + " is absent");
    Replay one = Replay.run(tmp, capture.toString(), "--workers", "1");
    assertEquals(0, one.exit, one.err);
    assertTrue(one.lines.stream().anyMatch(l -> l.startsWith("{\"flow\"")), "no flow record from " + capture);
    List<String> expected = one.sorted();
    for (String n : new String[] {"2", "4"}) {
      Replay r = Replay.run(tmp, capture.toString(), "--workers", n);
      assertEquals(0, r.exit, r.err);
      assertEquals(expected, r.sorted(), "--workers " + n + " differs from --workers 1 on " + capture);
    }
  }
}
