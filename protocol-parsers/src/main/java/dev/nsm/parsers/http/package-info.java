/**
 * HTTP/0.9 to 1.1 metadata from the two byte streams of a TCP connection, as Zeek's http.log.
 *
 * <h2>Use</h2>
 *
 * <pre>
 *   HttpParserContext ctx = new HttpParserContext();            // one per worker thread
 *   // start when Zeek would: the connection began with SYN or SYN-ACK, and the server port is one of
 *   // 80 81 631 1080 3128 8000 8080 8888 or probeRequest(client's first bytes) or
 *   // probeResponse(server's first bytes); then feed BOTH streams from their first byte
 *   HttpConnectionParser p = new HttpConnectionParser(ctx, listener);
 *   p.feed(fromClient, buf, off, len, tsNanos);                // in order, per direction
 *   p.onGap(fromClient, missingBytes);                         // what reassembly gave up on
 *   p.onClose();                                               // FIN/RST/timeout: pending ones come out
 *   p.confirmed()                                              // "http" in the flow's service
 * </pre>
 *
 * <h2>Where this differs from Zeek on purpose</h2>
 *
 * <ul>
 *   <li>A request without Content-Length or chunked framing has no body (RFC 9112); Zeek reads it to
 *       the end of the connection if it is gzip/deflate coded or any earlier response said
 *       "Connection: close", swallowing the requests after it.
 *   <li>Limits: lines over 8 KiB are truncated (the rest skipped to the end of the line; a request
 *       line cut this way is not taken for HTTP/0.9), a header block over 64 KiB or 256 lines stops
 *       its direction, at most 100 requests wait for responses (Zeek's own limit), and a
 *       decompressed body is counted up to 16 MiB.
 *   <li>MIME types are the Content-Type's type/subtype of a message with a body (Zeek sniffs the
 *       content); multipart bodies are framed like any other (Zeek parses their parts).
 *   <li>Basic credentials without ':' give the user "&lt;problem-decoding&gt;" without the header's
 *       value (Zeek appends it, and it may hold a password).
 *   <li>After a bad first request, Zeek's DPD brings the analyzer back for the server's side when the
 *       server answers "HTTP/..." and reads the first server packet; here the server's side is read
 *       to the end (same records when the response is in one packet, and independent of chunking).
 *   <li>A CONNECT tunnel or a 101 upgrade hands its transaction on when the tunnel starts, not at the
 *       connection's end (same values: no HTTP byte can change them).
 *   <li>Bytes that are not valid UTF-8 become the Latin-1 character of their value (Zeek writes
 *       {@code \xNN}; the corpus' expected files read that back as the same character).
 * </ul>
 */
package dev.nsm.parsers.http;
