/**
 * TLS metadata from reassembled TCP byte streams: pure parsing, JDK only, no I/O, no threads.
 *
 * <h2>Use</h2>
 *
 * <pre>
 * TlsCounters counters = new TlsCounters();            // one per flow worker
 * TlsStreamParser p = new TlsStreamParser(counters);   // one per TLS connection
 * p.feed(fromOrig, buf, off, len);                     // each direction's bytes, in order
 * p.onGap(fromOrig, missedBytes);                      // a hole in one direction
 * p.onClose();                                         // FIN, RST or timeout
 * if (p.isDone()) ...                                  // established or given up: stop feeding
 * TlsSession s = p.session();                          // ssl.log fields, hellos, certificates
 * </pre>
 *
 * <p>Detection by content: {@link dev.nsm.parsers.tls.TlsStreamParser#probe} recognises the first
 * bytes of a ClientHello record (or SSLv2-compatible CLIENT-HELLO) without allocating; {@link
 * dev.nsm.parsers.tls.TlsStreamParser#probeServerHello} the start of a ServerHello record, to find
 * where the responder's TLS begins after a STARTTLS exchange. {@link
 * dev.nsm.parsers.tls.TlsSession#confirmed()} says when the connection's service is "ssl", as
 * Zeek's analyzer confirmation does.
 *
 * <h2>Semantics</h2>
 *
 * {@link dev.nsm.parsers.tls.TlsSession} derives ssl.log's version, cipher, curve, server_name,
 * next_protocol, resumed, established and cert_chain_fps as Zeek does
 * (scripts/base/protocols/ssl/main.zeek, src/analyzer/protocol/ssl/*.pac of zeek/zeek). Where the
 * parser differs from Zeek, on purpose:
 *
 * <ul>
 *   <li>A gap inside a record keeps the record framing (Zeek stops its analyzer at the first gap of
 *       either direction); a gap across a record boundary ends that direction only.
 *   <li>A fatal malformation ends one direction (Zeek's analyzer violation ends both).
 *   <li>Handshake messages are parsed as soon as they are complete, not when their record is.
 *   <li>cert_chain_fps lists every certificate sent; Zeek lists those OpenSSL parses (the JDK
 *       rejects a few OpenSSL accepts; their fingerprints are still listed, their fields empty).
 *   <li>Record layer version 0x0304 is accepted (Zeek rejects anything above 0x0303).
 * </ul>
 *
 * <p>JA3 and JA3S are tshark's ({@code tls.handshake.ja3_full}, GREASE removed from ciphers,
 * extensions and groups; none for SSLv2 hellos). JA4 is FoxIO's published algorithm, including
 * its 2024 rule for ALPN values that are not alphanumeric (hex digits, as Wireshark 4.2 does; the
 * python and rust reference tools still print "99").
 *
 * <h2>Left to the flow layer</h2>
 *
 * <ul>
 *   <li>The session's timestamp: the time of the first packet after which {@code
 *       session().records() > 0} (Zeek's ts is the first SSL event's time).
 *   <li>STARTTLS hand-off: start feeding each direction where its TLS starts. GridFTP carries the
 *       handshake base64-encoded in FTP ADAT commands; Zeek decodes it into its SSL analyzer.
 *   <li>Zeek does not analyse partial connections (no SYN seen): their ssl.log is empty.
 * </ul>
 */
package dev.nsm.parsers.tls;
