package dev.nsm.parsers.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real TCP streams of corpus captures, fed segment by segment (with the acks of the other side)
 * and compared with tshark's "follow TCP stream": the same bytes each way, and the same holes.
 */
class TcpReassemblerCorpusTest {

  /** What feeding one capture stream gave, both directions. */
  static final class Result {
    final Recorder[] rec = {new Recorder(), new Recorder()};
    final TcpReassembler[] r = new TcpReassembler[2];
    final ReassemblyCounters counters = new ReassemblyCounters();
    boolean truncated;
  }

  static Result feed(List<TcpCorpusStreams.Packet> pkts, ReassemblyBudget budget) {
    Result res = new Result();
    for (int i = 0; i < 2; i++) {
      res.r[i] = new TcpReassembler(budget, res.counters);
      res.r[i].reset(res.rec[i]);
    }
    String node0 = pkts.get(0).src();
    // A stand-in for Zeek's endpoint states (the flow tracker's job): gaps count as missed_bytes
    // once the originator's SYN and the responder's SYN-ACK were seen, and no RST since.
    boolean origSyn = false;
    boolean respSynAck = false;
    boolean rst = false;
    for (TcpCorpusStreams.Packet p : pkts) {
      int x = p.src().equals(node0) ? 0 : 1;
      int len = p.rst() ? 0 : p.tcpLen(); // a RST's payload is not stream data (tshark: reset cause)
      if (p.payload().length < len) {
        res.truncated = true; // cut by the snap length: not fed as if whole
        continue;
      }
      if (p.syn() && !p.ackFlag()) {
        origSyn = true;
      } else if (p.syn()) {
        respSynAck = true;
      }
      rst |= p.rst();
      if (p.ackFlag()) {
        res.r[1 - x].ack(p.ack(), origSyn && respSynAck && !rst);
      }
      res.r[x].segment(p.seq(), p.syn(), p.fin(), p.rst(), p.payload(), 0, len, p.tsNanos());
    }
    res.r[0].close(CloseReason.END_OF_INPUT);
    res.r[1].close(CloseReason.END_OF_INPUT);
    return res;
  }

  /** Compares one stream with tshark's follow; returns "" when equal, else what differs. */
  static String compare(Path pcap, int stream, Result res) throws IOException {
    TcpCorpusStreams.Followed[] f = TcpCorpusStreams.follow(pcap, stream);
    StringBuilder diff = new StringBuilder();
    for (int i = 0; i < 2; i++) {
      Recorder ours = res.rec[i];
      byte[] a = ours.bytes();
      byte[] b = f[i].data.toByteArray();
      if (!Arrays.equals(a, b)) {
        diff.append(String.format(" dir%d: %d bytes vs tshark %d, first difference at %d;", i, a.length, b.length,
            Arrays.mismatch(a, b)));
      }
      String og = gaps(ours.gaps);
      String tg = gaps(f[i].gaps);
      if (!og.equals(tg)) {
        diff.append(String.format(" dir%d gaps %s vs tshark %s;", i, og, tg));
      }
    }
    return diff.toString();
  }

  static String gaps(List<long[]> g) {
    StringBuilder sb = new StringBuilder("[");
    for (long[] x : g) {
      sb.append(sb.length() > 1 ? " " : "").append(x[0]).append('+').append(x[1]);
    }
    return sb.append(']').toString();
  }

  private static void check(String name, int stream, String expectedDiff, long[] expectedGapBytes,
      long[] expectedMissed) throws IOException {
    assumeTrue(Files.isDirectory(TcpCorpusStreams.CORPUS.resolve(name)), "corpus not present");
    assumeTrue(TcpCorpusStreams.tsharkAvailable(), "tshark not installed");
    Path pcap = TcpCorpusStreams.capture(name);
    Map<Integer, List<TcpCorpusStreams.Packet>> streams = TcpCorpusStreams.packets(pcap);
    ReassemblyBudget budget = new ReassemblyBudget();
    Result res = feed(streams.get(stream), budget);
    assertEquals(expectedDiff, compare(pcap, stream, res), name + " stream " + stream + " " + res.counters);
    assertEquals(expectedGapBytes[0], res.r[0].gapBytes(), "gap bytes dir 0");
    assertEquals(expectedGapBytes[1], res.r[1].gapBytes(), "gap bytes dir 1");
    assertEquals(expectedMissed[0], res.r[0].missedBytes(), "missed bytes dir 0");
    assertEquals(expectedMissed[1], res.r[1].missedBytes(), "missed bytes dir 1");
    assertEquals(0, budget.pagesInUse());
  }

