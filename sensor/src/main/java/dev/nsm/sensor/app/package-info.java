/**
 * The application layer of a flow worker: DNS, TLS and HTTP/1.x records (Zeek's dns.log, ssl.log,
 * http.log) and notices (weird.log) from the flows of {@link dev.nsm.sensor.flow.FlowTable}, with
 * the parsers of {@code protocol-parsers} doing the parsing. {@link dev.nsm.sensor.app.AppLayer} is
 * the table's {@link dev.nsm.sensor.flow.FlowObserver}; the flow record is untouched but for its
 * {@code service}.
 *
 * <pre>
 *   FlowTable.onPacket ──(flow state done)──► AppLayer.onTcp / onUdp ──► per-flow state (Flow.appState)
 *                                                                          TcpApp: 2 TcpReassemblers,
 *   FlowTable.finish ──► AppLayer.onEnd ──► close, write what waits          detection, one parser
 *                          │                                               UdpDnsApp: DnsState
 *                          ▼                                               UdpQuicApp: QUIC Initial → TLS
 *                     RecordSink ◄── dns / tls / http / notice records (before the flow's record)
 * </pre>
 *
 * <h2>When a protocol is looked for (Zeek's rules where they change the records)</h2>
 * <ul>
 *   <li>By content, not port: the first bytes of each direction of a TCP flow are kept (up to
 *       {@link dev.nsm.sensor.app.AppConfig#probeBytes}) and given to the parsers' probes: a
 *       ClientHello (either side) is TLS, a length-prefixed DNS message is DNS (so 5353/tcp is DNS
 *       and a non-DNS payload on 53 is not), a request line from the client or "HTTP/d" from the
 *       server is HTTP. Failing those, a responder on one of Zeek's HTTP ports (80 81 631 1080 3128
 *       8000 8080 8888) gets the HTTP parser anyway, as Zeek attaches HTTP there by port. Then the
 *       parser is given both directions from their first byte.
 *   <li>HTTP, TLS and DNS over TCP also on partial connections (whose first packet was neither a SYN
 *       nor a SYN-ACK: the capture began mid-connection, or the sensor restarted under open
 *       keep-alive connections), as tshark and Packetbeat. This is a deliberate change from Zeek,
 *       which does not analyse them (its conn.log has no service for them, and its http.log and
 *       ssl.log nothing): detection is by content, so a stream picked up mid-body gives nothing
 *       rather than garbage. {@link dev.nsm.sensor.app.AppConfig#analysePartial} off
 *       ({@code --no-analyse-partial}, {@code protocols.analyse_partial: false}) gives Zeek's
 *       behaviour (and Suricata's default, {@code stream.midstream: false}).
 *   <li>TLS after plain text (STARTTLS in SMTP, IMAP, XMPP, LDAP, FTP AUTH TLS, PostgreSQL, MySQL):
 *       a flow whose first bytes matched nothing is watched for a ClientHello at the start of each
 *       in-order chunk (up to {@link dev.nsm.sensor.app.AppConfig#starttlsBytes} each way); the
 *       other side's TLS starts at its first ServerHello. Zeek gets there through each protocol's
 *       analyzer; GridFTP's TLS inside base64 ADAT commands is not read.
 *   <li>An HTTP CONNECT tunnel or 101 upgrade is detected afresh from the next byte (Zeek puts a
 *       new detector on the tunnel: "http,ssl" for a CONNECT to a TLS server).
 *   <li>UDP: the first datagram of each direction is probed for DNS and for a QUIC Initial; a flow
 *       that is neither is not looked at again. QUIC's Initial packets are decrypted (their keys are
 *       public) and their CRYPTO frames given to the TLS parser: a tls record with JA4 "q...",
 *       services "quic" and "ssl", as Zeek's QUIC analyzer feeds its SSL analyzer.
 * </ul>
 *
 * <h2>TCP bytes</h2>
 * Each side has its own {@link dev.nsm.parsers.tcp.TcpReassembler}, started where the side's SYN put
 * its stream (the flow table keeps the SYN's sequence number) and fed every segment after the flow's
 * TCP state machine ran: acks first (they reveal the other side's holes), then the segment.
 * In-order bytes go to the parser, holes the peer acknowledged (or that a cap forced) as gaps, FIN,
 * RST, timeout, eviction and the end of input as the close. The flow record's {@code missed_bytes}
 * stays the flow table's (Zeek's semantics); the reassembler's gaps only steer the parsers. A segment
 * cut by the snap length is not fed (its hole becomes a gap). Out-of-order data is bounded per
 * direction and per worker ({@link dev.nsm.sensor.app.AppConfig}); a cap that forces a gap is a
 * {@code TCP_reassembly_cap_hit} notice.
 *
 * <h2>Records</h2>
 * Each carries its flow's uid and endpoints, originator as the flow decided at the time of writing.
 * dns: see {@link dev.nsm.sensor.app.DnsState}. tls: written when the handshake is over (Zeek's
 * established) or the flow ends; ts is the time of the packet that completed the first TLS record.
 * http: each request/response pair as the parser hands it on. notice: once per flow and name
 * (further occurrences only counted), with the parsers' Zeek weird names.
 *
 * <h2>Cost</h2>
 * A TCP flow gets state (pooled) at its first payload byte; it is given back as soon as the flow is
 * known to carry none of the protocols (after the STARTTLS window), or its TLS handshake is over. A
 * UDP flow costs one probe per direction. Packets of flows without state cost a field read; nothing
 * is allocated per packet for them (AppAllocationTest). Every drop and malformation is counted
 * ({@link dev.nsm.sensor.app.AppCounter}, the reassembler's and the parsers' counters, all in the
 * stats record); an exception from a parser is a bug: counted, the first logged, the flow's state
 * dropped, the flow record unaffected.
 */
package dev.nsm.sensor.app;
