package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The project's own captures (testdata/, made by make-captures.sh with curl, nc and nginx). Expected
 * values are read off the captures with tshark ({@code tshark -r F -q -z follow,tcp,ascii,0} for the
 * headers; for http-chunked, tshark's "Content-encoded entity body (gzip): 15699 bytes -> 40334 bytes").
 */
class HttpProjectCapturesTest {
  private static List<HttpTransaction> run(String file) throws IOException {
    List<TcpStreams.Conn> conns = TcpStreams.read(Corpus.repoRoot().resolve("testdata").resolve(file));
    assertEquals(1, conns.size(), file);
    TcpStreams.Conn c = conns.get(0);
    assertTrue(c.aIsClient(), "the first packet is the client's SYN");
    HttpFeeder.Result whole = HttpFeeder.run(c, true, HttpFeeder.Chunking.whole(), new HttpParserContext());
    for (HttpFeeder.Chunking ch : List.of(HttpFeeder.Chunking.oneByte(), HttpFeeder.Chunking.random(3))) {
      assertEquals(whole.text(), HttpFeeder.run(c, true, ch, new HttpParserContext()).text(), file);
    }
    assertTrue(whole.weirds.isEmpty(), file + ": " + whole.weirds);
    assertTrue(whole.parser.confirmed(), file);
    return whole.transactions;
  }

  @Test
  void pipeliningThreeRequestsInOneSegment() throws IOException {
    List<HttpTransaction> tx = run("http-pipelining.pcap");
    assertEquals(3, tx.size());
    String[] uris = {"/a.txt", "/b.txt", "/c.txt"};
    for (int i = 0; i < 3; i++) {
      HttpTransaction t = tx.get(i);
      assertEquals(i + 1, t.transDepth());
      assertEquals("GET", t.method());
      assertEquals(uris[i], t.uri());
      assertEquals("www.nsm.test", t.host());
      assertEquals("1.1", t.version());
      assertEquals(200, t.statusCode());
      assertEquals("OK", t.statusMsg());
      assertEquals(0, t.requestBodyLen());
      assertEquals(21, t.responseBodyLen()); // "pipelined response a\n"
      assertEquals(List.of("text/plain"), t.respMimeTypes());
    }
  }

  @Test
  void chunkedGzipResponseSpanningSegments() throws IOException {
    HttpTransaction t = run("http-chunked.pcap").get(0);
    assertEquals("/chunked/text.txt", t.uri());
    assertEquals("curl/7.88.1", t.userAgent());
    assertEquals(200, t.statusCode());
    assertEquals(15699, t.responseBodyWireLen(), "8192 + 7507 bytes of chunks");
    assertEquals(40334, t.responseBodyLen(), "decompressed, as Zeek logs it");
    assertEquals(List.of("text/plain"), t.respMimeTypes());
  }

  @Test
  void httpOn8080() throws IOException {
    List<HttpTransaction> tx = run("http-8080.pcap");
    assertEquals(1, tx.size());
    HttpTransaction t = tx.get(0);
    assertEquals("www.nsm.test:8080", t.host());
    assertEquals("/", t.uri());
    assertEquals(100, t.responseBodyLen());
    assertEquals(List.of("text/html"), t.respMimeTypes());
  }

  @Test
  void probesRecogniseTheFirstBytesOfEachSide() throws IOException {
    for (String f : List.of("http-pipelining.pcap", "http-chunked.pcap", "http-8080.pcap")) {
      TcpStreams.Conn c = TcpStreams.read(Corpus.repoRoot().resolve("testdata").resolve(f)).get(0);
      TcpStreams.Segment first = c.segments.stream().filter(s -> s.fromA() && s.data() != null).findFirst().get();
      TcpStreams.Segment reply = c.segments.stream().filter(s -> !s.fromA() && s.data() != null).findFirst().get();
      assertTrue(HttpConnectionParser.probeRequest(first.data(), 0, first.data().length), f);
      assertTrue(HttpConnectionParser.probeResponse(reply.data(), 0, reply.data().length), f);
      assertTrue(!HttpConnectionParser.probeRequest(reply.data(), 0, reply.data().length), f);
    }
    // and not the TLS captures
    TcpStreams.Conn tls = TcpStreams.read(Corpus.repoRoot().resolve("testdata").resolve("tls-8443.pcap")).get(0);
    TcpStreams.Segment hello = tls.segments.stream().filter(s -> s.data() != null).findFirst().get();
    assertTrue(!HttpConnectionParser.probeRequest(hello.data(), 0, hello.data().length));
    assertTrue(!HttpConnectionParser.probeResponse(hello.data(), 0, hello.data().length));
  }
}
