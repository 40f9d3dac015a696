package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Request/response semantics, one behaviour per test, on conversations written out in the test. */
class HttpConnectionParserTest {

  // ---------------------------------------------------------------- pairing and framing

  @Test
  void pipelinedRequestsArePairedByOrderWithTransDepth() {
    Conversation.Run r = Conversation.of()
        .client("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello"
            + "HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/html\r\n\r\nabc"
            + "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
            // a HEAD response announces a length but has no body
            + "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        .run();
    assertEquals(3, r.tx.size(), r.text());
    HttpTransaction a = r.tx.get(0);
    assertEquals(1, a.transDepth());
    assertEquals("GET", a.method());
    assertEquals("/a", a.uri());
    assertEquals("h", a.host());
    assertEquals("1.1", a.version());
    assertEquals(200, a.statusCode());
    assertEquals("OK", a.statusMsg());
    assertEquals(3, a.responseBodyLen());
    assertEquals(List.of("text/html"), a.respMimeTypes());
    HttpTransaction b = r.tx.get(1);
    assertEquals(2, b.transDepth());
    assertEquals("POST", b.method());
    assertEquals(5, b.requestBodyLen());
    assertEquals(List.of("text/plain"), b.origMimeTypes());
    assertEquals(201, b.statusCode());
    assertEquals(0, b.responseBodyLen());
    assertEquals(List.of(), b.respMimeTypes(), "no body, no MIME type");
    HttpTransaction c = r.tx.get(2);
    assertEquals(3, c.transDepth());
    assertEquals("HEAD", c.method());
    assertEquals(0, c.responseBodyLen());
    assertEquals(0, r.parser.pendingTransactions());
  }

  @Test
  void chunkedBodiesWithExtensionsAndTrailers() {
    Conversation.Run r = Conversation.of()
        .client("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: 1\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        .run();
    assertEquals(2, r.tx.size(), r.text());
    assertEquals(9, r.tx.get(0).requestBodyLen());
    assertEquals(26, r.tx.get(0).responseBodyLen());
    assertEquals("/next", r.tx.get(1).uri());
    assertEquals(2, r.tx.get(1).responseBodyLen());
    assertTrue(r.weirds.isEmpty(), r.weirds::toString);
  }

  @Test
  void chunkedIsOnlyHttp11AsInZeek() {
    // an HTTP/1.0 response cannot be chunked (Zeek ignores the header): it is read to the end
    String body = "5\r\nhello\r\n0\r\n\r\n";
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.0\r\n\r\n")
        .server("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
        .run();
    assertEquals(body.length(), r.only().responseBodyLen());
  }

  @Test
  void informational100ContinueBelongsToTheSameTransaction() {
    Conversation.Run r = Conversation.of()
        .client("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        .server("HTTP/1.1 100 Continue\r\n\r\n")
        .client("data")
        .server("HTTP/1.1 204 No Content\r\n\r\n")
        .run();
    HttpTransaction t = r.only();
    assertEquals(100, t.infoCode());
    assertEquals("Continue", t.infoMsg());
    assertEquals(204, t.statusCode());
    assertEquals("No Content", t.statusMsg());
    assertEquals(4, t.requestBodyLen());
    assertEquals(0, t.responseBodyLen());
  }

  @Test
  void noBodyFor204And304ThenTheNextResponseParses() {
    Conversation.Run r = Conversation.of()
        .client("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        .run();
    assertEquals(3, r.tx.size(), r.text());
    assertEquals(List.of(204, 304, 200), r.tx.stream().map(HttpTransaction::statusCode).toList());
    assertEquals(1, r.tx.get(2).responseBodyLen());
  }

  @Test
  void requestWithoutResponseIsHandedOnAtClose() {
    Conversation.Run r = Conversation.of()
        .client("GET /lonely HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n")
        .open()
        .run();
    assertTrue(r.tx.isEmpty(), "nothing before the end");
    assertEquals(1, r.parser.pendingTransactions());
    r.parser.onClose();
    HttpTransaction t = r.only();
    assertEquals("/lonely", t.uri());
    assertEquals("ua", t.userAgent());
    assertEquals(-1, t.statusCode());
    assertNull(t.version(), "Zeek's version is the response's");
    assertEquals("1.1", t.requestVersion(), "the request line's version is kept apart");
  }

  @Test
  void responseWithoutLengthRunsToTheEndCountedAsZeekDoes() {
    // without plain delivery Zeek counts each line + 2, whatever ended it; bytes with Connection: close
    Conversation.Run lines = Conversation.of()
        .client("GET / HTTP/1.0\r\n\r\n")
        .server("HTTP/1.0 200 OK\r\n\r\nabc\ndef")
        .run();
    assertEquals(10, lines.only().responseBodyLen());
    assertEquals(7, lines.only().responseBodyWireLen());
    Conversation.Run bytes = Conversation.of()
        .client("GET / HTTP/1.0\r\n\r\n")
        .server("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nabc\ndef")
        .run();
    assertEquals(7, bytes.only().responseBodyLen());
  }

  @Test
  void responseBeforeAnyRequestTakesItsOwnTransDepth() {
    // Zeek's http-desynched: a response with no request, then a request and its response
    Conversation.Run r = Conversation.of()
        .server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        .client("GET /x HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        .run();
    assertEquals(2, r.tx.size(), r.text());
    assertNull(r.tx.get(0).method());
    assertEquals(1, r.tx.get(0).transDepth());
    assertEquals(200, r.tx.get(0).statusCode());
    assertEquals("GET", r.tx.get(1).method());
    assertEquals(2, r.tx.get(1).transDepth());
    assertEquals(404, r.tx.get(1).statusCode());
    assertEquals(1, r.count(HttpWeird.HTTP_RESPONSE_BEFORE_REQUEST));
  }

  @Test
  void contentRangeOf206() {
    Conversation.Run r = Conversation.of()
        .client("GET /big HTTP/1.1\r\nRange: bytes=10-19\r\n\r\n")
        .server("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 10-19/100\r\n\r\n0123456789")
        .run();
    assertEquals(10, r.only().responseBodyLen());
  }

  // ---------------------------------------------------------------- CONNECT, upgrades, HTTP/0.9

  @Test
  void connectTunnelIsNotHttp() {
    Conversation.Run r = Conversation.of()
        .client("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        .server("HTTP/1.1 200 Connection established\r\n\r\n")
        .client(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5})
        .server(new byte[] {0x16, 0x03, 0x03, 0x00, 0x02, 9, 9})
        .client("GET /not-http-any-more HTTP/1.1\r\n\r\n")
        .run();
    HttpTransaction t = r.only();
    assertEquals("CONNECT", t.method());
    assertEquals("example.com:443", t.uri());
    assertEquals(200, t.statusCode());
    assertEquals(0, t.responseBodyLen());
    assertTrue(r.parser.upgraded());
    assertFalse(r.weirds.contains(HttpWeird.HTTP_PROTOCOL_VIOLATION), r.weirds::toString);
  }

  @Test
  void failedConnectStaysHttp() {
    Conversation.Run r = Conversation.of()
        .client("CONNECT example.com:443 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        .client("GET http://example.com/ HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .run();
    assertEquals(2, r.tx.size(), r.text());
    assertEquals("http://example.com/", r.tx.get(1).uri());
    assertFalse(r.parser.upgraded());
  }

  @Test
  void websocketUpgradeEndsHttpWith101Logged() {
    Conversation.Run r = Conversation.of()
        .client("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: http://o\r\n\r\n")
        .server("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        .server(new byte[] {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'})
        .client(new byte[] {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9})
        .open()
        .run(HttpParserContext::new);
    // handed on as the connection became a tunnel, without waiting for its end
    HttpTransaction t = r.only();
    assertEquals(101, t.statusCode());
    assertEquals(101, t.infoCode());
    assertEquals("Switching Protocols", t.statusMsg());
    assertEquals("http://o", t.origin());
    assertTrue(r.parser.upgraded());
  }

  @Test
  void http09RequestGetsARawResponseUntilClose() {
    Conversation.Run r = Conversation.of()
        .client("GET /index.html\r\n")
        .server("<html>hello</html>\n")
        .run();
    HttpTransaction t = r.only();
    assertEquals("GET", t.method());
    assertEquals("/index.html", t.uri());
    assertEquals("0.9", t.version());
    assertEquals(0, t.statusCode());
    assertEquals("<empty>", t.statusMsg());
    assertEquals(19, t.responseBodyLen());
  }

  // ---------------------------------------------------------------- gaps

  @Test
  void gapInsideABodyIsCountedAndParsingGoesOn() {
    Conversation.Run r = Conversation.of()
        .client("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        .gap(false, 80)
        .server("0123456789HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz")
        .run();
    assertEquals(2, r.tx.size(), r.text());
    assertEquals(100, r.tx.get(0).responseBodyLen());
    assertEquals(1, r.tx.get(1).responseBodyLen());
    assertEquals(1, r.count(HttpWeird.HTTP_CONTENT_GAP_IN_BODY));
  }

  @Test
  void gapInsideAChunkIsCountedToo() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n0123")
        .gap(false, 24)
        .server("4567\r\n0\r\n\r\n")
        .run();
    assertEquals(32, r.only().responseBodyLen());
  }

  @Test
  void gapInHeadersStopsTheDirectionCleanly() {
    Conversation.Run r = Conversation.of()
        .client("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-")
        .gap(false, 30)
        .server("Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
        .client("GET /2 HTTP/1.1\r\nHost: b\r\n\r\n")
        .run();
    assertEquals(2, r.tx.size(), r.text());
    assertEquals(200, r.tx.get(0).statusCode(), "the response read so far is kept");
    assertEquals("/2", r.tx.get(1).uri(), "the client's side goes on");
    assertEquals(-1, r.tx.get(1).statusCode());
    assertEquals(1, r.count(HttpWeird.HTTP_CONTENT_GAP));
  }

  @Test
  void gapRightAtTheStartOfABodyStopsTheDirectionAsInZeek() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        .gap(false, 10)
        .run();
    assertEquals(0, r.only().responseBodyLen());
    assertEquals(1, r.count(HttpWeird.HTTP_CONTENT_GAP));
  }

  @Test
  void clientGapOutsideABodyStopsBothDirectionsOfAnOpenExchange() {
    Conversation.Run r = Conversation.of()
        .client("GET /1 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
        .gap(true, 50)
        .server("56789HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .run();
    assertEquals(5, r.only().responseBodyLen(), "the response ends where the gap was reported");
  }

  // ---------------------------------------------------------------- header fields

  @Test
  void basicAuthKeepsTheUserNeverThePassword() {
    String cred = java.util.Base64.getEncoder().encodeToString("alice:s3cr3t-pw".getBytes(StandardCharsets.UTF_8));
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\nAuthorization: Basic " + cred + "\r\n"
            + "X-Forwarded-For: 10.1.2.3\r\nVia: 1.1 proxy\r\nX-Forwarded-For: 10.1.2.3\r\n"
            + "Referer: http://r/\r\n\r\n")
        .run();
    HttpTransaction t = r.only();
    assertEquals("alice", t.username());
    assertFalse(t.toString().contains("s3cr3t"));
    assertFalse(t.toString().contains(cred));
    assertEquals(List.of("X-FORWARDED-FOR -> 10.1.2.3", "VIA -> 1.1 proxy"), t.proxied());
    assertEquals("http://r/", t.referrer());
  }

  @Test
  void basicAuthWithoutColonLeaksNothing() {
    String cred = java.util.Base64.getEncoder().encodeToString("justatoken".getBytes(StandardCharsets.UTF_8));
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\nProxy-Authorization: basic  " + cred + "\r\n\r\n").run();
    assertEquals("<problem-decoding>", r.only().username());
  }

  @Test
  void bearerIsNotBasic() {
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\nAuthorization: Bearer abc.def\r\n\r\n").run();
    assertNull(r.only().username());
  }

  @Test
  void foldedHeaderIsJoinedAndReported() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\nUser-Agent: first\r\n second\r\nHost: h\r\n\r\n")
        .run();
    assertEquals("first second", r.only().userAgent());
    assertEquals(1, r.count(HttpWeird.HTTP_OBSOLETE_LINE_FOLDING));
  }

  @Test
  void uriIsUnescapedAsZeekDoes() {
    String[][] cases = {
        {"/a%20b", "/a b"}, {"/%41%u0042%u00e9", "/AB\u00e9"}, {"/%%41", "/A"}, {"/x%", "/x%"}, {"/x%4", "/x%4"},
        {"/%zz", "/%zz"}, {"/%C3%BC", "/\u00fc"}, {"/%FC", "/\u00fc"}};
    for (String[] c : cases) {
      Conversation.Run r = Conversation.of().client("GET " + c[0] + " HTTP/1.1\r\n\r\n").run();
      assertEquals(c[1], r.only().uri(), c[0]);
    }
  }

  @Test
  void requestLineShapesAsZeekReadsThem() {
    // spaces inside the target, a missing target, lowercase keyword, CR-only and LF-only line ends
    assertEquals("/a b", Conversation.of().client("GET /a b HTTP/1.1\r\n\r\n").run().only().uri());
    assertEquals("", Conversation.of().client("OPTIONS HTTP/1.1\r\n\r\n").run().only().uri());
    assertEquals("/HTTP/1.1", Conversation.of().client("GET /HTTP/1.1\n\n").run().only().uri());
    Conversation.Run cr = Conversation.of().client("GET /cr HTTP/1.1\rHost: c\r\r").server("HTTP/1.1 200 OK\rContent-Length: 0\r\r").run();
    assertEquals("c", cr.only().host());
    assertEquals(200, cr.only().statusCode());
  }

  @Test
  void statusLineWithoutReasonIsEmptyInAngleBrackets() {
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\n\r\n").server("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").run();
    assertEquals("<empty>", r.only().statusMsg());
  }

  // ---------------------------------------------------------------- content coding

  @Test
  void gzipAndDeflateBodiesAreCountedDecompressed() throws IOException {
    byte[] plain = "All work and no play makes Jack a dull boy.\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
    byte[] gz = gzip(plain);
    byte[] zlib = deflate(plain, false);
    byte[] raw = deflate(plain, true);
    for (byte[][] c : new byte[][][] {{gz, "gzip".getBytes()}, {gz, "x-gzip".getBytes()},
        {zlib, "deflate".getBytes()}, {raw, "deflate".getBytes()}}) {
      byte[] head = ("HTTP/1.1 200 OK\r\nContent-Encoding: " + new String(c[1]) + "\r\nContent-Length: " + c[0].length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\n\r\n").server(head).server(c[0]).run();
      assertEquals(plain.length, r.only().responseBodyLen(), new String(c[1]));
      assertEquals(c[0].length, r.only().responseBodyWireLen());
    }
  }

  @Test
  void brokenGzipCountsWhatInflatedBeforeTheError() {
    // a gzip member whose deflate data is flushed to a byte boundary after 30000 bytes, then a block
    // header with the reserved type 11: inflating gives exactly those 30000 bytes, then an error
    byte[] half = "0123456789abcdef".repeat(1875).getBytes(StandardCharsets.US_ASCII);
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(half);
    byte[] buf = new byte[half.length];
    int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
    d.end();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    gz.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
    gz.write(buf, 0, n);
    gz.writeBytes(new byte[] {0x07, 0x55, 0x55, 0x55, 0x55}); // BFINAL 1, BTYPE 11: invalid
    byte[] body = gz.toByteArray();
    byte[] head = ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\n\r\n").server(head).server(body).run();
    assertEquals(half.length, r.only().responseBodyLen());
    assertEquals(body.length, r.only().responseBodyWireLen());
    assertEquals(1, r.count(HttpWeird.INFLATE_FAILED));
  }

  @Test
  void decompressionBombStopsAtTheLimit() throws IOException {
    byte[] gz = gzip(new byte[50 << 20]); // 50 MiB of zeros in ~50 KiB
    byte[] head = ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gz.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    HttpParserContext ctx = new HttpParserContext(8192, 65536, 256, 100, true, 1 << 20, 10240);
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\n\r\n").server(head).server(gz)
        .run(HttpFeeder.Chunking.whole(), ctx);
    assertEquals(1 << 20, r.only().responseBodyLen());
    assertEquals(1, r.count(HttpWeird.HTTP_INFLATE_LIMIT));
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  static byte[] deflate(byte[] b, boolean raw) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
    d.setInput(b);
    d.finish();
    byte[] buf = new byte[b.length + 64];
    int n = d.deflate(buf);
    d.end();
    return java.util.Arrays.copyOf(buf, n);
  }

  // ---------------------------------------------------------------- detection by content

  @Test
  void probes() {
    assertTrue(probeReq("GET / HTTP/1.1\r\n"));
    assertTrue(probeReq("\r\nPOST /x HTTP/1.1"));
    assertTrue(probeReq("PROPFIND /d HTTP/1.1"));
    assertTrue(probeReq("GET"), "a whole method is enough");
    assertTrue(probeReq("OPT"), "3 bytes of a method are enough");
    assertFalse(probeReq("GE"));
    assertFalse(probeReq("GETX / HTTP/1.1"));
    assertFalse(probeReq("get / HTTP/1.1"));
    assertFalse(probeReq("\u0016\u0003\u0001\u0002\u0000"));
    assertFalse(probeReq("SSH-2.0-OpenSSH_9.2"));
    assertFalse(probeReq(""));
    assertTrue(probeResp("HTTP/1.1 200 OK"));
    assertTrue(probeResp("http/1.0 404"));
    assertTrue(probeResp("HTTP"));
    assertFalse(probeResp("HTTP/x"));
    assertFalse(probeResp("HTT"));
    assertFalse(probeResp("SSH-2.0"));
    byte[] buf = "xxGET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    assertTrue(HttpConnectionParser.probeRequest(buf, 2, buf.length - 2), "honours the offset");
  }

  private static boolean probeReq(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return HttpConnectionParser.probeRequest(b, 0, b.length);
  }

  private static boolean probeResp(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return HttpConnectionParser.probeResponse(b, 0, b.length);
  }
}