  /** Every stream of a capture equals tshark's follow, both ways, holes included. */
  private static void allStreamsAsTshark(String name) throws IOException {
    assumeTrue(Files.isDirectory(TcpCorpusStreams.CORPUS.resolve(name)), "corpus not present");
    assumeTrue(TcpCorpusStreams.tsharkAvailable(), "tshark not installed");
    Path pcap = TcpCorpusStreams.capture(name);
    Map<Integer, List<TcpCorpusStreams.Packet>> streams = TcpCorpusStreams.packets(pcap);
    assertTrue(!streams.isEmpty(), name + " has TCP streams");
    ReassemblyBudget budget = new ReassemblyBudget(); // shared by the capture's streams, as by a worker
    long delivered = 0;
    for (var e : streams.entrySet()) {
      Result res = feed(e.getValue(), budget);
      assertEquals("", compare(pcap, e.getKey(), res), name + " stream " + e.getKey() + " " + res.counters);
      assertEquals(0, res.r[0].gapBytes() + res.r[1].gapBytes(), name + " stream " + e.getKey());
      delivered += res.r[0].deliveredBytes() + res.r[1].deliveredBytes();
    }
    assertEquals(0, budget.pagesInUse());
    assertTrue(delivered > 0, name + " delivered something");
  }

  @Test
  void retransmissionsAndReorderingAsTshark() throws IOException {
    // out-of-order segments held and filled (concurrent-range-requests stream 1, bug-2769), duplicated
    // and spurious retransmissions (filestore-5408, ssh-hassh-incomplete, rdp-no-cookie-msthash,
    // tcp-empty-sack), TCP Fast Open, RST endings, SMB2 over 6 connections, a 181 KB stream
    for (String name : List.of("filestore-5408", "ssh-hassh-incomplete", "bug-5867-fp-drop-01",
        "tcp-empty-sack--tcp-opt", "zeek-scripts.base.protocols.rdp.rdp-no-cookie-msthash", "tcp-async-01",
        "smb2-07--20171220_smb_psexec_add_user", "zeek-scripts.base.protocols.http.concurrent-range-requests",
        "bug-2769--issue_no_icmp", "zeek-scripts.base.protocols.http.http-connect",
        "tcp-fastopen-08--tcp_fastopen_segmentation-s1", "tcp-fastopen-05--tfo")) {
      allStreamsAsTshark(name);
    }
  }

  @Test
  void ackedHoleIsAGapWhereTsharkSeesBytesMissing() throws IOException {
    // the client acks 14 response bytes the capture lacks (frames 16-18): one gap of 14, at the place
    // tshark writes "[14 bytes missing in capture file]"; a full handshake: Zeek counts it as missed
    check("http-gap-simple", 0, "", new long[] {0, 14}, new long[] {0, 14});
  }

  @Test
  void rstsBeforeTheHandshakeDoNotEndTheStreams() throws IOException {
    // bug-3286 linux evasion: RST, FIN and RST before the SYN-ACK (seq 0, injected); then the real
    // handshake and a GET and its response, which tshark (and Linux, and Zeek) take as the streams
    check("bug-3286-02-linux-evasion--with_evasion_linux", 0, "", new long[] {0, 0}, new long[] {0, 0});
  }

  @Test
  void synAckWithAnotherIsnBeforeDataRestartsTheStreamAtTheData() throws IOException {
    // tcp-fastopen-10: the server answers with SYN-ACKs of two ISNs, and the last one seen before
    // data is not the one its data uses: the data lies 1180489186 bytes past that ISN, further than
    // any window. Zeek (re-basing on each SYN, SYN_seq_jump) and tshark wait for the client's ack
    // and report 1180489186 missing bytes; the reassembler restarts the stream at the data (nothing
    // was delivered yet): the same bytes, without the impossible hole
    check("tcp-fastopen-10-syn-data-ignore", 0, " dir1 gaps [] vs tshark [0+1180489186];", new long[] {0, 0},
        new long[] {0, 0});
  }

  @Test
  void differencesFromTsharkByDesign() throws IOException {
    // RST payload: tshark's follow shows the 13 bytes of a RST ("reset cause"); like Zeek, the
    // reassembler does not take a RST's payload as stream data
    check("bug-6244-tcp-rst-with-data--tcp-rst-with-data", 0,
        " dir0: 0 bytes vs tshark 13, first difference at 0;", new long[] {0, 0}, new long[] {0, 0});
    // held data behind a hole that is never filled nor acked: at the close the reassembler delivers
    // it after a gap; tshark's follow (and Zeek, which hands it to signature matching only) stops at
    // the hole
    check("tcp-rst-unacked-stream-07-http", 0,
        " dir0: 39 bytes vs tshark 16, first difference at 16; dir0 gaps [16+16] vs tshark [];",
        new long[] {16, 0}, new long[] {0, 0});
    // the same at the end of a download: acked holes of 1288 at 35576 and 51032 (tshark marks the
    // first only: nothing follows the second in its view), then 3864 unacked bytes before 2 held
    // segments at the close; the last ack gap came with the client's final ACK before its RST, so it
    // counts as missed, the RST's own ack would not
    check("tcp-rst-unacked-stream-10--TLPW1-tcp-174.56.47.59-10.3.11.101-tcp-80-49309", 0,
        " dir1: 52320 bytes vs tshark 49744, first difference at 49744;"
            + " dir1 gaps [35576+1288 51032+1288 52320+3864] vs tshark [35576+1288];",
        new long[] {0, 6440}, new long[] {0, 2576});
  }

