package dev.nsm.parsers.http;

/**
 * The state of one direction of an HTTP connection: where its state machine is, the line being
 * assembled, and the message being read. Plain data; {@link HttpConnectionParser} drives it.
 *
 * <pre>
 *                 CR/LF skipped
 *               +-------------+
 *               v             |
 *   +--&gt; SKIP_CONTROL_CHARS --+--&gt; READ_INITIAL --&gt; READ_HEADER --+--&gt; (no body) ---------------+
 *   |                              (request/status    (until an   |                             |
 *   |                               line)              empty line)+--&gt; READ_FIXED_LENGTH_CONTENT +
 *   |                                                             |    (Content-Length)          |
 *   |                                                             +--&gt; READ_CHUNK_SIZE &lt;------+  |
 *   |                                                             |     |  size &gt; 0           |  |
 *   |                                                             |     v                     |  |
 *   |                                                             |    READ_CHUNKED_CONTENT --&gt; READ_CHUNK_DELIMITER
 *   |                                                             |     | size 0 (or bad)        |
 *   |                                                             |     v                        |
 *   |                                                             |    READ_CHUNK_FOOTER --------+ (empty line)
 *   |                                                             +--&gt; READ_UNTIL_CLOSE (to the end)
 *   +--------------------------------- message done &lt;--------------------------------------------+
 *
 *   UPGRADED: after CONNECT 200 or 101 Switching Protocols the bytes are not HTTP: ignored.
 *   BAD_MESSAGE: the direction gave up (not HTTP, limit hit, gap outside a body): ignored.
 *   EXPECT_HTTP09: the server's bytes after an HTTP/0.9 request are all body, no status line.
 * </pre>
 */
final class HttpStream {
  enum State {
    SKIP_CONTROL_CHARS,
    READ_INITIAL,
    READ_HEADER,
    READ_FIXED_LENGTH_CONTENT,
    READ_CHUNK_SIZE,
    READ_CHUNKED_CONTENT,
    READ_CHUNK_DELIMITER,
    READ_CHUNK_FOOTER,
    READ_UNTIL_CLOSE,
    EXPECT_HTTP09,
    UPGRADED,
    BAD_MESSAGE;

    /** States that read lines (the others read bodies or nothing). */
    boolean readsLines() {
      return this == READ_INITIAL || this == READ_HEADER || this == READ_CHUNK_SIZE
          || this == READ_CHUNK_DELIMITER || this == READ_CHUNK_FOOTER;
    }
  }

  /** Body expectation of a message (Zeek's HTTP_BODY_*). */
  static final int BODY_NOT_EXPECTED = 0;
  static final int BODY_EXPECTED = 1;
  static final int BODY_MAYBE = 2;

  static final int IDENTITY = 0;
  static final int GZIP = 1;
  static final int DEFLATE = 2;

  /** First bytes of the stream kept for Zeek's DPD signatures (see HttpConnectionParser.revive). */
  static final int PREFIX = 32;

  final boolean client;
  State state = State.SKIP_CONTROL_CHARS;

  /** Bytes of the stream so far, gaps included (Zeek's c$orig$size / c$resp$size). */
  long offset;
  final byte[] prefix = new byte[PREFIX];
  int prefixLen;

  // ---------------------------------------------------------------- line assembly
  /** A CR ended the last line: an LF right after it belongs to it (chunk boundaries do not matter). */
  boolean skipLf;
  /** Bytes of a line split over chunks; grows up to the line limit, never beyond. */
  byte[] line = new byte[128];
  int lineLen;
  /** The line's length as sent (beyond the limit too). */
  long lineRaw;

  // ---------------------------------------------------------------- message
  /** A message is being read (Zeek's request_ongoing / reply_ongoing). */
  boolean ongoing;
  int expectBody;
  long contentLength = -1;
  long rangeLength = -1;
  boolean chunked;
  int encoding = IDENTITY;
  /** Bytes still to read of a Content-Length body or of a chunk. */
  long remaining;
  /** Zeek's body_length: decompressed when content-coded, gap bytes inside bodies included. */
  long bodyLen;
  /** Body bytes as sent, chunk framing removed. */
  long wireLen;
  BodyInflater inflater;
  /** READ_UNTIL_CLOSE counts lines as Zeek does without plain delivery (each line + 2). */
  boolean lineModeBody;
  long lineModePartial;
  boolean lineModeCr;
  String mimeType;
  int headerCount;
  long headerBytes;

  /** The header line held until the next line says whether it is continued (folded). */
  byte[] held = new byte[128];
  int heldLen;
  boolean holding;
  int heldLines;

  HttpStream(boolean client) {
    this.client = client;
  }

  /**
   * Appends to the line, keeping at most {@code max} bytes (the rest is only counted); returns true
   * when this call made the line longer than {@code max}, once per line.
   */
  boolean appendLine(byte[] b, int off, int n, int max) {
    boolean wasOver = lineRaw > max;
    lineRaw += n;
    int take = Math.min(n, max - lineLen);
    if (take > 0) {
      if (lineLen + take > line.length) {
        byte[] bigger = new byte[Math.min(max, Math.max(line.length * 2, lineLen + take))];
        System.arraycopy(line, 0, bigger, 0, lineLen);
        line = bigger;
      }
      System.arraycopy(b, off, line, lineLen, take);
      lineLen += take;
    }
    return !wasOver && lineRaw > max;
  }

  void clearLine() {
    lineLen = 0;
    lineRaw = 0;
    if (line.length > 1024) {
      line = new byte[128]; // a long line does not pin its buffer for the connection's life
    }
  }

  void hold(byte[] b, int off, int n, int max) {
    heldLen = 0;
    holding = true;
    heldLines = 1;
    appendHeld(b, off, n, max);
  }

  void appendHeld(byte[] b, int off, int n, int max) {
    int take = Math.min(n, max - heldLen);
    if (take <= 0) {
      return;
    }
    if (heldLen + take > held.length) {
      byte[] bigger = new byte[Math.min(max, Math.max(held.length * 2, heldLen + take))];
      System.arraycopy(held, 0, bigger, 0, heldLen);
      held = bigger;
    }
    System.arraycopy(b, off, held, heldLen, take);
    heldLen += take;
  }

  /** Starts a message: every per-message field back to its initial value. */
  void beginMessage(int expectBody) {
    ongoing = true;
    this.expectBody = expectBody;
    contentLength = -1;
    rangeLength = -1;
    chunked = false;
    encoding = IDENTITY;
    remaining = 0;
    bodyLen = 0;
    wireLen = 0;
    endInflater();
    lineModeBody = false;
    lineModePartial = 0;
    lineModeCr = false;
    mimeType = null;
    headerCount = 0;
    headerBytes = 0;
    holding = false;
    heldLen = 0;
    if (held.length > 1024) {
      held = new byte[128];
    }
  }

  void endInflater() {
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }
}
