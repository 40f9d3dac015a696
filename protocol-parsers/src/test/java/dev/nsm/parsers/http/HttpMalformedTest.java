package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken input: each gives its named, counted outcome, never an exception, with work
 * linear in the input and memory within the context's limits.
 */
class HttpMalformedTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  /** Bytes a parser may hold whatever it is fed: two lines, two held headers, the pending ring. */
  private static final long RETAINED_BOUND = 4L * new HttpParserContext().maxLineLength + 1024;

  @Test
  void oneMegabyteHeaderLineIsCutAndStopsTheRequestSide() {
    String big = "X-Big: " + "a".repeat(1 << 20) + "\r\n";
    Conversation.Run r = assertTimeoutPreemptively(BOUND, () -> Conversation.of()
        .client("GET /big HTTP/1.1\r\nHost: h\r\n" + big + "\r\n")
        .server("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n")
        .open()
        .run());
    assertTrue(r.parser.retainedBytes() <= RETAINED_BOUND, "retained " + r.parser.retainedBytes());
    r.parser.onClose();
    HttpTransaction t = r.only();
    assertEquals("/big", t.uri());
    assertEquals("h", t.host(), "headers before the limit count");
    assertEquals(431, t.statusCode(), "the server's side goes on");
    assertEquals(1, r.count(HttpWeird.CONTENTLINE_SIZE_EXCEEDED));
    assertEquals(1, r.count(HttpWeird.HTTP_HEADER_BLOCK_TOO_LARGE));
  }

  @Test
  void tenThousandHeadersStopAtTheLimit() {
    StringBuilder b = new StringBuilder("GET /many HTTP/1.1\r\n");
    for (int k = 0; k < 10_000; k++) {
      b.append("X-H").append(k).append(": v\r\n");
    }
    b.append("\r\n");
    Conversation.Run r = assertTimeoutPreemptively(BOUND, () -> Conversation.of().client(b.toString()).run());
    assertEquals("/many", r.only().uri());
    assertEquals(1, r.count(HttpWeird.HTTP_TOO_MANY_HEADERS));
    assertEquals(0, r.count(HttpWeird.HTTP_HEADER_BLOCK_TOO_LARGE), "256 short lines are far below 64 KiB");
  }

  @Test
  void veryLongRequestLineIsTruncatedNotStored() {
    String uri = "/" + "u".repeat(100_000);
    Conversation.Run r = Conversation.of().client("GET " + uri + " HTTP/1.1\r\nHost: h\r\n\r\n")
        .server("HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n").run();
    HttpTransaction t = r.only();
    assertEquals("GET", t.method());
    // the line is cut at 8 KiB: "GET " and 8188 bytes of the target; the version went with the cut,
    // which does not make it HTTP/0.9: the server's status line is read as one
    assertEquals(8192 - 4, t.uri().length());
    assertEquals(414, t.statusCode());
    assertEquals("1.1", t.version());
    assertEquals(1, r.count(HttpWeird.CONTENTLINE_SIZE_EXCEEDED));
  }

  @Test
  void chunkSizeOverflowIsABadChunkSize() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        .run();
    assertEquals(1, r.count(HttpWeird.HTTP_BAD_CHUNK_SIZE));
    // read as the last chunk (Zeek): an empty trailer ends the message, the next response parses
    assertEquals(2, r.tx.size(), r.text());
    assertEquals(0, r.tx.get(0).responseBodyLen());
    assertEquals(2, r.tx.get(1).responseBodyLen());
  }

  @Test
  void hugeButValidChunkSizeIsCountedNotAllocated() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n" + "x".repeat(5000))
        .run();
    assertEquals(5000, r.only().responseBodyLen());
    assertEquals(0, r.count(HttpWeird.HTTP_BAD_CHUNK_SIZE));
  }

  @Test
  void negativeAndNonNumericContentLengthAreZero() {
    for (String cl : new String[] {"-5", "abc", "99999999999999999999", "+5"}) {
      Conversation.Run r = Conversation.of()
          .client("POST /p HTTP/1.1\r\nContent-Length: " + cl + "\r\n\r\nGET /next HTTP/1.1\r\n\r\n")
          .run();
      assertEquals(1, r.count(HttpWeird.HTTP_BAD_CONTENT_LENGTH), cl);
      assertEquals(2, r.tx.size(), cl + ": " + r.text());
      assertEquals(0, r.tx.get(0).requestBodyLen(), cl);
      assertEquals("/next", r.tx.get(1).uri(), cl);
    }
  }

  @Test
  void duplicateContentLengthTheLastWinsAsInZeek() {
    Conversation.Run r = Conversation.of()
        .client("POST /p HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcdeGET /n HTTP/1.1\r\n\r\n")
        .run();
    assertEquals(1, r.count(HttpWeird.HTTP_DUPLICATE_CONTENT_LENGTH));
    assertEquals(5, r.tx.get(0).requestBodyLen());
    assertEquals("/n", r.tx.get(1).uri());
  }

  @Test
  void contentLengthWithChunkedTheChunkedWins() {
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        .run();
    assertEquals(3, r.only().responseBodyLen());
    assertEquals(1, r.count(HttpWeird.HTTP_CONTENT_LENGTH_AND_CHUNKED));
  }

  @Test
  void missingCrlfAtTheEndStillGivesTheRequest() {
    Conversation.Run r = Conversation.of().client("GET /no-crlf HTTP/1.1\r\nHost: h").run();
    assertEquals("/no-crlf", r.only().uri());
    assertEquals("h", r.only().host(), "a line cut by the end is read as a line");
  }

  @Test
  void headerWithoutColonIsIgnored() {
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\nNoColonHere\r\nHost: h\r\n\r\n").run();
    assertEquals("h", r.only().host());
    assertEquals(1, r.count(HttpWeird.HTTP_MALFORMED_HEADER));
  }

  @Test
  void binaryGarbageIsNotHttp() {
    byte[] junk = new byte[4096];
    new Random(42).nextBytes(junk);
    junk[0] = 0x16; // a TLS record type, say
    Conversation.Run r = Conversation.of().client(junk).server(junk).client(junk).run();
    assertTrue(r.tx.isEmpty(), r.text());
    assertEquals(1, r.count(HttpWeird.HTTP_PROTOCOL_VIOLATION));
    assertTrue(r.parser.gaveUp());
    assertFalse(r.parser.confirmed());
  }

  @Test
  void violationAfterConfirmationTakesTheServiceBack() {
    // Zeek's http-11-request-then-cruft: one exchange, then a line that is not a request
    Conversation.Run r = Conversation.of()
        .client("GET / HTTP/1.1\r\n").client("Host: zeek.org\r\n\r\n")
        .server("HTTP/1.1 301 Moved Permanently\r\nContent-Length: 3\r\n\r\nabc")
        .client("T / HTTP\r\n")
        .server("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        .open()
        .run();
    assertEquals(1, r.tx.size(), r.text());
    assertEquals(301, r.tx.get(0).statusCode());
    assertTrue(r.parser.gaveUp());
    assertFalse(r.parser.confirmed());
  }

  @Test
  void garbageAfterTenKilobytesStopsOnlyThatSide() {
    // Zeek's DPD ignores violations after 10 KiB: the other direction is still read
    String body = "b".repeat(12_000);
    Conversation.Run r = Conversation.of()
        .client("GET /1 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .client("\u0001\u0002 not http\r\nGET /2 HTTP/1.1\r\n\r\n")
        .server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .run();
    assertEquals(1, r.count(HttpWeird.HTTP_PROTOCOL_VIOLATION));
    assertEquals(2, r.tx.size(), r.text());
    assertEquals(null, r.tx.get(1).method(), "the client side stopped; the response has no request");
    assertEquals(200, r.tx.get(1).statusCode());
  }

  @Test
  void badFirstRequestWithAnHttpServerIsReadAsZeekReadsIt() {
    // Zeek's methods.pcap: the analyzer goes, the server's "HTTP/1.0 ..." brings it back for the server
    Conversation.Run r = Conversation.of()
        .client("OPTIONSHTTP/1.1\nHost: www.google.com\n\n")
        .server("HTTP/1.0 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad")
        .run();
    HttpTransaction t = r.only();
    assertEquals(null, t.method());
    assertEquals("1.0", t.version());
    assertEquals(400, t.statusCode());
    assertEquals(3, t.responseBodyLen());
    assertFalse(r.parser.confirmed(), "a response to no request does not confirm (Zeek)");
  }

  @Test
  void manyPipelinedRequestsWithoutResponsesAreBounded() {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < 1000; k++) {
      b.append("GET /").append(k).append(" HTTP/1.1\r\n\r\n");
    }
    Conversation.Run r = Conversation.of().client(b.toString()).open().run();
    assertTrue(r.parser.pendingTransactions() <= 102, "pending " + r.parser.pendingTransactions());
    assertTrue(r.count(HttpWeird.HTTP_EXCESSIVE_PIPELINING) > 0);
    r.parser.onClose();
    assertEquals(1000, r.tx.size(), "every request is handed on, early or at the end");
  }

  @Test
  void proxyHeadersAreCappedPerTransaction() {
    StringBuilder b = new StringBuilder("GET / HTTP/1.1\r\n");
    for (int k = 0; k < 200; k++) {
      b.append("Via: 1.1 hop").append(k).append("\r\n");
    }
    Conversation.Run r = Conversation.of().client(b.append("\r\n").toString()).run();
    assertEquals(HttpTransaction.MAX_PROXIED, r.only().proxied().size());
    assertEquals("VIA -> 1.1 hop0", r.only().proxied().get(0));
  }

  @Test
  void nothingHappensAfterClose() {
    Conversation.Run r = Conversation.of().client("GET / HTTP/1.1\r\n\r\n").run();
    byte[] more = "GET /late HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    r.parser.feed(true, more, 0, more.length, 0);
    r.parser.onGap(false, 10);
    r.parser.onClose();
    assertEquals(1, r.tx.size());
  }
}
