/**
 * DNS messages (RFC 1035 and extensions: EDNS, DNSSEC types, SVCB/HTTPS, CAA), parsed purely from
 * bytes: no I/O, no threads, no exceptions for malformed input.
 *
 * <ul>
 *   <li>{@link dev.nsm.parsers.dns.DnsParser}: {@code probe} (is this DNS? allocation-free, for
 *       detection by content) and {@code parse} (one message into a reusable
 *       {@link dev.nsm.parsers.dns.DnsMessage} with pooled {@link dev.nsm.parsers.dns.DnsRecord}s).
 *   <li>{@link dev.nsm.parsers.dns.DnsTcpFramer}: one TCP direction into length-prefixed messages,
 *       across any segmentation, with gap recovery.
 *   <li>{@link dev.nsm.parsers.dns.DnsResult}: every malformation by name (the counter names).
 *   <li>{@link dev.nsm.parsers.dns.DnsNames}: Zeek's names for qtype, rcode, qclass and opcode.
 * </ul>
 *
 * <h2>From a message to Zeek's dns.log</h2>
 * One dns.log row pairs a query with its response; this package gives each message's part, the flow
 * layer pairs them. What Zeek takes from where (base/protocols/dns/main.zeek):
 * <ul>
 *   <li>from the query: {@code trans_id}, {@code query} ({@link dev.nsm.parsers.dns.DnsMessage#zeekQuery()},
 *       lower case), {@code qclass}, {@code qclass_name}, {@code qtype}, {@code qtype_name},
 *       {@code RD}, {@code TC}, {@code Z};
 *   <li>from the response: {@code rcode}, {@code rcode_name}, {@code rejected}
 *       ({@link dev.nsm.parsers.dns.DnsMessage#zeekRejected()}); and only when it has answers Zeek
 *       logs: {@code answers}, {@code TTLs}, {@code AA}, {@code RA}, {@code rtt}, and {@code query}
 *       from the first answer's owner when no query was seen
 *       ({@link dev.nsm.parsers.dns.DnsMessage#zeekQueryFromAnswers()}).
 * </ul>
 */
package dev.nsm.parsers.dns;
