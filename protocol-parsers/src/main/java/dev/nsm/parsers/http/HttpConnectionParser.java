package dev.nsm.parsers.http;

import dev.nsm.parsers.http.HttpStream.State;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;

/**
 * HTTP/0.9 to 1.1 over one TCP connection: both directions, fed in order, bytes counted not kept.
 * Each request/response pair becomes an {@link HttpTransaction} with the fields of Zeek's http.log,
 * handed to the {@link HttpTransactionListener}; every malformation or limit is an {@link HttpWeird},
 * counted in the {@link HttpParserContext}. Nothing here throws on any input, and memory per
 * connection is bounded by the context's limits.
 *
 * <p>Semantics are Zeek's (src/analyzer/protocol/http/HTTP.cc and base/protocols/http/main.zeek at
 * zeek/zeek a13de64f), because Zeek's http.log is the reference the records are scored against: the
 * same request-line and status-line parsing (a request without "HTTP/" is HTTP/0.9, whose response is
 * all body until close), the same body framing (Transfer-Encoding: chunked only for HTTP/1.1; no body
 * for HEAD, 1xx, 204, 304; a response without length read until the connection closes), the same
 * pairing of responses to requests by order, the same body lengths (decompressed for gzip/deflate,
 * gap bytes inside a body of known length included), and the same giving up: a line that is not
 * HTTP within the first 10 KiB of a connection ends HTTP parsing of it, as Zeek's DPD removes its
 * analyzer. Where this parser differs from Zeek on purpose it says so at the place.
 *
 * <p>One instance per connection, on one thread. {@link #onClose()} when the connection ends (FIN,
 * RST or timeout): it finishes what is open and hands on every pending transaction, then frees the
 * native memory of a body being decompressed.
 */
public final class HttpConnectionParser {
  // ---------------------------------------------------------------- detection by content

  /** Zeek's dpd_http_client signature methods (base/protocols/http/dpd.sig). */
  private static final byte[][] PROBE_METHODS = ascii("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE",
      "QUERY", "ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", "CHECKOUT", "CONNECT", "COPY", "LABEL", "LINK",
      "LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MKREDIRECTREF", "MOVE", "ORDERPATCH", "PATCH",
      "PROPFIND", "PROPPATCH", "REBIND", "REPORT", "SEARCH", "TRACE", "UNBIND", "UNCHECKOUT", "UNLINK",
      "UNLOCK", "UPDATE", "VERSION-CONTROL", "BCOPY", "BDELETE", "BMOVE", "BPROPFIND", "BPROPPATCH",
      "NOTIFY", "POLL", "SUBSCRIBE", "UNSUBSCRIBE", "X-MS-ENUMATTS", "MKWORKSPACE", "RPC_IN_DATA",
      "RPC_OUT_DATA");

