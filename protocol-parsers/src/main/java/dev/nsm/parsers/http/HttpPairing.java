package dev.nsm.parsers.http;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pairs requests with responses by order, as Zeek's base/protocols/http/main.zeek does with its
 * {@code HTTP::State} (pending, current_request, current_response, trans_depth): ported line for line
 * so that odd orders (a response before any request, more responses than requests, 1xx responses)
 * give Zeek's records. Every event first finds or makes the pending transaction its direction points
 * at ({@code set_state}); a final (non-1xx) response that ends hands its transaction on; the
 * connection's end hands on the rest.
 */
final class HttpPairing {
  private final HttpConnectionParser parser;
  private final HttpParserContext ctx;
  private final HttpTransactionListener listener;

  /** Zeek's pending table; index 0 is never used for a logged transaction. */
  private final TreeMap<Integer, HttpTransaction> pending = new TreeMap<>();
  private int currentRequest;
  private int currentResponse;
  private int transDepth;

  HttpPairing(HttpConnectionParser parser, HttpParserContext ctx, HttpTransactionListener listener) {
    this.parser = parser;
    this.ctx = ctx;
    this.listener = listener;
  }

  /** Zeek's set_state: the transaction the direction's next event belongs to, made if missing. */
  HttpTransaction current(boolean request, long tsNanos) {
    int index = request ? currentRequest : currentResponse;
    HttpTransaction tx = pending.get(index);
    if (tx == null) {
      tx = new HttpTransaction(tsNanos, ++transDepth);
      pending.put(index, tx);
      ctx.pendingLink(this, index, tx);
    }
    return tx;
  }

  /** The worker's pending cap took {@code tx} (off its list already): handed on now, unanswered. */
  void evicted(int key, HttpTransaction tx) {
    if (pending.get(key) == tx) {
      pending.remove(key);
    }
    parser.weird(HttpWeird.HTTP_PENDING_EVICTED, true);
    if (key != 0) {
      emit(tx);
    }
  }

  /** {@code tx}'s fields grew: its estimated size counts against the worker's caps. */
  void reweigh(HttpTransaction tx) {
    ctx.pendingReweigh(tx);
  }

  /** The connection's parser is dropped without finish(): its transactions stop counting. */
  void discard() {
    for (HttpTransaction tx : pending.values()) {
      ctx.pendingUnlink(tx);
    }
    pending.clear();
  }

  private HttpTransaction removePending(int key) {
    HttpTransaction tx = pending.remove(key);
    if (tx != null) {
      ctx.pendingUnlink(tx);
    }
    return tx;
  }

  /** Zeek's http_request event; {@code version} is the request line's ("1.1"), null if unreadable. */
  HttpTransaction request(String method, String uri, String version, long tsNanos) {
    if (currentRequest < currentResponse) {
      parser.weird(HttpWeird.HTTP_RESPONSE_BEFORE_REQUEST, true);
      currentRequest = currentResponse;
    }
    if (pending.size() > ctx.maxPendingRequests) {
      parser.weird(HttpWeird.HTTP_EXCESSIVE_PIPELINING, true);
      if (currentResponse == 0) {
        ++currentResponse;
      }
      while (currentResponse < currentRequest) {
        HttpTransaction tx = removePending(currentResponse);
        if (tx != null) {
          emit(tx);
        }
        ++currentResponse;
      }
    }
    ++currentRequest;
    HttpTransaction tx = current(true, tsNanos);
    tx.method = method;
    tx.uri = uri;
    tx.requestVersion = version;
    ctx.pendingReweigh(tx);
    return tx;
  }

  /** Zeek's http_reply event. */
  void reply(String version, int code, String reason, long tsNanos) {
    HttpTransaction cur = pending.get(currentResponse);
    // after an informational 1xx the final response still belongs to the same transaction
    if (cur == null || (cur.statusCode >= 0 && !informational(cur.statusCode))) {
      ++currentResponse;
    }
    HttpTransaction tx = current(false, tsNanos);
    tx.statusCode = code;
    tx.statusMsg = reason;
    tx.version = version;
    if (informational(code)) {
      tx.infoCode = code;
      tx.infoMsg = reason;
    }
  }

  /** Zeek's http_message_done event: body lengths, and the transaction handed on after a final response. */
  void messageDone(boolean request, long bodyLen, long wireLen, String mimeType, long tsNanos) {
    HttpTransaction tx = current(request, tsNanos);
    if (request) {
      tx.requestBodyLen = bodyLen;
      tx.requestBodyWireLen = wireLen;
    } else {
      tx.responseBodyLen = bodyLen;
      tx.responseBodyWireLen = wireLen;
    }
    if (mimeType != null && bodyLen > 0) {
      tx.addMimeType(request, mimeType);
    }
    if (!request && !(tx.statusCode >= 0 && informational(tx.statusCode))) {
      emit(tx);
      removePending(currentResponse);
    }
  }

  /** Zeek's finalize_http: every pending transaction (but index 0), in order, at the connection's end. */
  void finish() {
    Iterator<Map.Entry<Integer, HttpTransaction>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Integer, HttpTransaction> e = it.next();
      it.remove();
      ctx.pendingUnlink(e.getValue());
      if (e.getKey() != 0) {
        emit(e.getValue());
      }
    }
  }

  int pendingCount() {
    return pending.size();
  }

  private void emit(HttpTransaction tx) {
    ctx.countTransaction();
    listener.onTransaction(tx);
  }

  static boolean informational(int code) {
    return code >= 100 && code <= 199;
  }
}
