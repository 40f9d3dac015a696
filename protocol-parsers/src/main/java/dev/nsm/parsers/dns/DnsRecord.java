package dev.nsm.parsers.dns;

/**
 * One resource record of a parsed message: a mutable struct, pooled in its {@link DnsMessage} and
 * overwritten by the next parse. The Strings are fresh per record (callers may keep them); the
 * rdata offsets point into the buffer that was parsed and are valid only while it is.
 *
 * <pre>
 *                                  1  1  1  1  1  1
 *    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  /                     NAME                      /   owner, compressed
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                     TYPE                      |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                     CLASS                     |   OPT: requestor's UDP payload size
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      TTL                      |   OPT: ext rcode, version, DO, Z
 *  |                                               |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                   RDLENGTH                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--|
 *  /                     RDATA                     /
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+      RFC 1035 4.1.3
 * </pre>
 */
public final class DnsRecord {
  public static final int SECTION_ANSWER = 1;
  public static final int SECTION_AUTHORITY = 2;
  public static final int SECTION_ADDITIONAL = 3;

  /** {@link #SECTION_ANSWER}, {@link #SECTION_AUTHORITY} or {@link #SECTION_ADDITIONAL}. */
  public int section;
  /** Owner name, decompressed, labels joined by '.', case kept, no trailing dot; root is "". */
  public String name;
  public int type;
  public int rrClass;
  /** TTL in seconds (unsigned 32-bit). */
  public long ttl;
  /** Where the rdata lies in the parsed buffer (absolute offset) and its length. */
  public int rdataOffset;
  public int rdataLength;

  /**
   * The rdata as text (one line, close to zone-file presentation form):
   * <ul>
   *   <li>A: {@code 192.0.2.1}; AAAA: RFC 5952 ({@code 2001:db8::1}, {@code ::ffff:192.0.2.1})
   *   <li>CNAME, NS, PTR, DNAME: the name
   *   <li>MX: {@code preference exchange}; SRV: {@code priority weight port target}
   *   <li>SOA: {@code mname rname serial refresh retry expire minimum}
   *   <li>TXT, SPF: each character-string quoted, separated by a space ({@code "v=spf1 -all"})
   *   <li>CAA: {@code flags tag "value"}
   *   <li>SVCB, HTTPS: {@code priority target params} (RFC 9460: {@code alpn=h2,h3 port=443
   *       ipv4hint=192.0.2.1 ech=BASE64 ...}, target root as {@code .})
   *   <li>OPT: {@code udp=1232 version=0 do=1 [ecs=192.0.2.0/24/0] [opt10=hex] ...}
   *   <li>any other type: the rdata as lower-case hex ("" when empty)
   * </ul>
   * Bytes that are not printable ASCII or valid UTF-8 appear as {@code \xNN}.
   */
  public String data;

  /**
   * This record as an element of Zeek's dns.log {@code answers} (see {@link DnsMessage}), or null
   * when Zeek logs nothing for it (answers outside the answer section, queries, OPT, CAA, SVCB,
   * HTTPS, HINFO, WKS, TSIG, TKEY, NB).
   */
  public String zeekAnswer;

  // ---- typed rdata (0 / null when the type has no such field)
  /** CNAME/NS/PTR/DNAME name, MX exchange, SRV target, SOA mname, SVCB/HTTPS target. */
  public String target;
  /** MX preference, SRV priority, SVCB/HTTPS SvcPriority, CAA flags. */
  public int priority;
  /** SRV weight and port; SVCB/HTTPS port parameter (0 when absent). */
  public int weight;
  public int port;
  /** SOA: rname, serial, refresh, retry, expire, minimum. */
  public String rname;
  public long serial;
  public long refresh;
  public long retry;
  public long expire;
  public long minimum;
  /** TXT/SPF character-strings (escaped as {@link #data}); CAA: {tag, value}; SVCB/HTTPS: ALPN ids. */
  public String[] strings;

  void reset() {
    section = 0;
    name = null;
    type = 0;
    rrClass = 0;
    ttl = 0;
    rdataOffset = 0;
    rdataLength = 0;
    data = null;
    zeekAnswer = null;
    target = null;
    priority = 0;
    weight = 0;
    port = 0;
    rname = null;
    serial = 0;
    refresh = 0;
    retry = 0;
    expire = 0;
    minimum = 0;
    strings = null;
  }

  /** Zeek's {@code qtype_name} spelling of this record's type. */
  public String typeName() {
    return DnsNames.qtype(type);
  }

  @Override
  public String toString() {
    if (type == DnsParser.TYPE_OPT) { // class and TTL are EDNS fields, shown in data
      return (name.isEmpty() ? "." : name) + " OPT " + data;
    }
    return (name.isEmpty() ? "." : name) + " " + ttl + " " + DnsNames.qclass(rrClass) + " "
        + typeName() + " " + data;
  }
}
