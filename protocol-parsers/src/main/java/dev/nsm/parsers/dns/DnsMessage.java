package dev.nsm.parsers.dns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link DnsParser} learned of one DNS message: a mutable struct, one per parser (or per
 * thread), overwritten by every parse. Records come from a pool that grows to the largest message
 * seen and is reused.
 *
 * <pre>
 *                                  1  1  1  1  1  1
 *    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |   Zeek's "Z" is the 3 bits Z|AD|CD
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    QDCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ANCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    NSCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ARCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+   RFC 1035 4.1.1, RFC 4035 (AD, CD)
 *  then QDCOUNT questions (QNAME, QTYPE, QCLASS) and ANCOUNT + NSCOUNT + ARCOUNT records
 * </pre>
 *
 * <h2>Zeek's dns.log fields</h2>
 * {@link #zeekAnswer(int)} and {@link #zeekTtl(int)} are the {@code answers} and {@code TTLs} Zeek
 * logs for this message: only when it is a response (QR=1) with opcode query, notify or update,
 * only records of the answer section, in order, each as Zeek's event handlers render it
 * ({@code scripts/base/protocols/dns/main.zeek}): A/AAAA as addresses, CNAME/NS/PTR/MX/SRV/SOA as
 * the (lower-cased) name, {@code TXT len text} per string joined by spaces, {@code RRSIG
 * type signer}, {@code DNSKEY alg}, {@code DS alg digest-type}, {@code NSEC owner next},
 * {@code NSEC3}, {@code NSEC3PARAM}, {@code SSHFP: hex}, {@code LOC:  size hp vp},
 * {@code BIND9 signing signal}, {@code NAPTR ...}, {@code <unknown type=N>} for types Zeek does
 * not parse; CAA, SVCB, HTTPS, HINFO, WKS, OPT, TSIG, TKEY give nothing. Like Zeek, a record with
 * rdlength 0 that is not the last bytes of the message ends Zeek's list (DNS_zero_rdlength).
 *
 * <p>Other dns.log fields are plain fields here: {@code trans_id} = {@link #id}, {@code query} =
 * {@link #zeekQuery()}, {@code qclass}/{@code qtype} (+ names), {@code rcode} = {@link #rcode}
 * (the header's 4 bits, as Zeek), {@code AA TC RD RA Z}. Zeek sets {@code rejected} when a
 * response has rcode != 0 and no question, or (dns_rejected) QR=1 with all three record counts 0:
 * see {@link #zeekRejected()}. The query/response pairing, {@code rtt} and when AA/RA are taken
 * are the flow layer's (Zeek takes AA and RA, and rtt, only from a response that logs an answer).
 */
public final class DnsMessage {
  /** Outcome of the parse; not OK means parsing stopped at {@link #stopOffset}. */
  public DnsResult result = DnsResult.OK;
  /** Length of the message parsed (bytes). */
  public int length;

  // ---- header
  public int id;
  public boolean qr;
  public int opcode;
  public boolean aa;
  public boolean tc;
  public boolean rd;
  public boolean ra;
  /** Zeek's Z: the 3 bits after RA (reserved Z, AD, CD) as a number 0..7. */
  public int z;
  public boolean ad;
  public boolean cd;
  /** The header's 4-bit RCODE (what dns.log's {@code rcode} is). */
  public int rcode;
  /** RCODE with the EDNS extended bits ({@code ext << 4 | rcode}) when an OPT record was parsed. */
  public int extendedRcode;
  /** Counts as the header states them (records actually parsed: {@link #recordCount()}). */
  public int qdCount;
  public int anCount;
  public int nsCount;
  public int arCount;

  // ---- first question (Zeek logs one; further questions are validated and skipped)
  /** QNAME as on the wire (case kept, escaped like names); null when there is no question. */
  public String qname;
  /** QTYPE and QCLASS of the first question; -1 when there is none. */
  public int qtype = -1;
  public int qclass = -1;
  /** Questions parsed completely (at most {@link #qdCount}). */
  public int questionsParsed;

  // ---- EDNS (first OPT record)
  public boolean edns;
  public int ednsUdpSize;
  public int ednsVersion;
  /** Upper 8 bits of the extended rcode as the OPT TTL carries them. */
  public int ednsExtRcode;
  /** DNSSEC OK bit. */
  public boolean ednsDo;
  /** EDNS Client Subnet option (RFC 7871): family 1 (IPv4) or 2 (IPv6), 0 when absent. */
  public int ecsFamily;
  public int ecsSourcePrefix;
  public int ecsScopePrefix;
  /** ECS address, zero-padded to a full address, as text; null when absent or malformed. */
  public String ecsAddress;

  // ---- where parsing stopped
  /** Section being parsed when a malformation stopped the parse: see the SECTION_ constants. */
  public int stopSection;
  /** Offset (from the message start) of the question or record that could not be parsed. */
  public int stopOffset;
  /** Bytes after the last record (0 for a well-formed message; only meaningful when OK). */
  public int trailingBytes;

  public static final int SECTION_HEADER = 0;
  public static final int SECTION_QUESTION = 4;

  // ---- records
  private DnsRecord[] records = new DnsRecord[16];
  private int recordCount;
  /** Records parsed per section. */
  public int answersParsed;
  public int authorityParsed;
  public int additionalParsed;

  // ---- Zeek's answers/TTLs
  private String[] zeekAnswers = new String[16];
  private long[] zeekTtls = new long[16];
  private int zeekCount;
  boolean zeekStopped;

  public DnsMessage() {
    for (int i = 0; i < records.length; i++) {
      records[i] = new DnsRecord();
    }
  }

  void reset() {
    result = DnsResult.OK;
    length = 0;
    id = 0;
    qr = false;
    opcode = 0;
    aa = tc = rd = ra = ad = cd = false;
    z = 0;
    rcode = 0;
    extendedRcode = 0;
    qdCount = anCount = nsCount = arCount = 0;
    qname = null;
    qtype = -1;
    qclass = -1;
    questionsParsed = 0;
    edns = false;
    ednsUdpSize = ednsVersion = ednsExtRcode = 0;
    ednsDo = false;
    ecsFamily = ecsSourcePrefix = ecsScopePrefix = 0;
    ecsAddress = null;
    stopSection = SECTION_HEADER;
    stopOffset = 0;
    trailingBytes = 0;
    for (int i = 0; i < recordCount; i++) {
      records[i].reset();
    }
    recordCount = 0;
    answersParsed = authorityParsed = additionalParsed = 0;
    Arrays.fill(zeekAnswers, 0, zeekCount, null);
    zeekCount = 0;
    zeekStopped = false;
  }

  /** A pooled record to fill; becomes visible with {@link #commitRecord()}. */
  DnsRecord nextRecord() {
    if (recordCount == records.length) {
      DnsRecord[] grown = Arrays.copyOf(records, records.length * 2);
      for (int i = records.length; i < grown.length; i++) {
        grown[i] = new DnsRecord();
      }
      records = grown;
    }
    DnsRecord r = records[recordCount];
    r.reset();
    return r;
  }

  void commitRecord() {
    DnsRecord r = records[recordCount++];
    if (r.section == DnsRecord.SECTION_ANSWER) {
      answersParsed++;
    } else if (r.section == DnsRecord.SECTION_AUTHORITY) {
      authorityParsed++;
    } else {
      additionalParsed++;
    }
  }

  void addZeekAnswer(String answer, long ttl) {
    if (zeekCount == zeekAnswers.length) {
      zeekAnswers = Arrays.copyOf(zeekAnswers, zeekCount * 2);
      zeekTtls = Arrays.copyOf(zeekTtls, zeekCount * 2);
    }
    zeekAnswers[zeekCount] = answer;
    zeekTtls[zeekCount] = ttl;
    zeekCount++;
  }

  /** Records parsed, in message order (answer, authority, additional). */
  public int recordCount() {
    return recordCount;
  }

  public DnsRecord record(int i) {
    if (i < 0 || i >= recordCount) {
      throw new IndexOutOfBoundsException(i);
    }
    return records[i];
  }

  /** Number of elements of Zeek's {@code answers} (and {@code TTLs}) for this message. */
  public int zeekAnswerCount() {
    return zeekCount;
  }

  public String zeekAnswer(int i) {
    if (i < 0 || i >= zeekCount) {
      throw new IndexOutOfBoundsException(i);
    }
    return zeekAnswers[i];
  }

  /** TTL (seconds) of {@link #zeekAnswer(int)}. */
  public long zeekTtl(int i) {
    if (i < 0 || i >= zeekCount) {
      throw new IndexOutOfBoundsException(i);
    }
    return zeekTtls[i];
  }

  /** Copy of Zeek's {@code answers} (allocates; for building records and tests). */
  public List<String> zeekAnswers() {
    return new ArrayList<>(Arrays.asList(zeekAnswers).subList(0, zeekCount));
  }

  /** Copy of Zeek's {@code TTLs} in seconds. */
  public long[] zeekTtls() {
    return Arrays.copyOf(zeekTtls, zeekCount);
  }

  /** Zeek's {@code query}: the question name lower-cased (ASCII); null when there is no question. */
  public String zeekQuery() {
    return qname == null ? null : DnsText.lowerAscii(qname);
  }

  /**
   * What Zeek logs as {@code query} for a response when it saw no query: the owner name (lower
   * case) of the first record that gave an answer; null when there is none.
   */
  public String zeekQueryFromAnswers() {
    for (int i = 0; i < recordCount; i++) {
      if (records[i].zeekAnswer != null) {
        return DnsText.lowerAscii(records[i].name);
      }
    }
    return null;
  }

  public String qtypeName() {
    return qtype < 0 ? null : DnsNames.qtype(qtype);
  }

  public String qclassName() {
    return qclass < 0 ? null : DnsNames.qclass(qclass);
  }

  /** Zeek's {@code rcode_name} (of the header rcode). */
  public String rcodeName() {
    return DnsNames.rcode(rcode);
  }

  public String opcodeName() {
    return DnsNames.opcode(opcode);
  }

  /**
   * Whether this message alone makes Zeek set {@code rejected}: a response with a non-zero rcode
   * and no question, or a response with a question and no records at all (Zeek's dns_rejected).
   */
  public boolean zeekRejected() {
    if (!qr) {
      return false;
    }
    return (rcode != 0 && qdCount == 0)
        || (questionsParsed > 0 && anCount == 0 && nsCount == 0 && arCount == 0);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(result).append(" id=").append(id).append(qr ? " response" : " query")
        .append(" opcode=").append(opcode).append(" rcode=").append(rcode)
        .append(" q=").append(qname).append('/').append(qtype).append('/').append(qclass);
    for (int i = 0; i < recordCount; i++) {
      sb.append("\n  ").append(records[i]);
    }
    return sb.toString();
  }
}
