package dev.nsm.parsers.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One request/response pair of a connection, with the fields of Zeek's http.log (Zeek's names in the
 * comments). Made by the parser as the request (or an unpaired response) starts, filled as the
 * messages are read, handed to {@link HttpTransactionListener#onTransaction} when the response ends
 * or the connection does; after that it is the listener's and never changes.
 *
 * <p>Unset strings are {@code null}, unset codes {@code -1} (Zeek's "-"). Text is the bytes as UTF-8;
 * a byte that is not part of valid UTF-8 is the Latin-1 character of its value (Zeek writes it
 * {@code \xNN}).
 */
public final class HttpTransaction {
  long tsNanos;
  int transDepth;
  String method;
  String host;
  String uri;
  String referrer;
  String version;
  String requestVersion;
  String userAgent;
  String origin;
  long requestBodyLen;
  long responseBodyLen;
  long requestBodyWireLen;
  long responseBodyWireLen;
  int statusCode = -1;
  String statusMsg;
  int infoCode = -1;
  String infoMsg;
  String username;
  List<String> origMimeTypes;
  List<String> respMimeTypes;
  List<String> proxied;

  // ---- the worker's list of pending transactions (HttpParserContext); pendingOwner != null while linked
  HttpPairing pendingOwner;
  int pendingKey;
  int pendingBytes;
  HttpTransaction prevPending;
  HttpTransaction nextPending;

  /**
   * Estimated heap of this transaction while it waits: the object and its map entry
   * ({@value #BASE_BYTES} bytes), 2 bytes per character of its strings (each at most the line
   * length), {@value #LIST_ENTRY_BYTES} per MIME type or proxy header kept.
   */
  static final int BASE_BYTES = 384;
  static final int LIST_ENTRY_BYTES = 64;

  int estimateBytes() {
    long n = BASE_BYTES + 2L * (len(method) + len(host) + len(uri) + len(referrer) + len(version) + len(userAgent)
        + len(origin) + len(statusMsg) + len(infoMsg) + len(username));
    n += LIST_ENTRY_BYTES * ((long) size(origMimeTypes) + size(respMimeTypes) + size(proxied));
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  private static int len(String s) {
    return s == null ? 0 : s.length();
  }

  private static int size(List<String> l) {
    return l == null ? 0 : l.size();
  }

  HttpTransaction(long tsNanos, int transDepth) {
    this.tsNanos = tsNanos;
    this.transDepth = transDepth;
  }

  /** ts: packet time (ns since the epoch) of the chunk that started the transaction (usually the request line). */
  public long tsNanos() {
    return tsNanos;
  }

  /** trans_depth: 1, 2, 3, ... in the connection (pipelined requests and unpaired responses each take one). */
  public int transDepth() {
    return transDepth;
  }

  /** method: the request method as sent (any case). */
  public String method() {
    return method;
  }

  /** host: the Host header as sent, port included. */
  public String host() {
    return host;
  }

  /** uri: the request target with %-escapes decoded (Zeek's unescaped URI). */
  public String uri() {
    return uri;
  }

  /** referrer: the Referer header. */
  public String referrer() {
    return referrer;
  }

  /** version: the version of the response ("1.1", "1.0", "0.9"), as Zeek logs it; null without one. */
  public String version() {
    return version;
  }

  /** The request line's version ("1.1"), null without a request or a readable version. */
  public String requestVersion() {
    return requestVersion;
  }

  /** user_agent: the User-Agent header. */
  public String userAgent() {
    return userAgent;
  }

  /** origin: the Origin header. */
  public String origin() {
    return origin;
  }

  /**
   * request_body_len: the request body's length after chunked framing is removed and gzip/deflate
   * content coding is undone (Zeek's "actual uncompressed content size"); gap bytes inside a body of
   * known length count.
   */
  public long requestBodyLen() {
    return requestBodyLen;
  }

  /** response_body_len: as {@link #requestBodyLen()}, for the final (non-1xx) response. */
  public long responseBodyLen() {
    return responseBodyLen;
  }

  /** The request body's length as sent (chunk framing removed, content coding kept). Not in Zeek. */
  public long requestBodyWireLen() {
    return requestBodyWireLen;
  }

  /** The response body's length as sent (chunk framing removed, content coding kept). Not in Zeek. */
  public long responseBodyWireLen() {
    return responseBodyWireLen;
  }

  /** status_code: of the last response (0 when the status line's code is not 3 digits or for HTTP/0.9); -1 unset. */
  public int statusCode() {
    return statusCode;
  }

  /** status_msg: the reason phrase; "&lt;empty&gt;" when the status line has none (Zeek's spelling). */
  public String statusMsg() {
    return statusMsg;
  }

  /** info_code: the last 1xx code seen before the final response; -1 unset. */
  public int infoCode() {
    return infoCode;
  }

  /** info_msg: the last 1xx reason phrase. */
  public String infoMsg() {
    return infoMsg;
  }

  /** username: the user of Basic (or Proxy-) Authorization; the password is never kept. */
  public String username() {
    return username;
  }

  /** orig_mime_types: the request's Content-Type type/subtype (lower case) when it has a body. */
  public List<String> origMimeTypes() {
    return origMimeTypes == null ? List.of() : Collections.unmodifiableList(origMimeTypes);
  }

  /** resp_mime_types: the response's Content-Type type/subtype (lower case) when it has a body. */
  public List<String> respMimeTypes() {
    return respMimeTypes == null ? List.of() : Collections.unmodifiableList(respMimeTypes);
  }

  /** proxied: "NAME -&gt; value" for each distinct proxy header of the request (Forwarded, Via, ...). */
  public List<String> proxied() {
    return proxied == null ? List.of() : Collections.unmodifiableList(proxied);
  }

  /** Most proxy headers kept per transaction (a pending transaction's size stays bounded). */
  static final int MAX_PROXIED = 16;

  void addProxied(String entry) {
    if (proxied == null) {
      proxied = new ArrayList<>(2);
    }
    if (proxied.size() < MAX_PROXIED && !proxied.contains(entry)) { // Zeek's proxied is a set
      proxied.add(entry);
    }
  }

  void addMimeType(boolean request, String type) {
    List<String> l = request ? origMimeTypes : respMimeTypes;
    if (l == null) {
      l = new ArrayList<>(1);
      if (request) {
        origMimeTypes = l;
      } else {
        respMimeTypes = l;
      }
    }
    l.add(type);
  }

  /** Every field, Zeek's names, unset fields left out: for logs and test failure messages. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(160).append("{trans_depth=").append(transDepth);
    field(b, "method", method);
    field(b, "host", host);
    field(b, "uri", uri);
    field(b, "referrer", referrer);
    field(b, "version", version);
    field(b, "user_agent", userAgent);
    field(b, "origin", origin);
    b.append(", request_body_len=").append(requestBodyLen);
    b.append(", response_body_len=").append(responseBodyLen);
    if (requestBodyWireLen != requestBodyLen) {
      b.append(", request_body_wire_len=").append(requestBodyWireLen);
    }
    if (responseBodyWireLen != responseBodyLen) {
      b.append(", response_body_wire_len=").append(responseBodyWireLen);
    }
    if (statusCode >= 0) {
      b.append(", status_code=").append(statusCode);
    }
    field(b, "status_msg", statusMsg);
    if (infoCode >= 0) {
      b.append(", info_code=").append(infoCode);
    }
    field(b, "info_msg", infoMsg);
    field(b, "username", username);
    if (origMimeTypes != null) {
      b.append(", orig_mime_types=").append(origMimeTypes);
    }
    if (respMimeTypes != null) {
      b.append(", resp_mime_types=").append(respMimeTypes);
    }
    if (proxied != null) {
      b.append(", proxied=").append(proxied);
    }
    return b.append('}').toString();
  }

  private static void field(StringBuilder b, String name, String value) {
    if (value != null) {
      b.append(", ").append(name).append("=\"").append(value).append('"');
    }
  }
}
