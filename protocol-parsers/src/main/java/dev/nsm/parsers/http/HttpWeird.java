package dev.nsm.parsers.http;

/**
 * Every named outcome of HTTP parsing that is not a plain transaction: malformations, limits hit,
 * gaps, the parser giving up. Each is counted in {@link HttpParserContext#count(HttpWeird)} every time
 * it happens, and reported once per connection to {@link HttpTransactionListener#onWeird} (as Zeek's
 * weird.log reports a name once per connection). {@link #zeekName()} is Zeek's weird (or http_event)
 * name where Zeek has one; the others are this parser's own and say so in their meaning.
 */
public enum HttpWeird {
  // ---------------------------------------------------------------- request line
  BAD_HTTP_REQUEST("bad_HTTP_request", "request line without a method token, separator, or (HTTP/0.9) URI"),
  BAD_HTTP_REQUEST_WITH_VERSION("bad_HTTP_request_with_version", "request line that starts badly but ends in HTTP/x.y"),
  MISSING_HTTP_URI("missing_HTTP_uri", "request line with a method and a version but no URI"),
  UNKNOWN_HTTP_METHOD("unknown_HTTP_method", "method not in Zeek's HTTP::http_methods"),
  INVALID_HTTP_09_REQUEST_METHOD("invalid_http_09_request_method", "HTTP/0.9 request with a method other than GET"),
  BAD_HTTP_VERSION("bad_HTTP_version", "version that is not digit.digit, or cut short"),
  HTTP_VERSION_MISMATCH("HTTP_version_mismatch", "a direction changed its HTTP version mid-connection"),
  LOWERCASE_HTTP_KEYWORD("lowercase_HTTP_keyword", "'http/' in lower case"),
  EMPTY_HTTP_REQUEST("empty_http_request", "blank line where a request line was expected"),
  CRUD_TRAILING_HTTP_REQUEST("crud_trailing_HTTP_request", "unparsable line after a non-keep-alive request (ignored)"),
  UNEXPECTED_MULTIPLE_HTTP_REQUESTS("unexpected_multiple_HTTP_requests", "second request on a connection that is not keep-alive"),
  ILLEGAL_PERCENT_AT_END_OF_URI("illegal_%_at_end_of_URI", "URI ends with '%'"),
  PARTIAL_ESCAPE_AT_END_OF_URI("partial_escape_at_end_of_URI", "URI ends with '%' and one character"),
  DOUBLE_PERCENT_IN_URI("double_%_in_URI", "'%%' in a URI"),
  UNESCAPED_PERCENT_IN_URI("unescaped_%_in_URI", "'%' not followed by two hex digits"),

  // ---------------------------------------------------------------- status line and pairing
  BAD_HTTP_REPLY("bad_HTTP_reply", "server line that is not an HTTP status line"),
  HTTP_REPLY_CODE_MISSING("HTTP_reply_code_missing", "status line without a 3-character status code"),
  HTTP_RESPONSE_BEFORE_REQUEST("HTTP_response_before_request", "more responses than requests: request numbering fast-forwarded"),
  HTTP_EXCESSIVE_PIPELINING("HTTP_excessive_pipelining", "more pending requests than the limit: all pending flushed"),
  HTTP_PENDING_EVICTED("HTTP_pending_evicted",
      "this parser's own: the worker's cap on pending transactions (entries or bytes, over all connections) "
          + "was reached: this connection's oldest was handed on unanswered"),
  HTTP_09_REPLY_BEFORE_REQUEST("http_09_reply_before_request", "an HTTP/0.9 request arrived while a response was being read"),

  // ---------------------------------------------------------------- headers and bodies
  HTTP_BAD_CONTENT_LENGTH("HTTP_bad_content_length", "Content-Length not a non-negative 63-bit integer (taken as 0)"),
  HTTP_DUPLICATE_CONTENT_LENGTH("HTTP_duplicate_content_length", "own name: two Content-Length headers that differ (the last wins, as in Zeek)"),
  HTTP_CONTENT_LENGTH_AND_CHUNKED("HTTP_content_length_and_chunked", "Content-Length and Transfer-Encoding: chunked together (chunked wins)"),
  HTTP_CHUNKED_MULTI("HTTP_chunked_multi", "something follows 'chunked' in Transfer-Encoding"),
  HTTP_BAD_CHUNK_SIZE("HTTP_bad_chunk_size", "chunk size not hex or overflowing (taken as the last chunk)"),
  HTTP_INACCURATE_CHUNK_SIZE("HTTP_inaccurate_chunk_size", "own name (Zeek: illegal format): data between a chunk and its CRLF"),
  HTTP_OBSOLETE_LINE_FOLDING("HTTP_obsolete_line_folding", "a header continued on a line starting with whitespace"),
  HTTP_MALFORMED_HEADER("HTTP_malformed_header", "own name: header line without a name or a colon (ignored, as in Zeek)"),
  INFLATE_FAILED("inflate_failed", "gzip/deflate body that does not decompress: counted up to the error"),
  HTTP_INFLATE_LIMIT("HTTP_inflate_limit", "own name: decompressed body reached the limit; decompressed length stops there"),

  // ---------------------------------------------------------------- limits
  CONTENTLINE_SIZE_EXCEEDED("contentline_size_exceeded", "a line longer than the line limit: truncated, the rest skipped to the end of line"),
  HTTP_HEADER_BLOCK_TOO_LARGE("HTTP_header_block_too_large", "own name: header block larger than the limit: this direction stops"),
  HTTP_TOO_MANY_HEADERS("HTTP_too_many_headers", "own name: more header lines than the limit: this direction stops"),

  // ---------------------------------------------------------------- connection
  HTTP_CONTENT_GAP_IN_BODY("HTTP_content_gap_in_body", "own name: a gap inside a body of known length, skipped; the message goes on"),
  HTTP_CONTENT_GAP("HTTP_content_gap", "own name: a gap outside a body of known length: this direction stops (a client gap stops both)"),
  HTTP_PROTOCOL_VIOLATION("HTTP_protocol_violation", "own name (Zeek: analyzer.log): not HTTP; the parser gives up as Zeek's DPD does"),
  PROTOCOL_DATA_WITH_HTTP_CONNECT_REPLY("protocol_data_with_HTTP_CONNECT_reply", "tunnel bytes in the same chunk as the CONNECT 200 headers"),
  PROTOCOL_DATA_WITH_HTTP_UPGRADE_REPLY("protocol_data_with_HTTP_upgrade_reply", "upgraded-protocol bytes in the same chunk as the 101 headers");

  private final String zeekName;
  private final String meaning;

  HttpWeird(String zeekName, String meaning) {
    this.zeekName = zeekName;
    this.meaning = meaning;
  }

  /** The notice name: Zeek's weird name where Zeek has one, else this parser's (same style). */
  public String zeekName() {
    return zeekName;
  }

  /** One line: what happened and what the parser did about it. */
  public String meaning() {
    return meaning;
  }
}