  /**
   * Zeek's verdict on missed_bytes for every TCP connection of the zeek-* captures (their conn.log):
   * the acked gaps the reassembler finds, counted with Zeek's rule, give the same numbers.
   */
  @Test
  void missedBytesAgreeWithZeekConnLogs() throws IOException {
    assumeTrue(Files.isDirectory(TcpCorpusStreams.CORPUS), "corpus not present");
    assumeTrue(TcpCorpusStreams.tsharkAvailable(), "tshark not installed");
    List<Path> dirs = new ArrayList<>();
    try (var s = Files.list(TcpCorpusStreams.CORPUS)) {
      s.filter(d -> d.getFileName().toString().startsWith("zeek-"))
          .filter(d -> Files.exists(d.resolve("expected/zeek-conn.tsv"))).sorted().forEach(dirs::add);
    }
    int connections = 0;
    for (Path dir : dirs) {
      Map<String, Long> zeekMissed = new java.util.HashMap<>();
      List<String> lines = Files.readAllLines(dir.resolve("expected/zeek-conn.tsv"));
      List<String> head = Arrays.asList(lines.get(0).split("\t", -1));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split("\t", -1);
        if (f[head.indexOf("proto")].equals("tcp") && f[head.indexOf("tunnel_parents")].isEmpty()) {
          String a = f[head.indexOf("orig_h")] + ":" + f[head.indexOf("orig_p")];
          String b = f[head.indexOf("resp_h")] + ":" + f[head.indexOf("resp_p")];
          zeekMissed.put(a + " " + b, Long.parseLong(f[head.indexOf("missed_bytes")]));
          zeekMissed.put(b + " " + a, Long.parseLong(f[head.indexOf("missed_bytes")]));
        }
      }
      if (zeekMissed.isEmpty()) {
        continue;
      }
      Path pcap = TcpCorpusStreams.capture(dir.getFileName().toString());
      for (var e : TcpCorpusStreams.packets(pcap).entrySet()) {
        List<TcpCorpusStreams.Packet> pkts = e.getValue();
        String x = pkts.get(0).src();
        String y = pkts.stream().map(TcpCorpusStreams.Packet::src).filter(s -> !s.equals(x)).findFirst()
            .orElse(null);
        Long expected = y == null ? null : zeekMissed.get(x + " " + y);
        if (expected == null) {
          continue; // one-sided (the peer's address unknown here) or tunnelled: not paired
        }
        Result res = feed(pkts, new ReassemblyBudget());
        assertEquals((long) expected, res.r[0].missedBytes() + res.r[1].missedBytes(),
            dir.getFileName() + " stream " + e.getKey());
        connections++;
      }
    }
    assertTrue(connections >= 30, "connections compared: " + connections);
  }

  /** All corpus captures with TCP: prints each stream's comparison (run with -Dtcp.corpus.all=true). */
  @Test
  void surveyAll() throws IOException {
    assumeTrue(Boolean.getBoolean("tcp.corpus.all"));
    assumeTrue(TcpCorpusStreams.tsharkAvailable());
    List<Path> dirs = new ArrayList<>();
    try (var s = Files.list(TcpCorpusStreams.CORPUS)) {
      String only = System.getProperty("tcp.corpus.only", "");
      s.filter(Files::isDirectory).filter(d -> d.getFileName().toString().matches(".*(" + only + ").*")).sorted()
          .forEach(dirs::add);
    }
    int same = 0;
    int differ = 0;
    for (Path dir : dirs) {
      Path pcap;
      try {
        pcap = TcpCorpusStreams.capture(dir.getFileName().toString());
      } catch (IOException e) {
        continue;
      }
      Map<Integer, List<TcpCorpusStreams.Packet>> streams = TcpCorpusStreams.packets(pcap);
      for (var e : streams.entrySet()) {
        ReassemblyBudget budget = new ReassemblyBudget();
        Result res = feed(e.getValue(), budget);
        String d = compare(pcap, e.getKey(), res);
        if (d.isEmpty()) {
          same++;
        } else {
          differ++;
        }
        System.out.printf("%s stream %d: %s%s | gaps %d/%d missed %d/%d | %s%n", dir.getFileName(), e.getKey(),
            d.isEmpty() ? "same" : "DIFF" + d, res.truncated ? " (truncated)" : "", res.r[0].gapBytes(),
            res.r[1].gapBytes(), res.r[0].missedBytes(), res.r[1].missedBytes(), res.counters);
      }
    }
    System.out.printf("streams same as tshark: %d, different: %d%n", same, differ);
  }
}
