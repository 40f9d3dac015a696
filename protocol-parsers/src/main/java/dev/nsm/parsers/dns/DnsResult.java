package dev.nsm.parsers.dns;

import java.util.Locale;

/**
 * Outcome of parsing one DNS message. {@code OK} is the only normal value; every other value is a
 * malformation, counted by this name. A malformed message keeps everything parsed before the fault
 * ({@link DnsMessage#stopSection}, {@link DnsMessage#stopOffset} say where parsing stopped).
 *
 * <p>The Zeek weird each one corresponds to, where there is one, is named in its meaning.
 */
public enum DnsResult {
  OK("parsed to the end of the last record"),
  HEADER_TRUNCATED("fewer than 12 bytes: no complete header (DNS_truncated_len_lt_hdr_len)"),
  TOO_MANY_QUESTIONS("question count above the parser's limit (DNS_Conn_count_too_large)"),
  QUESTION_TRUNCATED("question missing or cut short after its name: QDCOUNT says more than the"
      + " message holds (DNS_truncated_quest_too_short)"),
  NAME_TRUNCATED("name runs past the end of the message or of its record (dns_invalid_name)"),
  LABEL_TOO_LONG("label length byte 64..191: neither a label of at most 63 bytes nor a pointer"
      + " (DNS_label_too_long)"),
  NAME_TOO_LONG("name longer than 255 bytes in wire form (DNS_NAME_too_long)"),
  NAME_POINTER_FORWARD("compression pointer to its own position or forward: RFC 1035 pointers go to"
      + " a prior occurrence (DNS_label_forward_compress_offset)"),
  NAME_POINTER_OUT_OF_BOUNDS("compression pointer past the end of the message"),
  NAME_POINTER_LOOP("after a jump the name runs into the pointer it came from (a loop)"),
  NAME_TOO_MANY_POINTERS("more compression pointers in one name than the parser follows"
      + " (DNS_max_compression_chain_depth_exceeded)"),
  RR_TRUNCATED("resource record missing or cut short before its rdata: the counts say more than"
      + " the message holds (DNS_truncated_ans_too_short)"),
  RDATA_TRUNCATED("rdata length past the end of the message (DNS_truncated_RR_rdlength_lt_len)"),
  RDATA_MALFORMED("rdata does not fit its type (bad address length, string or name past the rdata,"
      + " DNS_RR_bad_length, DNS_TXT_char_str_past_rdlen, ...)"),
  TOO_MANY_RECORDS("more resource records than the parser keeps per message");

  private static final DnsResult[] VALUES = values();

  private final String meaning;

  DnsResult(String meaning) {
    this.meaning = meaning;
  }

  /** One line: what this outcome means. */
  public String meaning() {
    return meaning;
  }

  /** The counter name (lower case), e.g. {@code name_pointer_loop}. */
  public String counterName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isMalformed() {
    return this != OK;
  }

  /** Internal error code: a negative int, so a position-returning method can also return an error. */
  int code() {
    return -ordinal();
  }

  static DnsResult ofCode(int code) {
    return VALUES[-code];
  }
}
