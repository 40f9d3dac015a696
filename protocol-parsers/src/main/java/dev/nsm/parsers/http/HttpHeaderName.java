package dev.nsm.parsers.http;

import java.nio.charset.StandardCharsets;

/**
 * The header names the parser acts on, matched case-insensitively against the bytes without
 * allocating. Everything else is skipped (counted toward the limits only).
 */
enum HttpHeaderName {
  HOST(Side.CLIENT),
  REFERER(Side.CLIENT),
  ORIGIN(Side.CLIENT),
  USER_AGENT("USER-AGENT", Side.CLIENT),
  AUTHORIZATION(Side.CLIENT),
  PROXY_AUTHORIZATION("PROXY-AUTHORIZATION", Side.CLIENT),
  CONNECTION(Side.BOTH),
  UPGRADE(Side.SERVER),
  CONTENT_LENGTH("CONTENT-LENGTH", Side.BOTH),
  CONTENT_RANGE("CONTENT-RANGE", Side.SERVER),
  CONTENT_TYPE("CONTENT-TYPE", Side.BOTH),
  CONTENT_ENCODING("CONTENT-ENCODING", Side.BOTH),
  TRANSFER_ENCODING("TRANSFER-ENCODING", Side.BOTH),
  // Zeek's HTTP::proxy_headers: logged as "NAME -> value" in proxied
  FORWARDED(Side.CLIENT, true),
  X_FORWARDED_FOR("X-FORWARDED-FOR", Side.CLIENT, true),
  X_FORWARDED_FROM("X-FORWARDED-FROM", Side.CLIENT, true),
  CLIENT_IP("CLIENT-IP", Side.CLIENT, true),
  VIA(Side.CLIENT, true),
  XROXY_CONNECTION("XROXY-CONNECTION", Side.CLIENT, true),
  PROXY_CONNECTION("PROXY-CONNECTION", Side.CLIENT, true);

  enum Side { CLIENT, SERVER, BOTH }

  /** The name in upper case, as Zeek's http_header event gives it. */
  final String upper;
  final byte[] bytes;
  final Side side;
  final boolean proxy;

  HttpHeaderName(Side side) {
    this(null, side, false);
  }

  HttpHeaderName(Side side, boolean proxy) {
    this(null, side, proxy);
  }

  HttpHeaderName(String upper, Side side) {
    this(upper, side, false);
  }

  HttpHeaderName(String upper, Side side, boolean proxy) {
    this.upper = upper != null ? upper : name();
    this.bytes = this.upper.getBytes(StandardCharsets.US_ASCII);
    this.side = side;
    this.proxy = proxy;
  }

  private static final HttpHeaderName[] ALL = values();

  /** The name b[off, off+len) is, for a message from the client or the server; null if none. */
  static HttpHeaderName lookup(byte[] b, int off, int len, boolean fromClient) {
    if (len < 3 || len > 19) {
      return null;
    }
    for (HttpHeaderName h : ALL) {
      if (h.bytes.length == len && (h.side == Side.BOTH || (h.side == Side.CLIENT) == fromClient)
          && HttpText.equalsIgnoreCase(b, off, len, h.bytes)) {
        return h;
      }
    }
    return null;
  }
}