  /**
   * Whether a client's first bytes look like an HTTP request: optional whitespace, then one of the
   * methods of Zeek's HTTP signature followed by a space or tab. When the bytes end inside the
   * method, at least 3 matching bytes (or the whole method) are enough. Allocates nothing.
   */
  public static boolean probeRequest(byte[] buf, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && HttpText.isSpace(buf[i])) {
      i++;
    }
    if (i == end) {
      return false;
    }
    int avail = end - i;
    for (byte[] m : PROBE_METHODS) {
      int n = Math.min(m.length, avail);
      if (!HttpText.regionEquals(buf, i, m, n, false)) {
        continue;
      }
      if (avail > m.length) {
        if (HttpText.isLws(buf[i + m.length])) {
          return true;
        }
      } else if (n >= Math.min(m.length, 3)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a server's first bytes look like an HTTP response: "HTTP/" and a digit, any case (Zeek's
   * dpd_http_server); when fewer bytes are there, at least 4 matching ones. Allocates nothing.
   */
  public static boolean probeResponse(byte[] buf, int off, int len) {
    int n = Math.min(len, 6);
    if (n < 4) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      byte c = buf[off + k];
      boolean ok;
      if (k < 5) {
        if (c >= 'a' && c <= 'z') {
          c -= 32;
        }
        ok = c == HTTP_SLASH[k];
      } else {
        ok = c >= '0' && c <= '9';
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsLikeResponse(byte[] b, int len) {
    return len >= 6 && probeResponse(b, 0, len);
  }

  // ---------------------------------------------------------------- Zeek's HTTP::http_methods

  private static final Set<String> KNOWN_METHODS = Set.of("GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE",
      "TRACE", "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "POLL",
      "REPORT", "SUBSCRIBE", "BMOVE", "SEARCH", "QUERY");

  private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
  private static final byte[] SP_HTTP_SLASH = {' ', 'H', 'T', 'T', 'P', '/'};
  private static final byte[] HEAD = {'H', 'E', 'A', 'D'};
  private static final byte[] CONNECT = {'C', 'O', 'N', 'N', 'E', 'C', 'T'};
  private static final byte[] KEEP_ALIVE = ascii("KEEP-ALIVE")[0];
  private static final byte[] CLOSE = ascii("CLOSE")[0];
  private static final byte[] UPGRADE = ascii("UPGRADE")[0];
  private static final byte[] CHUNKED = ascii("CHUNKED")[0];
  private static final byte[] GZIP = ascii("GZIP")[0];
  private static final byte[] X_GZIP = ascii("X-GZIP")[0];
  private static final byte[] DEFLATE = ascii("DEFLATE")[0];
  private static final byte[] BYTES = ascii("bytes")[0];
  private static final String EMPTY_REASON = "<empty>";

  // ---------------------------------------------------------------- state

  private final HttpParserContext ctx;
  private final HttpTransactionListener listener;
  private final HttpPairing pairing;
  private final HttpStream client = new HttpStream(true);
  private final HttpStream server = new HttpStream(false);

  // Zeek's HTTP_Analyzer state (reset when the analyzer is made anew, see revive)
  private int numRequests;
  private int numReplies;
  private boolean keepAlive;
  /** A response said "Connection: close" (or HTTP/0.9): bodies without length run to the end. */
  private boolean connectionClose;
  private boolean connectRequest;
  private boolean upgradeConnection;
  private boolean upgradeProtocol;
  /** Versions as major * 10 + minor; 0 is unset ("0.0"). */
  private int requestVersion;
  private int replyVersion;
  private int replyCode;
  /** Methods of requests not yet answered, oldest first, as "is HEAD" flags in a ring. */
  private boolean[] unansweredHead;
  private int unansweredFirst;
  private int unansweredCount;

  /** Parsing gave up on the whole connection (Zeek's DPD removed the analyzer). */
  private boolean removed;
  /** Zeek's AnalyzerConfirmation, and not taken back by a later removal: "http" in conn.log's service. */
  private boolean confirmed;
  /** Removed before the server said anything: a server that starts with "HTTP/d" brings it back. */
  private boolean revivable;
  private boolean closed;
  /** After CONNECT 200 or 101 Switching Protocols, bytes left in the server's chunk are reported once. */
  private HttpWeird tunnelWeird;
  private long weirdsSeen;
  private long tsNanos;
  /** Stream position just past the line being handled (for the DPD byte count). */
  private long linePos;

  public HttpConnectionParser(HttpParserContext ctx, HttpTransactionListener listener) {
    this.ctx = Objects.requireNonNull(ctx, "ctx");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.pairing = new HttpPairing(this, ctx, listener);
  }

  // ---------------------------------------------------------------- input

  /**
   * The next {@code len} bytes of one direction, in order, seen at {@code tsNanos} (packet time,
   * ns since the epoch). The bytes are only read during the call.
   */
  public void feed(boolean fromClient, byte[] buf, int off, int len, long tsNanos) {
    Objects.checkFromIndexSize(off, len, buf.length);
    this.tsNanos = tsNanos;
    feed(fromClient, buf, off, len);
  }

  /** As {@link #feed(boolean, byte[], int, int, long)}, at the time of the previous call. */
  public void feed(boolean fromClient, byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len == 0 || closed) {
      return;
    }
    HttpStream s = fromClient ? client : server;
    long base = s.offset;
    if (s.prefixLen == base && base < HttpStream.PREFIX) {
      int n = (int) Math.min(len, HttpStream.PREFIX - base);
      System.arraycopy(buf, off, s.prefix, s.prefixLen, n);
      s.prefixLen += n;
    }
    s.offset += len;
    if (removed) {
      if (!fromClient && revivable && s.prefixLen >= 6) {
        revive(buf, off, len, base);
      }
      return;
    }
    deliver(s, buf, off, len, base);
  }

  /**
   * {@code bytes} of one direction are missing (the reassembler gave up on them). Inside a body of
   * known length they are counted as body and parsing goes on; anywhere else the direction stops
   * (a client gap stops the server direction too if a response is being read), as in Zeek.
   */
  public void onGap(boolean fromClient, long bytes) {
    if (closed || bytes <= 0) {
      return;
    }
    HttpStream s = fromClient ? client : server;
    s.offset += bytes;
    if (removed) {
      if (!fromClient) {
        revivable = false;
      }
      return;
    }
    if (s.state == State.UPGRADED || s.state == State.BAD_MESSAGE) {
      return;
    }
    s.skipLf = false;
    // Zeek's HTTP_Entity::Undelivered: only inside a body of known length that has begun
    // (body_length > 0, a quirk kept: a gap right at the start of a body stops the direction)
    if (s.ongoing && (s.state == State.READ_FIXED_LENGTH_CONTENT || s.state == State.READ_CHUNKED_CONTENT)
        && s.bodyLen > 0 && s.remaining >= bytes) {
      weird(HttpWeird.HTTP_CONTENT_GAP_IN_BODY, fromClient);
      s.bodyLen += bytes;
      s.wireLen += bytes;
      s.remaining -= bytes;
      if (s.inflater != null) {
        s.inflater.end(); // what follows a hole does not inflate
      }
      if (s.remaining == 0) {
        if (s.state == State.READ_FIXED_LENGTH_CONTENT) {
          finishMessage(s, false);
        } else {
          s.state = State.READ_CHUNK_DELIMITER;
        }
      }
      return;
    }
    weird(HttpWeird.HTTP_CONTENT_GAP, fromClient);
    s.clearLine();
    if (fromClient) {
      // whether a response has a body may depend on the request: Zeek stops both
      finishMessage(client, true);
      finishMessage(server, true);
    } else {
      finishMessage(server, true);
    }
    s.state = State.BAD_MESSAGE;
  }

  /**
   * The connection ended (FIN, RST or timeout): a line cut short is read as a line, bodies read until
   * the end are complete, every pending transaction is handed on. Later input is ignored.
   */
  public void onClose() {
    if (closed) {
      return;
    }
    closeSide(client);
    closeSide(server);
    closed = true;
    pairing.finish();
    client.endInflater();
    server.endInflater();
  }

  /** Requests read but not yet handed on (waiting for their responses). */
  public int pendingTransactions() {
    return pairing.pendingCount();
  }

  /**
   * The connection is dropped without {@link #onClose} (its state thrown away after a failure): its
   * pending transactions stop counting against the worker's caps, and are not handed on.
   */
  public void discard() {
    pairing.discard();
  }

  /** Whether HTTP parsing gave up on this connection (it was not HTTP, or stopped being it). */
  public boolean gaveUp() {
    return removed || (client.state == State.BAD_MESSAGE && server.state == State.BAD_MESSAGE);
  }

  /**
   * Whether the connection counts as HTTP, as Zeek's conn.log {@code service} says it: a request line
   * was read, or a status line answering a request; a protocol violation that makes the parser give
   * up takes it back (Zeek's DPD removes the service of an analyzer it removes).
   */
  public boolean confirmed() {
    return confirmed;
  }

  /** Whether the connection became a tunnel (CONNECT 200, 101 Switching Protocols). */
  public boolean upgraded() {
    return client.state == State.UPGRADED;
  }

  /** Bytes this parser holds in buffers now (lines, held headers): bounded by the context's limits. */
  long retainedBytes() {
    return client.line.length + client.held.length + server.line.length + server.held.length
        + (unansweredHead == null ? 0 : unansweredHead.length);
  }

  // ---------------------------------------------------------------- the byte loop

  private void deliver(HttpStream s, byte[] b, int off, int len, long base) {
    final int start = off;
    final int end = off + len;
    loop:
    while (off < end) {
      if (s.skipLf) {
        s.skipLf = false;
        if (b[off] == '\n') {
          off++;
          continue;
        }
      }
      switch (s.state) {
        case READ_FIXED_LENGTH_CONTENT:
        case READ_CHUNKED_CONTENT: {
          int n = (int) Math.min(s.remaining, end - off);
          body(s, b, off, n);
          off += n;
          s.remaining -= n;
          if (s.remaining == 0) {
            if (s.state == State.READ_FIXED_LENGTH_CONTENT) {
              finishMessage(s, false);
            } else {
              s.state = State.READ_CHUNK_DELIMITER;
            }
          }
          break;
        }
        case READ_UNTIL_CLOSE:
          off = untilClose(s, b, off, end);
          break;
        case EXPECT_HTTP09:
          beginHttp09Reply();
          break;
        case SKIP_CONTROL_CHARS: {
          byte c = b[off];
          if (c == '\r' || c == '\n') {
            off++;
            s.skipLf = c == '\r';
            blankLine(s);
          } else {
            s.state = State.READ_INITIAL;
          }
          break;
        }
        case UPGRADED:
          if (tunnelWeird != null && !s.client) {
            weird(tunnelWeird, false);
          }
          break loop;
        case BAD_MESSAGE:
          break loop;
        default:
          off = readLine(s, b, off, end, base + (off - start));
      }
    }
    tunnelWeird = null;
  }

  /** Reads up to the end of a line (CR, LF or CRLF, as Zeek's ContentLine) and handles the line. */
  private int readLine(HttpStream s, byte[] b, int off, int end, long pos) {
    int i = off;
    while (i < end) {
      byte c = b[i];
      if (c == '\n' || c == '\r') {
        break;
      }
      i++;
    }
    int n = i - off;
    int max = ctx.maxLineLength;
    if (i == end) { // no end of line yet: keep what fits
      if (s.appendLine(b, off, n, max)) {
        weird(HttpWeird.CONTENTLINE_SIZE_EXCEEDED, s.client);
      }
      if ((s.state == State.READ_HEADER || s.state == State.READ_CHUNK_FOOTER)
          && s.headerBytes + s.lineRaw > ctx.maxHeaderBytes) {
        headerBlockTooLarge(s);
      }
      return end;
    }
    s.skipLf = b[i] == '\r';
    linePos = pos + n + 1;
    if (s.lineRaw == 0) { // the whole line is in this chunk: read it in place
      if (n > max) {
        weird(HttpWeird.CONTENTLINE_SIZE_EXCEEDED, s.client);
        onLine(s, b, off, max, n);
      } else {
        onLine(s, b, off, n, n);
      }
    } else {
      if (s.appendLine(b, off, n, max)) {
        weird(HttpWeird.CONTENTLINE_SIZE_EXCEEDED, s.client);
      }
      long raw = s.lineRaw;
      onLine(s, s.line, 0, s.lineLen, raw);
      s.clearLine();
    }
    return i + 1;
  }

  private void onLine(HttpStream s, byte[] b, int off, int len, long raw) {
    switch (s.state) {
      case READ_INITIAL:
        if (s.client) {
          requestLine(b, off, len, raw > len);
        } else {
          replyLine(b, off, len);
        }
        break;
      case READ_HEADER:
        headerLine(s, b, off, len, raw, false);
        break;
      case READ_CHUNK_SIZE:
        chunkSize(s, b, off, len);
        break;
      case READ_CHUNK_DELIMITER:
        if (len > 0) {
          weird(HttpWeird.HTTP_INACCURATE_CHUNK_SIZE, s.client);
        }
        s.state = State.READ_CHUNK_SIZE;
        break;
      case READ_CHUNK_FOOTER:
        headerLine(s, b, off, len, raw, true);
        break;
      default:
        break;
    }
  }

  /** An empty line where a message could start. */
  private void blankLine(HttpStream s) {
    if (s.client) {
      weird(requestExpected() ? HttpWeird.EMPTY_HTTP_REQUEST : HttpWeird.CRUD_TRAILING_HTTP_REQUEST, true);
    }
  }

  private boolean requestExpected() {
    return numRequests == 0 || keepAlive;
  }

  // ---------------------------------------------------------------- request line (HTTP_RequestLine, ParseRequest)

  /** @param truncated the line was longer than the limit (its version, if any, is cut off) */
  private void requestLine(byte[] b, int off, int len, boolean truncated) {
    int end = off + len;
    int m = off;
    while (m < end && HttpText.isTokenChar(b[m])) {
      m++;
    }
    if (m == off) {
      if (len >= 9 && HttpText.startsWith(b, end - 9, end, SP_HTTP_SLASH, true)) {
        weird(HttpWeird.BAD_HTTP_REQUEST_WITH_VERSION, true);
      } else {
        weird(HttpWeird.BAD_HTTP_REQUEST, true);
      }
      badRequestLine();
      return;
    }
    int rest = HttpText.skipWs(b, m, end);
    if (rest == m) {
      weird(HttpWeird.BAD_HTTP_REQUEST, true);
      badRequestLine();
      return;
    }
    // the URI runs over URI characters; then the version is the first "HTTP/" after whitespace, and
    // the URI is everything before that whitespace (so "GET /a b HTTP/1.1" has the URI "/a b")
    int uriEnd = rest;
    while (uriEnd < end && HttpText.isUriChar(b[uriEnd])) {
      uriEnd++;
    }
    boolean match = HttpText.startsWith(b, rest, end, HTTP_SLASH, false);
    if (!match && HttpText.startsWith(b, rest, end, HTTP_SLASH, true)) {
      weird(HttpWeird.LOWERCASE_HTTP_KEYWORD, true);
      match = true;
    }
    if (uriEnd >= end && match) {
      weird(HttpWeird.MISSING_HTTP_URI, true);
      uriEnd = rest;
    }
    int vs;
    for (vs = uriEnd; vs < end; ++vs) {
      uriEnd = vs;
      vs = HttpText.skipWs(b, vs, end);
      if (HttpText.startsWith(b, vs, end, HTTP_SLASH, false)) {
        break;
      }
      if (HttpText.startsWith(b, vs, end, HTTP_SLASH, true)) {
        weird(HttpWeird.LOWERCASE_HTTP_KEYWORD, true);
        break;
      }
    }
    if (vs >= end) {
      if (!truncated) {
        setVersion(true, 9); // no version: HTTP/0.9 (unless the version was cut off with the line)
      }
    } else if (vs + 8 <= end) {
      setVersion(true, version(b, vs + 5, end, true));
    } else {
      weird(HttpWeird.BAD_HTTP_VERSION, true);
    }
    if (requestVersion == 9 && (m - off < 3 || uriEnd == rest)) {
      weird(HttpWeird.BAD_HTTP_REQUEST, true);
      badRequestLine();
      return;
    }

    confirmed = true; // Zeek's HTTP_Request confirms the analyzer
    String method = HttpText.text(b, off, m - off);
    int uriLen = HttpText.unescapeUri(b, rest, uriEnd, ctx.uriScratch, this);
    String uri = HttpText.text(ctx.uriScratch, 0, uriLen);
    ++numRequests;
    if (!keepAlive && numRequests > 1) {
      weird(HttpWeird.UNEXPECTED_MULTIPLE_HTTP_REQUESTS, true);
    }
    client.beginMessage(HttpStream.BODY_MAYBE);
    client.state = State.READ_HEADER;
    // Zeek compares with strncasecmp over the method's length: "HE" counts as HEAD, "CON" as CONNECT
    pushUnanswered(isPrefixIgnoreCase(b, off, m - off, HEAD));
    pairing.request(method, uri, requestVersion == 0 ? null : versionString(requestVersion), tsNanos);
    if (!KNOWN_METHODS.contains(method)) {
      weird(HttpWeird.UNKNOWN_HTTP_METHOD, true);
    }
    if (isPrefixIgnoreCase(b, off, m - off, CONNECT)) {
      connectRequest = true;
    }
    if (requestVersion == 9) {
      if (!method.equals("GET")) {
        weird(HttpWeird.INVALID_HTTP_09_REQUEST_METHOD, true);
      }
      if (numReplies > 0 || server.ongoing) {
        weird(HttpWeird.HTTP_09_REPLY_BEFORE_REQUEST, false);
        finishMessage(server, false);
      }
      // the server's bytes are now raw body: no status line, no headers
      if (server.state != State.BAD_MESSAGE && server.state != State.UPGRADED) {
        server.clearLine();
        server.skipLf = false;
        server.state = State.EXPECT_HTTP09;
      }
    }
  }

  private void badRequestLine() {
    if (!requestExpected()) {
      weird(HttpWeird.CRUD_TRAILING_HTTP_REQUEST, true);
      client.state = State.SKIP_CONTROL_CHARS;
    } else {
      violation(client);
    }
  }

  /** The first server bytes after an HTTP/0.9 request: a response without status line or headers. */
  private void beginHttp09Reply() {
    setVersion(false, 9);
    if (unansweredCount > 0) {
      confirmed = true;
      popUnanswered();
    }
    connectionClose = true;
    numReplies++;
    replyCode = 0;
    connectRequest = false; // Zeek sets up a CONNECT tunnel only after a status line, never for 0.9
    server.beginMessage(expectReplyBody(0));
    pairing.reply(versionString(replyVersion), 0, EMPTY_REASON, tsNanos);
    server.state = State.READ_HEADER;
    endOfHeaders(server);
  }

  // ---------------------------------------------------------------- status line (HTTP_ReplyLine)

  private void replyLine(byte[] b, int off, int len) {
    int end = off + len;
    int rest;
    if (HttpText.startsWith(b, off, end, HTTP_SLASH, false)) {
      rest = off + 5;
    } else if (HttpText.startsWith(b, off, end, HTTP_SLASH, true)) {
      weird(HttpWeird.LOWERCASE_HTTP_KEYWORD, false);
      rest = off + 5;
    } else {
      weird(HttpWeird.BAD_HTTP_REPLY, false);
      violation(server);
      return;
    }
    setVersion(false, version(b, rest, end, false));
    while (rest < end && !HttpText.isLws(b[rest])) {
      rest++;
    }
    if (rest >= end) {
      weird(HttpWeird.HTTP_REPLY_CODE_MISSING, false);
      violation(server);
      return;
    }
    rest = HttpText.skipWs(b, rest, end);
    if (rest + 3 > end) {
      weird(HttpWeird.HTTP_REPLY_CODE_MISSING, false);
      violation(server);
      return;
    }
    int code = 0;
    if (isDigit(b[rest]) && isDigit(b[rest + 1]) && isDigit(b[rest + 2])) {
      code = (b[rest] - '0') * 100 + (b[rest + 1] - '0') * 10 + (b[rest + 2] - '0');
    }
    String reason = EMPTY_REASON; // Zeek's word for a status line without a reason phrase
    rest += 3;
    while (rest < end && !HttpText.isLws(b[rest])) {
      rest++;
    }
    if (rest < end) {
      rest = HttpText.skipWs(b, rest, end);
      reason = HttpText.text(b, rest, end - rest);
    }
    numReplies++;
    if (unansweredCount > 0) {
      confirmed = true;
    }
    replyCode = code;
    if (connectRequest && code != 200) {
      connectRequest = false;
    }
    server.beginMessage(expectReplyBody(code));
    server.state = State.READ_HEADER;
    pairing.reply(versionString(replyVersion), code, reason, tsNanos);
  }

  /** Zeek's ExpectReplyMessageBody: none for HEAD (the oldest unanswered request), 1xx, 204, 304. */
  private int expectReplyBody(int code) {
    if (unansweredCount > 0 && unansweredHead[unansweredFirst]) {
      return HttpStream.BODY_NOT_EXPECTED;
    }
    if ((code >= 100 && code < 200) || code == 204 || code == 304) {
      return HttpStream.BODY_NOT_EXPECTED;
    }
    return HttpStream.BODY_EXPECTED;
  }

  // ---------------------------------------------------------------- headers

  private void headerLine(HttpStream s, byte[] b, int off, int len, long raw, boolean trailer) {
    s.headerBytes += raw + 1;
    if (s.headerBytes > ctx.maxHeaderBytes) {
      headerBlockTooLarge(s);
      return;
    }
    if (len == 0) {
      finishHeld(s, trailer);
      if (trailer) {
        finishMessage(s, false);
      } else {
        endOfHeaders(s);
      }
      return;
    }
    if (HttpText.isLws(b[off])) {
      if (s.holding) { // a folded (continued) header line
        s.heldLines++;
        s.appendHeld(b, off, len, ctx.maxLineLength);
        return;
      }
      // Zeek: "first header line starts with linear whitespace", read as a header without it
      int ws = HttpText.skipWs(b, off, off + len);
      len -= ws - off;
      off = ws;
    }
    finishHeld(s, trailer);
    if (++s.headerCount > ctx.maxHeaders) {
      weird(HttpWeird.HTTP_TOO_MANY_HEADERS, s.client);
      giveUpDirection(s);
      return;
    }
    s.hold(b, off, len, ctx.maxLineLength);
  }

  private void headerBlockTooLarge(HttpStream s) {
    weird(HttpWeird.HTTP_HEADER_BLOCK_TOO_LARGE, s.client);
    s.clearLine();
    giveUpDirection(s);
  }

  /** A limit was hit: the message ends with what it has, the direction reads nothing more. */
  private void giveUpDirection(HttpStream s) {
    finishMessage(s, true); // the headers complete so far count, the one over the limit does not
    s.state = State.BAD_MESSAGE;
  }

  private void finishHeld(HttpStream s, boolean trailer) {
    if (!s.holding) {
      return;
    }
    s.holding = false;
    if (s.heldLines > 1) {
      weird(HttpWeird.HTTP_OBSOLETE_LINE_FOLDING, s.client);
    }
    header(s, s.held, 0, s.heldLen, trailer);
  }

  /** One header (folded lines joined): Zeek's MIME_Header, then HTTP_Entity::SubmitHeader, HTTP_Header and http_header. */
  private void header(HttpStream s, byte[] b, int off, int len, boolean trailer) {
    int end = off + len;
    int i = HttpText.skipLwsComments(b, off, end);
    int nameStart = -1;
    int nameEnd = -1;
    while (i < end) {
      if (HttpText.isFieldNameChar(b[i])) {
        nameStart = i;
        nameEnd = i;
        while (nameEnd < end && HttpText.isFieldNameChar(b[nameEnd])) {
          nameEnd++;
        }
        break;
      }
      int j = HttpText.skipLwsComments(b, i, end);
      i = j > i ? j : i + 1;
    }
    int colon = nameStart < 0 ? end : HttpText.skipLwsComments(b, nameEnd, end);
    if (colon >= end || b[colon] != ':') {
      weird(HttpWeird.HTTP_MALFORMED_HEADER, s.client);
      return;
    }
    int vs = colon + 1;
    while (vs < end && HttpText.isSpace(b[vs])) {
      vs++;
    }
    // every header event points the pairing at its transaction, whatever the header (Zeek's set_state)
    HttpTransaction tx = pairing.current(s.client, tsNanos);
    HttpHeaderName h = HttpHeaderName.lookup(b, nameStart, nameEnd - nameStart, s.client);
    if (h == null) {
      return;
    }
    if (h.proxy) {
      tx.addProxied(h.upper + " -> " + HttpText.text(b, vs, end - vs));
      pairing.reweigh(tx);
      return;
    }
    headerValue(s, h, tx, b, vs, end, trailer);
    pairing.reweigh(tx); // a header value may have grown the transaction: the worker's caps see it
  }

  private void headerValue(HttpStream s, HttpHeaderName h, HttpTransaction tx, byte[] b, int vs, int end, boolean trailer) {
    switch (h) {
      case HOST:
        tx.host = HttpText.text(b, vs, end - vs);
        break;
      case REFERER:
        tx.referrer = HttpText.text(b, vs, end - vs);
        break;
      case ORIGIN:
        tx.origin = HttpText.text(b, vs, end - vs);
        break;
      case USER_AGENT:
        tx.userAgent = HttpText.text(b, vs, end - vs);
        break;
      case AUTHORIZATION:
      case PROXY_AUTHORIZATION: {
        String user = HttpText.basicUser(b, vs, end);
        if (user != null) {
          tx.username = user;
        }
        break;
      }
      case CONNECTION:
        if (s.client) {
          if (HttpText.firstTokenIs(b, vs, end, KEEP_ALIVE)) {
            keepAlive = true;
          }
        } else if (HttpText.firstTokenIs(b, vs, end, CLOSE)) {
          connectionClose = true;
        } else if (HttpText.firstTokenIs(b, vs, end, UPGRADE)) {
          upgradeConnection = true;
        }
        break;
      case UPGRADE:
        upgradeProtocol = HttpText.token(b, vs, end) >= 0;
        break;
      default:
        if (!trailer) {
          entityHeader(s, h, b, vs, end);
        }
    }
  }

  /** The headers that frame the body (HTTP_Entity::SubmitHeader) and its MIME type. */
  private void entityHeader(HttpStream s, HttpHeaderName h, byte[] b, int vs, int end) {
    switch (h) {
      case CONTENT_LENGTH: {
        if (s.chunked) {
          weird(HttpWeird.HTTP_CONTENT_LENGTH_AND_CHUNKED, s.client);
        }
        long t = HttpText.token(b, vs, end);
        if (t < 0) {
          break;
        }
        long n = HttpText.parseLong(b, HttpText.tokenStart(t), HttpText.tokenEnd(t), 10);
        if (n == HttpText.NOT_A_NUMBER || n < 0) {
          weird(HttpWeird.HTTP_BAD_CONTENT_LENGTH, s.client);
          s.contentLength = 0;
          break;
        }
        if (s.contentLength >= 0 && s.contentLength != n) {
          weird(HttpWeird.HTTP_DUPLICATE_CONTENT_LENGTH, s.client);
        }
        s.contentLength = n;
        if (s.rangeLength >= 0 && s.rangeLength > s.contentLength) {
          s.contentLength = s.rangeLength; // Zeek takes the larger of the two against evasion
        }
        break;
      }
      case CONTENT_RANGE:
        if (replyCode == 206) {
          contentRange(s, b, vs, end);
        }
        break;
      case TRANSFER_ENCODING: {
        int version = client.ongoing ? requestVersion : replyVersion; // Zeek's choice, kept
        long t = HttpText.token(b, vs, end);
        if (t >= 0 && version == 11
            && HttpText.equalsIgnoreCase(b, HttpText.tokenStart(t), HttpText.tokenEnd(t) - HttpText.tokenStart(t),
                CHUNKED)) {
          s.chunked = true;
          if (HttpText.tokenEnd(t) < end) {
            weird(HttpWeird.HTTP_CHUNKED_MULTI, s.client);
          }
          if (s.contentLength >= 0) {
            weird(HttpWeird.HTTP_CONTENT_LENGTH_AND_CHUNKED, s.client);
          }
        }
        break;
      }
      case CONTENT_ENCODING:
        if (HttpText.firstTokenIs(b, vs, end, GZIP) || HttpText.firstTokenIs(b, vs, end, X_GZIP)) {
          s.encoding = HttpStream.GZIP;
        } else if (HttpText.firstTokenIs(b, vs, end, DEFLATE)) {
          s.encoding = HttpStream.DEFLATE;
        }
        break;
      case CONTENT_TYPE: {
        long type = HttpText.token(b, vs, end);
        if (type < 0) {
          break;
        }
        int slash = HttpText.skipLwsComments(b, HttpText.tokenEnd(type), end);
        if (slash >= end || b[slash] != '/') {
          break;
        }
        long sub = HttpText.token(b, slash + 1, end);
        if (sub < 0) {
          break;
        }
        s.mimeType = lower(b, HttpText.tokenStart(type), HttpText.tokenEnd(type)) + "/"
            + lower(b, HttpText.tokenStart(sub), HttpText.tokenEnd(sub));
        break;
      }
      default:
        break;
    }
  }

  /** "Content-Range: bytes FIRST-LAST/SIZE" of a 206: the body is LAST - FIRST + 1 bytes. */
  private void contentRange(HttpStream s, byte[] b, int vs, int end) {
    long unit = HttpText.token(b, vs, end);
    if (unit < 0) {
      return;
    }
    int us = HttpText.tokenStart(unit);
    int ue = HttpText.tokenEnd(unit);
    if (ue - us != BYTES.length || !HttpText.startsWith(b, us, ue, BYTES, false)) {
      return;
    }
    // the rest without spaces: FIRST-LAST/SIZE
    byte[] r = new byte[end - ue];
    int n = 0;
    for (int k = ue; k < end; k++) {
      if (b[k] != ' ') {
        r[n++] = b[k];
      }
    }
    int slash = indexOf(r, n, (byte) '/', 0);
    int dash = slash < 0 ? -1 : indexOf(r, slash, (byte) '-', 0);
    if (dash < 0) {
      return;
    }
    long first = HttpText.parseLong(r, 0, dash, 10);
    long last = HttpText.parseLong(r, dash + 1, slash, 10);
    if (first == HttpText.NOT_A_NUMBER || last == HttpText.NOT_A_NUMBER || first < 0 || last < first
        || last - first == Long.MAX_VALUE) {
      return;
    }
    long length = last - first + 1;
    s.rangeLength = length;
    if (s.contentLength > 0) {
      if (length > s.contentLength) {
        s.contentLength = length;
      }
    } else {
      s.contentLength = length;
    }
  }

  /** The header block ended: how the body is framed (HTTP_Entity::SubmitAllHeaders). */
  private void endOfHeaders(HttpStream s) {
    finishHeld(s, false);
    if (!s.client && s.expectBody == HttpStream.BODY_NOT_EXPECTED) {
      finishMessage(s, false);
    } else if (s.chunked) {
      s.state = State.READ_CHUNK_SIZE;
    } else if (s.contentLength > 0) {
      s.state = State.READ_FIXED_LENGTH_CONTENT;
      s.remaining = s.contentLength;
    } else if (s.contentLength == 0) {
      finishMessage(s, false);
    } else if (s.client) {
      // A request without length has no body (RFC 9112 6.3). Deliberately not Zeek: Zeek reads it to
      // the end of the connection when the content is gzip/deflate or when any earlier response said
      // "Connection: close", which swallows the requests that follow as body.
      finishMessage(s, false);
    } else if (connectionClose || s.encoding != HttpStream.IDENTITY) {
      s.state = State.READ_UNTIL_CLOSE; // "plain delivery" of everything that follows
    } else {
      // a response without length: Zeek reads it line by line to the end
      s.state = State.READ_UNTIL_CLOSE;
      s.lineModeBody = true;
    }
    if (!s.client && connectRequest && !removed) {
      // CONNECT answered 200: from here the bytes are the tunnel's, not HTTP
      enterTunnel(HttpWeird.PROTOCOL_DATA_WITH_HTTP_CONNECT_REPLY);
    }
  }

  // ---------------------------------------------------------------- bodies

  private void chunkSize(HttpStream s, byte[] b, int off, int len) {
    long n = HttpText.parseLong(b, off, off + len, 16);
    if (n == HttpText.NOT_A_NUMBER) {
      weird(HttpWeird.HTTP_BAD_CHUNK_SIZE, s.client);
      n = 0;
    }
    if (n > 0) {
      s.state = State.READ_CHUNKED_CONTENT;
      s.remaining = n;
    } else {
      s.state = State.READ_CHUNK_FOOTER; // the last chunk (or a bad size, as Zeek reads it): trailers
    }
  }

  private void body(HttpStream s, byte[] b, int off, int n) {
    if (n <= 0) {
      return;
    }
    s.wireLen += n;
    if (s.encoding != HttpStream.IDENTITY && ctx.inflateBodies) {
      if (s.inflater == null) {
        s.inflater = new BodyInflater();
      }
      s.bodyLen += s.inflater.feed(b, off, n, ctx, this, s.client);
    } else {
      s.bodyLen += n;
    }
  }

  /** A body read to the end of the connection, by bytes or (Zeek without plain delivery) by lines + 2. */
  private int untilClose(HttpStream s, byte[] b, int off, int end) {
    if (!s.lineModeBody) {
      body(s, b, off, end - off);
      return end;
    }
    s.wireLen += end - off;
    for (int i = off; i < end; i++) {
      byte c = b[i];
      if (c == '\n' && s.lineModeCr) {
        s.lineModeCr = false; // the LF of a CRLF already counted
      } else if (c == '\r' || c == '\n') {
        s.bodyLen += s.lineModePartial + 2;
        s.lineModePartial = 0;
        s.lineModeCr = c == '\r';
      } else {
        s.lineModePartial++;
        s.lineModeCr = false;
      }
    }
    return end;
  }

  // ---------------------------------------------------------------- message end, tunnels, giving up

  /** Zeek's RequestMade / ReplyMade: the message ends (interrupted: by a gap, a limit or the end). */
  private void finishMessage(HttpStream s, boolean interrupted) {
    if (!s.ongoing) {
      return;
    }
    s.ongoing = false;
    if (s.state == State.READ_HEADER || s.state == State.READ_CHUNK_FOOTER) {
      finishHeld(s, s.state == State.READ_CHUNK_FOOTER);
    }
    s.endInflater(); // after an inflate error the length counts what inflated before it, as in Zeek
    pairing.messageDone(s.client, s.bodyLen, s.wireLen, s.mimeType, tsNanos);
    if (s.client) {
      s.state = interrupted ? State.BAD_MESSAGE : State.SKIP_CONTROL_CHARS;
      return;
    }
    // 1xx responses do not answer the request
    if ((replyCode < 100 || replyCode >= 200) && unansweredCount > 0) {
      popUnanswered();
    }
    boolean upgrade = replyCode == 101 && unansweredCount == 1 && upgradeConnection && upgradeProtocol;
    replyCode = 0;
    upgradeConnection = false;
    upgradeProtocol = false;
    s.state = interrupted ? State.BAD_MESSAGE : State.SKIP_CONTROL_CHARS;
    if (upgrade && !interrupted) {
      enterTunnel(HttpWeird.PROTOCOL_DATA_WITH_HTTP_UPGRADE_REPLY);
    }
  }

  /**
   * The connection is no longer HTTP (CONNECT 200, 101 Switching Protocols): both directions stop,
   * and everything pending is handed on now with the values Zeek would log at the connection's end
   * (no HTTP byte can change them any more).
   */
  private void enterTunnel(HttpWeird ifDataFollows) {
    client.state = State.UPGRADED;
    server.state = State.UPGRADED;
    tunnelWeird = ifDataFollows;
    finishTunnelled(client);
    finishTunnelled(server);
    pairing.finish();
  }

  private void finishTunnelled(HttpStream s) {
    if (s.ongoing) {
      s.ongoing = false;
      s.endInflater();
      pairing.messageDone(s.client, s.bodyLen, s.wireLen, s.mimeType, tsNanos);
    }
  }

  /**
   * A line that is not HTTP: the direction stops (Zeek's EXPECT_*_NOTHING), and within the first
   * {@link HttpParserContext#ignoreViolationsAfter} bytes the whole connection stops, as Zeek's DPD
   * removes the analyzer on a protocol violation.
   */
  private void violation(HttpStream s) {
    weird(HttpWeird.HTTP_PROTOCOL_VIOLATION, s.client);
    s.state = State.BAD_MESSAGE;
    long size = linePos + (s.client ? server.offset : client.offset);
    if (ctx.ignoreViolationsAfter > 0 && size > ctx.ignoreViolationsAfter) {
      return;
    }
    // Zeek's HTTP_Analyzer::Done: open messages end as interrupted
    finishMessage(client, true);
    finishMessage(server, true);
    client.state = State.BAD_MESSAGE;
    server.state = State.BAD_MESSAGE;
    removed = true;
    confirmed = false;
    // Zeek's server signature (dpd.sig, /^[hH][tT][tT][pP]\/[0-9]/) is still waiting if the server
    // has not spoken: when it matches, a new HTTP analyzer reads the server's side from its start
    revivable = server.offset == 0;
  }

  /**
   * The analyzer comes back for the server's side when the server's stream starts like a response
   * (see {@link #violation}). The client's side stays stopped: the replayed client bytes are the ones
   * that were not HTTP. Zeek's new analyzer replays only the first server packet before the same
   * violation removes it again; here the server side is read to the end, which gives the same records
   * when the first response fits in one packet (an approximation independent of the chunking).
   */
  private void revive(byte[] b, int off, int len, long base) {
    revivable = false;
    if (!startsLikeResponse(server.prefix, server.prefixLen)) {
      return;
    }
    removed = false;
    numRequests = 0;
    numReplies = 0;
    keepAlive = false;
    connectionClose = false;
    connectRequest = false;
    upgradeConnection = false;
    upgradeProtocol = false;
    requestVersion = 0;
    replyVersion = 0;
    replyCode = 0;
    unansweredCount = 0;
    server.state = State.SKIP_CONTROL_CHARS;
    server.skipLf = false;
    server.clearLine();
    if (base > 0) { // the first bytes came in earlier chunks, all kept in the prefix
      deliver(server, server.prefix, 0, (int) base, 0);
    }
    deliver(server, b, off, len, base);
  }

  private void closeSide(HttpStream s) {
    if (removed) {
      return;
    }
    if (s.state.readsLines() && s.lineRaw > 0) {
      // Zeek's ContentLine delivers a line cut short by the end as a line
      long raw = s.lineRaw;
      linePos = s.offset;
      onLine(s, s.line, 0, s.lineLen, raw);
      s.clearLine();
      if (removed) {
        return;
      }
    }
    if (s.state == State.READ_UNTIL_CLOSE && s.lineModeBody && s.lineModePartial > 0) {
      s.bodyLen += s.lineModePartial + 2;
      s.lineModePartial = 0;
    }
    finishMessage(s, false);
  }

  // ---------------------------------------------------------------- analyzer bookkeeping

  private void pushUnanswered(boolean head) {
    if (unansweredHead == null) {
      unansweredHead = new boolean[8];
    }
    if (unansweredCount == unansweredHead.length) {
      if (unansweredCount >= ctx.maxPendingRequests) {
        popUnanswered(); // bounded as the pairing is: the oldest is forgotten
      } else {
        boolean[] bigger = new boolean[Math.min(unansweredHead.length * 2, ctx.maxPendingRequests)];
        for (int k = 0; k < unansweredCount; k++) {
          bigger[k] = unansweredHead[(unansweredFirst + k) % unansweredHead.length];
        }
        unansweredHead = bigger;
        unansweredFirst = 0;
      }
    }
    unansweredHead[(unansweredFirst + unansweredCount) % unansweredHead.length] = head;
    unansweredCount++;
  }

  private void popUnanswered() {
    unansweredFirst = (unansweredFirst + 1) % unansweredHead.length;
    unansweredCount--;
  }

  /** Zeek's SetVersion: a change is a weird; above 1.0 means keep-alive. */
  private void setVersion(boolean request, int v) {
    int cur = request ? requestVersion : replyVersion;
    if (cur != 0 && cur != v) {
      weird(HttpWeird.HTTP_VERSION_MISMATCH, request);
    }
    if (request) {
      requestVersion = v;
    } else {
      replyVersion = v;
    }
    if (v > 10) {
      keepAlive = true;
    }
  }

  /** "d.d" at b[i] as major * 10 + minor; anything else is 0 (Zeek's unset version) and a weird. */
  private int version(byte[] b, int i, int end, boolean fromClient) {
    if (end - i >= 3 && isDigit(b[i]) && b[i + 1] == '.' && isDigit(b[i + 2])) {
      return (b[i] - '0') * 10 + (b[i + 2] - '0');
    }
    weird(HttpWeird.BAD_HTTP_VERSION, fromClient);
    return 0;
  }

  private static String versionString(int v) {
    return (v / 10) + "." + (v % 10);
  }

  void weird(HttpWeird w, boolean fromClient) {
    ctx.increment(w);
    long bit = 1L << w.ordinal();
    if ((weirdsSeen & bit) == 0) {
      weirdsSeen |= bit;
      listener.onWeird(w, fromClient);
    }
  }

  // ---------------------------------------------------------------- small helpers

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }

  /** strncasecmp(method, WORD, method_len) == 0 for a non-empty method. */
  private static boolean isPrefixIgnoreCase(byte[] b, int off, int len, byte[] upperWord) {
    return len >= 1 && len <= upperWord.length && HttpText.regionEquals(b, off, upperWord, len, true);
  }

  private static int indexOf(byte[] b, int end, byte c, int from) {
    for (int k = from; k < end; k++) {
      if (b[k] == c) {
        return k;
      }
    }
    return -1;
  }

  private static String lower(byte[] b, int start, int end) {
    char[] c = new char[end - start];
    for (int k = start; k < end; k++) {
      byte x = b[k];
      c[k - start] = (char) (x >= 'A' && x <= 'Z' ? x + 32 : x & 0xff);
    }
    return new String(c);
  }

  private static byte[][] ascii(String... words) {
    byte[][] out = new byte[words.length][];
    for (int k = 0; k < words.length; k++) {
      out[k] = words[k].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }
}
