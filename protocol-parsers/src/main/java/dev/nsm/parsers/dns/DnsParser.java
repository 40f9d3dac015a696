package dev.nsm.parsers.dns;

import java.util.Base64;

/**
 * Parses one DNS message (RFC 1035 and its extensions) from bytes it does not own into a reusable
 * {@link DnsMessage}. Pure: no I/O, no threads, no exceptions; every length read from the message
 * is checked against the bytes present. One instance per thread, reused for every message.
 *
 * <p>Allocation: Strings for names and rdata text, per question and per record (the flow layer
 * makes a log record of them anyway); nothing else after warm-up. {@link #probe} allocates
 * nothing, so it can run on every packet of a flow whose protocol is not known yet.
 *
 * <h2>Names</h2>
 * Decompressed with the bounds of {@code walkName}: labels at most 63 bytes, the name at most 255
 * bytes in wire form, at most {@link #MAX_POINTERS} compression pointers, each pointing strictly
 * before itself, and (as Zeek does) the labels reached through a pointer must end before that
 * pointer: positions strictly decrease from jump to jump, so no loop can run. Text: labels joined
 * by '.', no trailing dot, the root as "", printable ASCII and valid UTF-8 as is, any other byte as
 * {@code \xNN} (see {@link DnsText#appendEscaped}).
 *
 * <h2>Malformed messages</h2>
 * The first fault stops the parse and is returned (and kept in {@link DnsMessage#result}); the
 * header, the questions and the records parsed before it stay in the message, and
 * {@link DnsMessage#stopSection}/{@link DnsMessage#stopOffset} say where it stopped. Work is
 * bounded: at most {@link #MAX_QUESTIONS} questions and {@link #MAX_RECORDS} records, each name
 * walk at most 255 bytes of labels and {@link #MAX_POINTERS} jumps.
 */
public final class DnsParser {
  public static final int HEADER_LENGTH = 12;
  /** Questions parsed per message (Zeek gives up above 25: dns_max_queries). */
  public static final int MAX_QUESTIONS = 25;
  /** Records parsed and kept per message (a 64 KiB message holds at most ~5900). */
  public static final int MAX_RECORDS = 2048;
  /** Compression pointers followed within one name. */
  public static final int MAX_POINTERS = 64;
  /** Longest name in wire form, RFC 1035 2.3.4. */
  public static final int MAX_NAME_WIRE = 255;
  public static final int MAX_LABEL = 63;

  /** Questions {@link #probe} accepts in a message ("a few"; real traffic has 1). */
  static final int PROBE_MAX_QUESTIONS = 4;

  static final int TYPE_A = 1;
  static final int TYPE_NS = 2;
  static final int TYPE_CNAME = 5;
  static final int TYPE_SOA = 6;
  static final int TYPE_WKS = 11;
  static final int TYPE_PTR = 12;
  static final int TYPE_HINFO = 13;
  static final int TYPE_MX = 15;
  static final int TYPE_TXT = 16;
  static final int TYPE_AAAA = 28;
  static final int TYPE_LOC = 29;
  static final int TYPE_NB = 32;
  static final int TYPE_SRV = 33;
  static final int TYPE_NAPTR = 35;
  static final int TYPE_A6 = 38;
  static final int TYPE_DNAME = 39;
  static final int TYPE_OPT = 41;
  static final int TYPE_DS = 43;
  static final int TYPE_SSHFP = 44;
  static final int TYPE_RRSIG = 46;
  static final int TYPE_NSEC = 47;
  static final int TYPE_DNSKEY = 48;
  static final int TYPE_NSEC3 = 50;
  static final int TYPE_NSEC3PARAM = 51;
  static final int TYPE_SVCB = 64;
  static final int TYPE_HTTPS = 65;
  static final int TYPE_SPF = 99;
  static final int TYPE_TKEY = 249;
  static final int TYPE_TSIG = 250;
  static final int TYPE_CAA = 257;
  static final int TYPE_BINDS = 65534;

  static final int OPCODE_QUERY = 0;
  static final int OPCODE_NOTIFY = 4;
  static final int OPCODE_UPDATE = 5;

  static final int EDNS_NSID = 3;
  static final int EDNS_ECS = 8;
  static final int EDNS_COOKIE = 10;
  static final int EDNS_PADDING = 12;

  private static final int ERR_NAME_TRUNCATED = DnsResult.NAME_TRUNCATED.code();
  private static final int ERR_LABEL_TOO_LONG = DnsResult.LABEL_TOO_LONG.code();
  private static final int ERR_NAME_TOO_LONG = DnsResult.NAME_TOO_LONG.code();
  private static final int ERR_POINTER_FORWARD = DnsResult.NAME_POINTER_FORWARD.code();
  private static final int ERR_POINTER_OUT = DnsResult.NAME_POINTER_OUT_OF_BOUNDS.code();
  private static final int ERR_POINTER_LOOP = DnsResult.NAME_POINTER_LOOP.code();
  private static final int ERR_TOO_MANY_POINTERS = DnsResult.NAME_TOO_MANY_POINTERS.code();
  private static final int ERR_RDATA = DnsResult.RDATA_MALFORMED.code();

  /** Text of the name being decoded. */
  private final StringBuilder name = new StringBuilder(256);
  /** Text of a second name in the same rdata (SOA rname, NSEC next, RRSIG signer, ...). */
  private final StringBuilder name2 = new StringBuilder(256);
  /** Text of the rdata being decoded. */
  private final StringBuilder text = new StringBuilder(512);
  /** Zeek's text of the record being decoded. */
  private final StringBuilder zeek = new StringBuilder(256);
  /** Target of the last owner name that was a bare compression pointer, and its text. */
  private int lastPointer;
  private String lastPointerName;

  /**
   * Parses {@code buf[off, off + len)} as one DNS message (for TCP: without the 2-byte length
   * prefix, see {@link DnsTcpFramer}).
   *
   * @return {@code out.result}: OK, or the malformation that stopped the parse
   */
  public DnsResult parse(byte[] buf, int off, int len, DnsMessage out) {
    out.reset();
    out.length = len;
    if (len < HEADER_LENGTH) {
      return stop(out, DnsResult.HEADER_TRUNCATED, DnsMessage.SECTION_HEADER, 0);
    }
    final int end = off + len;
    int flags = u16(buf, off + 2);
    out.id = u16(buf, off);
    out.qr = (flags & 0x8000) != 0;
    out.opcode = (flags >> 11) & 15;
    out.aa = (flags & 0x0400) != 0;
    out.tc = (flags & 0x0200) != 0;
    out.rd = (flags & 0x0100) != 0;
    out.ra = (flags & 0x0080) != 0;
    out.z = (flags >> 4) & 7;
    out.ad = (flags & 0x0020) != 0;
    out.cd = (flags & 0x0010) != 0;
    out.rcode = flags & 15;
    out.extendedRcode = out.rcode;
    out.qdCount = u16(buf, off + 4);
    out.anCount = u16(buf, off + 6);
    out.nsCount = u16(buf, off + 8);
    out.arCount = u16(buf, off + 10);
    // Zeek logs answers of responses to standard queries, notifies and updates; for an update the
    // sections are prerequisites and updates, which Zeek words differently: left out here.
    boolean zeekLogs = out.qr && (out.opcode == OPCODE_QUERY || out.opcode == OPCODE_NOTIFY);

    int p = off + HEADER_LENGTH;
    lastPointer = -1;
    lastPointerName = null;
    if (out.qdCount > MAX_QUESTIONS) {
      return stop(out, DnsResult.TOO_MANY_QUESTIONS, DnsMessage.SECTION_QUESTION, p - off);
    }
    for (int i = 0; i < out.qdCount; i++) {
      if (p >= end) { // QDCOUNT says more than the message holds
        return stop(out, DnsResult.QUESTION_TRUNCATED, DnsMessage.SECTION_QUESTION, p - off);
      }
      name.setLength(0);
      int np = walkName(buf, off, end, p, end, i == 0 ? name : null);
      if (np < 0) {
        return stop(out, DnsResult.ofCode(np), DnsMessage.SECTION_QUESTION, p - off);
      }
      if (np + 4 > end) {
        return stop(out, DnsResult.QUESTION_TRUNCATED, DnsMessage.SECTION_QUESTION, p - off);
      }
      if (i == 0) {
        out.qname = name.toString();
        lastPointer = HEADER_LENGTH; // most owners are a pointer to the question's name
        lastPointerName = out.qname;
        out.qtype = u16(buf, np);
        out.qclass = u16(buf, np + 2);
      }
      out.questionsParsed++;
      p = np + 4;
    }

    for (int section = DnsRecord.SECTION_ANSWER; section <= DnsRecord.SECTION_ADDITIONAL; section++) {
      int count = section == DnsRecord.SECTION_ANSWER ? out.anCount
          : section == DnsRecord.SECTION_AUTHORITY ? out.nsCount : out.arCount;
      for (int k = 0; k < count; k++) {
        if (out.recordCount() >= MAX_RECORDS) {
          return stop(out, DnsResult.TOO_MANY_RECORDS, section, p - off);
        }
        if (p >= end) { // the counts say more than the message holds
          return stop(out, DnsResult.RR_TRUNCATED, section, p - off);
        }
        DnsRecord r = out.nextRecord();
        r.section = section;
        String owner;
        int np;
        if (p + 1 < end && (buf[p] & 0xc0) == 0xc0
            && (((buf[p] & 0x3f) << 8) | (buf[p + 1] & 0xff)) == lastPointer) {
          // the same bare pointer as a record before: same name, already checked (it points
          // lower than that earlier pointer, and its name ends before it)
          owner = lastPointerName;
          np = p + 2;
        } else {
          name.setLength(0);
          np = walkName(buf, off, end, p, end, name);
          if (np < 0) {
            return stop(out, DnsResult.ofCode(np), section, p - off);
          }
          owner = name.toString();
          if (np == p + 2) {
            lastPointer = ((buf[p] & 0x3f) << 8) | (buf[p + 1] & 0xff);
            lastPointerName = owner;
          }
        }
        if (np + 10 > end) {
          return stop(out, DnsResult.RR_TRUNCATED, section, p - off);
        }
        int rdLen = u16(buf, np + 8);
        int rd = np + 10;
        if (rd + rdLen > end) {
          return stop(out, DnsResult.RDATA_TRUNCATED, section, p - off);
        }
        r.name = owner;
        r.type = u16(buf, np);
        r.rrClass = u16(buf, np + 2);
        r.ttl = u32(buf, np + 4);
        r.rdataOffset = rd;
        r.rdataLength = rdLen;
        boolean zeekWanted = zeekLogs && section == DnsRecord.SECTION_ANSWER && !out.zeekStopped;
        if (zeekWanted && rdLen == 0 && rd < end) {
          // Zeek's DNS_zero_rdlength: it stops parsing the message at such a record.
          out.zeekStopped = true;
          zeekWanted = false;
        }
        text.setLength(0);
        zeek.setLength(0);
        int res = rdata(buf, off, end, rd, rdLen, r, out, zeekWanted);
        if (res < 0) {
          return stop(out, DnsResult.ofCode(res), section, p - off);
        }
        r.data = text.toString();
        if (zeekWanted && zeek.length() > 0) {
          // addresses and most names read the same both ways: share the String
          r.zeekAnswer = r.data.contentEquals(zeek) ? r.data
              : r.target != null && r.target.contentEquals(zeek) ? r.target : zeek.toString();
          out.addZeekAnswer(r.zeekAnswer, r.ttl);
        }
        out.commitRecord();
        p = rd + rdLen;
      }
    }
    out.trailingBytes = end - p;
    out.stopSection = DnsMessage.SECTION_HEADER;
    out.stopOffset = p - off;
    return out.result = DnsResult.OK;
  }

  private static DnsResult stop(DnsMessage out, DnsResult result, int section, int offset) {
    out.result = result;
    out.stopSection = section;
    out.stopOffset = offset;
    return result;
  }

  /**
   * Decodes one record's rdata into {@link #text} (and {@link #zeek} when {@code zeekWanted}) and
   * the record's typed fields. The Zeek checks mirror where Zeek's parser gives up on a record:
   * then Zeek's answers end there ({@code out.zeekStopped}) while this parse goes on.
   *
   * @return 0, or a negative {@link DnsResult} code
   */
  private int rdata(byte[] b, int base, int end, int rd, int len, DnsRecord r, DnsMessage out,
      boolean zeekWanted) {
    final int rdEnd = rd + len;
    int np;
    switch (r.type) {
      case TYPE_A:
        if (len != 4) {
          return ERR_RDATA;
        }
        DnsText.appendIpv4(b, rd, text);
        if (zeekWanted) {
          zeek.append(text);
        }
        return 0;

      case TYPE_AAAA:
        if (len != 16) {
          return ERR_RDATA;
        }
        DnsText.appendIpv6(b, rd, text);
        if (zeekWanted) {
          DnsText.appendIpv6Zeek(b, rd, zeek);
        }
        return 0;

      case TYPE_CNAME:
      case TYPE_NS:
      case TYPE_PTR:
      case TYPE_DNAME:
        name.setLength(0);
        np = walkName(b, base, end, rd, rdEnd, name);
        if (np < 0) {
          return np;
        }
        r.target = name.toString();
        text.append(r.target);
        if (zeekWanted) {
          if (r.type == TYPE_DNAME) {
            zeekUnknown(r.type);
          } else {
            zeekLower(r.target);
          }
        }
        return 0;

      case TYPE_MX:
        if (len < 3) {
          return ERR_RDATA;
        }
        r.priority = u16(b, rd);
        name.setLength(0);
        np = walkName(b, base, end, rd + 2, rdEnd, name);
        if (np < 0) {
          return np;
        }
        r.target = name.toString();
        text.append(r.priority).append(' ').append(r.target);
        if (zeekWanted) {
          zeekLower(r.target);
        }
        return 0;

      case TYPE_SRV:
        if (len < 7) {
          return ERR_RDATA;
        }
        r.priority = u16(b, rd);
        r.weight = u16(b, rd + 2);
        r.port = u16(b, rd + 4);
        name.setLength(0);
        np = walkName(b, base, end, rd + 6, rdEnd, name);
        if (np < 0) {
          return np;
        }
        r.target = name.toString();
        text.append(r.priority).append(' ').append(r.weight).append(' ').append(r.port).append(' ')
            .append(r.target);
        if (zeekWanted) {
          zeekLower(r.target);
        }
        return 0;

      case TYPE_SOA: {
        name.setLength(0);
        np = walkName(b, base, end, rd, rdEnd, name);
        if (np < 0) {
          return np;
        }
        name2.setLength(0);
        np = walkName(b, base, end, np, rdEnd, name2);
        if (np < 0) {
          return np;
        }
        if (np + 20 > rdEnd) {
          return ERR_RDATA;
        }
        r.target = name.toString();
        r.rname = name2.toString();
        r.serial = u32(b, np);
        r.refresh = u32(b, np + 4);
        r.retry = u32(b, np + 8);
        r.expire = u32(b, np + 12);
        r.minimum = u32(b, np + 16);
        text.append(r.target).append(' ').append(r.rname).append(' ').append(r.serial).append(' ')
            .append(r.refresh).append(' ').append(r.retry).append(' ').append(r.expire).append(' ')
            .append(r.minimum);
        if (zeekWanted) {
          zeekLower(r.target);
        }
        return 0;
      }

      case TYPE_TXT:
      case TYPE_SPF:
        return txt(b, rd, rdEnd, r, zeekWanted);

      case TYPE_CAA: {
        if (len < 2 || 2 + (b[rd + 1] & 0xff) > len) {
          return ERR_RDATA;
        }
        r.priority = b[rd] & 0xff;
        int tagLen = b[rd + 1] & 0xff;
        int v = rd + 2 + tagLen;
        text.append(r.priority).append(' ');
        int mark = text.length();
        DnsText.appendEscaped(b, rd + 2, tagLen, text);
        String tag = text.substring(mark);
        text.append(" \"");
        mark = text.length();
        appendQuotable(b, v, rdEnd - v, text);
        String value = text.substring(mark);
        text.append('"');
        r.strings = new String[] {tag, value};
        return 0;
      }

      case TYPE_SVCB:
      case TYPE_HTTPS:
        return svcb(b, base, end, rd, rdEnd, r);

      case TYPE_OPT:
        return opt(b, rd, rdEnd, r, out);

      default:
        DnsText.appendHex(b, rd, len, text);
        if (zeekWanted) {
          zeekOther(b, base, end, rd, len, r, out);
        }
        return 0;
    }
  }

  /** TXT and SPF: a sequence of character-strings (length byte, bytes) filling the rdata. */
  private int txt(byte[] b, int rd, int rdEnd, DnsRecord r, boolean zeekWanted) {
    int n = 0;
    for (int q = rd; q < rdEnd; q += 1 + (b[q] & 0xff)) {
      if (q + 1 + (b[q] & 0xff) > rdEnd) {
        return ERR_RDATA;
      }
      n++;
    }
    r.strings = new String[n];
    String word = r.type == TYPE_SPF ? "SPF " : "TXT ";
    int i = 0;
    for (int q = rd; q < rdEnd; q += 1 + (b[q] & 0xff)) {
      int l = b[q] & 0xff;
      if (i > 0) {
        text.append(' ');
      }
      text.append('"');
      appendQuotable(b, q + 1, l, text);
      text.append('"');
      if (zeekWanted) {
        if (i > 0) {
          zeek.append(' ');
        }
        zeek.append(word).append(l).append(' ');
        DnsText.appendEscaped(b, q + 1, l, zeek);
      }
      r.strings[i++] = escaped(b, q + 1, l);
    }
    return 0;
  }

  private String escaped(byte[] b, int off, int len) {
    name2.setLength(0);
    DnsText.appendEscaped(b, off, len, name2);
    return name2.toString();
  }

  /** A character-string inside double quotes: as {@link DnsText#appendEscaped}, '"' as \x22. */
  private static void appendQuotable(byte[] b, int off, int len, StringBuilder sb) {
    int from = off;
    for (int i = off; i < off + len; i++) {
      if (b[i] == '"') {
        DnsText.appendEscaped(b, from, i - from, sb);
        sb.append("\\x22");
        from = i + 1;
      }
    }
    DnsText.appendEscaped(b, from, off + len - from, sb);
  }

  /**
   * SVCB and HTTPS (RFC 9460 2.2): SvcPriority, TargetName (uncompressed by the RFC; a pointer is
   * tolerated), then SvcParams (key, length, value), rendered in presentation form.
   */
  private int svcb(byte[] b, int base, int end, int rd, int rdEnd, DnsRecord r) {
    if (rdEnd - rd < 3) {
      return ERR_RDATA;
    }
    r.priority = u16(b, rd);
    name.setLength(0);
    int p = walkName(b, base, end, rd + 2, rdEnd, name);
    if (p < 0) {
      return p;
    }
    r.target = name.length() == 0 ? "." : name.toString();
    text.append(r.priority).append(' ').append(r.target);
    while (p < rdEnd) {
      if (p + 4 > rdEnd) {
        return ERR_RDATA;
      }
      int key = u16(b, p);
      int vlen = u16(b, p + 2);
      int v = p + 4;
      if (v + vlen > rdEnd) {
        return ERR_RDATA;
      }
      text.append(' ');
      if (!svcParam(b, key, v, vlen, r)) {
        // a value that does not fit its key: shown raw, like an unknown key
        text.append("key").append(key);
        if (vlen > 0) {
          text.append("=\"");
          appendQuotable(b, v, vlen, text);
          text.append('"');
        }
      }
      p = v + vlen;
    }
    return 0;
  }

  /** Appends one known SvcParam; false (nothing appended) when the key is unknown or the value bad. */
  private boolean svcParam(byte[] b, int key, int v, int vlen, DnsRecord r) {
    final int vEnd = v + vlen;
    switch (key) {
      case 0: // mandatory: list of keys
        if (vlen == 0 || (vlen & 1) != 0) {
          return false;
        }
        text.append("mandatory=");
        for (int q = v; q < vEnd; q += 2) {
          if (q > v) {
            text.append(',');
          }
          appendSvcKeyName(u16(b, q));
        }
        return true;
      case 1: { // alpn: length-prefixed ids
        int n = 0;
        for (int q = v; q < vEnd; q += 1 + (b[q] & 0xff)) {
          int l = b[q] & 0xff;
          if (l == 0 || q + 1 + l > vEnd) {
            return false;
          }
          n++;
        }
        if (n == 0) {
          return false;
        }
        r.strings = new String[n];
        text.append("alpn=");
        int i = 0;
        for (int q = v; q < vEnd; q += 1 + (b[q] & 0xff)) {
          if (i > 0) {
            text.append(',');
          }
          int mark = text.length();
          DnsText.appendEscaped(b, q + 1, b[q] & 0xff, text);
          r.strings[i++] = text.substring(mark);
        }
        return true;
      }
      case 2: // no-default-alpn
        if (vlen != 0) {
          return false;
        }
        text.append("no-default-alpn");
        return true;
      case 3: // port
        if (vlen != 2) {
          return false;
        }
        r.port = u16(b, v);
        text.append("port=").append(r.port);
        return true;
      case 4: // ipv4hint
        if (vlen == 0 || vlen % 4 != 0) {
          return false;
        }
        text.append("ipv4hint=");
        for (int q = v; q < vEnd; q += 4) {
          if (q > v) {
            text.append(',');
          }
          DnsText.appendIpv4(b, q, text);
        }
        return true;
      case 5: { // ech: ECHConfigList, base64
        byte[] ech = new byte[vlen];
        System.arraycopy(b, v, ech, 0, vlen);
        text.append("ech=").append(Base64.getEncoder().encodeToString(ech));
        return true;
      }
      case 6: // ipv6hint
        if (vlen == 0 || vlen % 16 != 0) {
          return false;
        }
        text.append("ipv6hint=");
        for (int q = v; q < vEnd; q += 16) {
          if (q > v) {
            text.append(',');
          }
          DnsText.appendIpv6(b, q, text);
        }
        return true;
      default:
        return false;
    }
  }

  private void appendSvcKeyName(int key) {
    switch (key) {
      case 0:
        text.append("mandatory");
        break;
      case 1:
        text.append("alpn");
        break;
      case 2:
        text.append("no-default-alpn");
        break;
      case 3:
        text.append("port");
        break;
      case 4:
        text.append("ipv4hint");
        break;
      case 5:
        text.append("ech");
        break;
      case 6:
        text.append("ipv6hint");
        break;
      default:
        text.append("key").append(key);
    }
  }

  /**
   * OPT pseudo-record (RFC 6891 6.1.2): CLASS is the UDP payload size, TTL holds the extended
   * rcode, version and the DO bit; rdata is a list of options (code, length, data).
   *
   * <pre>
   *  TTL: +--------------+--------------+--+---------------------------+
   *       | EXTENDED-RCODE|   VERSION   |DO|            Z              |
   *       +--------------+--------------+--+---------------------------+
   *  ECS option data (RFC 7871 6):
   *       | FAMILY (16) | SOURCE PREFIX (8) | SCOPE PREFIX (8) | ADDRESS ... (prefix bits, padded) |
   * </pre>
   */
  private int opt(byte[] b, int rd, int rdEnd, DnsRecord r, DnsMessage out) {
    int udp = r.rrClass;
    int ext = (int) (r.ttl >>> 24);
    int version = (int) (r.ttl >>> 16) & 0xff;
    boolean dnssecOk = (r.ttl & 0x8000) != 0;
    // validate the option list first, so a malformed OPT changes nothing in the message
    for (int q = rd; q < rdEnd; q += 4 + u16(b, q + 2)) {
      if (q + 4 > rdEnd || q + 4 + u16(b, q + 2) > rdEnd) {
        return ERR_RDATA;
      }
    }
    boolean first = !out.edns;
    if (first) {
      out.edns = true;
      out.ednsUdpSize = udp;
      out.ednsVersion = version;
      out.ednsExtRcode = ext;
      out.ednsDo = dnssecOk;
      out.extendedRcode = (ext << 4) | out.rcode;
    }
    text.append("udp=").append(udp).append(" version=").append(version).append(" do=")
        .append(dnssecOk ? 1 : 0);
    if (ext != 0) {
      text.append(" ext_rcode=").append(ext);
    }
    for (int q = rd; q < rdEnd; q += 4 + u16(b, q + 2)) {
      int code = u16(b, q);
      int olen = u16(b, q + 2);
      int o = q + 4;
      text.append(' ');
      switch (code) {
        case EDNS_ECS:
          if (!ecs(b, o, olen, out, first)) {
            text.append("ecs=");
            DnsText.appendHex(b, o, olen, text);
          }
          break;
        case EDNS_COOKIE:
          text.append("cookie=");
          DnsText.appendHex(b, o, olen, text);
          break;
        case EDNS_NSID:
          text.append("nsid=");
          DnsText.appendHex(b, o, olen, text);
          break;
        case EDNS_PADDING:
          text.append("padding=").append(olen);
          break;
        default:
          text.append("opt").append(code).append('=');
          DnsText.appendHex(b, o, olen, text);
      }
    }
    return 0;
  }

  /** Client subnet: appends {@code ecs=addr/source/scope}; false when the option is malformed. */
  private boolean ecs(byte[] b, int o, int olen, DnsMessage out, boolean setMessage) {
    if (olen < 4) {
      return false;
    }
    int family = u16(b, o);
    int source = b[o + 2] & 0xff;
    int scope = b[o + 3] & 0xff;
    int addrLen = olen - 4;
    int full = family == 1 ? 4 : family == 2 ? 16 : -1;
    // RFC 7871 6 wants exactly ceil(source / 8) address bytes; like Zeek, accept more and read
    // only those (tshark shows all of them)
    int needed = (source + 7) / 8;
    if (full < 0 || source > full * 8 || addrLen < needed || addrLen > full) {
      return false;
    }
    byte[] padded = new byte[16];
    System.arraycopy(b, o + 4, padded, 0, needed);
    text.append("ecs=");
    int addrStart = text.length();
    if (family == 1) {
      DnsText.appendIpv4(padded, 0, text);
    } else {
      DnsText.appendIpv6(padded, 0, text);
    }
    String addr = text.substring(addrStart);
    text.append('/').append(source).append('/').append(scope);
    if (setMessage) {
      out.ecsFamily = family;
      out.ecsSourcePrefix = source;
      out.ecsScopePrefix = scope;
      out.ecsAddress = addr;
    }
    return true;
  }

  private void zeekLower(String s) {
    int mark = zeek.length();
    zeek.append(s);
    DnsText.lowerAscii(zeek, mark);
  }

  private void zeekUnknown(int type) {
    zeek.append("<unknown type=").append(type).append('>');
  }

  /**
   * Zeek's answer text for the types this parser shows as hex: what Zeek's event handlers in
   * main.zeek write, with Zeek's own length checks (a failed check ends Zeek's answer list).
   */
  private void zeekOther(byte[] b, int base, int end, int rd, int len, DnsRecord r, DnsMessage out) {
    int rdEnd = rd + len;
    switch (r.type) {
      case TYPE_A6:
        if (len >= 16) {
          DnsText.appendIpv6Zeek(b, rd, zeek);
        } else {
          out.zeekStopped = true;
        }
        return;
      case TYPE_WKS:
      case TYPE_HINFO:
      case TYPE_NB:
      case TYPE_TSIG:
      case TYPE_TKEY:
        return; // parsed by Zeek, nothing logged
      case TYPE_RRSIG: {
        if (len < 18) {
          out.zeekStopped = true;
          return;
        }
        name2.setLength(0);
        if (walkName(b, base, end, rd + 18, rdEnd, name2) < 0) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("RRSIG ").append(u16(b, rd)).append(' ');
        if (name2.length() == 0) {
          zeek.append("<Root>");
        } else {
          int mark = zeek.length();
          zeek.append(name2);
          DnsText.lowerAscii(zeek, mark);
        }
        return;
      }
      case TYPE_DNSKEY:
        if (len < 4) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("DNSKEY ").append(b[rd + 3] & 0xff);
        return;
      case TYPE_DS:
        if (len < 4) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("DS ").append(b[rd + 2] & 0xff).append(' ').append(b[rd + 3] & 0xff);
        return;
      case TYPE_NSEC: {
        name2.setLength(0);
        if (walkName(b, base, end, rd, rdEnd, name2) < 0) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("NSEC ");
        zeekLower(r.name);
        zeek.append(' ');
        int mark = zeek.length();
        zeek.append(name2);
        DnsText.lowerAscii(zeek, mark);
        return;
      }
      case TYPE_NSEC3:
        if (len < 6) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("NSEC3");
        return;
      case TYPE_NSEC3PARAM:
        if (len < 5) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("NSEC3PARAM");
        return;
      case TYPE_BINDS:
        if (len < 5) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("BIND9 signing signal");
        return;
      case TYPE_SSHFP:
        if (len < 2) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("SSHFP: ");
        DnsText.appendHex(b, rd + 2, len - 2, zeek);
        return;
      case TYPE_LOC:
        if (len != 16) {
          out.zeekStopped = true;
          return;
        }
        zeek.append("LOC:  ").append(b[rd + 1] & 0xff).append(' ').append(b[rd + 2] & 0xff)
            .append(' ').append(b[rd + 3] & 0xff);
        return;
      case TYPE_NAPTR:
        zeekNaptr(b, base, end, rd, rdEnd, out);
        return;
      default:
        zeekUnknown(r.type);
    }
  }

  /** NAPTR (RFC 3403): order, preference, flags, service, regexp, replacement (Zeek's wording). */
  private void zeekNaptr(byte[] b, int base, int end, int rd, int rdEnd, DnsMessage out) {
    if (rdEnd - rd <= 4) {
      out.zeekStopped = true;
      return;
    }
    zeek.append("NAPTR ").append(u16(b, rd)).append(' ').append(u16(b, rd + 2));
    int q = rd + 4;
    int regexpStart = 0;
    for (int i = 0; i < 3; i++) {
      if (q >= rdEnd || q + 1 + (b[q] & 0xff) > rdEnd) {
        zeek.setLength(0);
        out.zeekStopped = true;
        return;
      }
      zeek.append(' ');
      if (i == 2) {
        regexpStart = zeek.length();
      }
      DnsText.appendEscaped(b, q + 1, b[q] & 0xff, zeek);
      q += 1 + (b[q] & 0xff);
    }
    name2.setLength(0);
    if (walkName(b, base, end, q, rdEnd, name2) < 0) {
      zeek.setLength(0);
      out.zeekStopped = true;
      return;
    }
    if (name2.length() > 0) {
      if (zeek.length() > regexpStart) {
        zeek.append(' ');
      }
      zeek.append(name2);
    }
  }

  // ------------------------------------------------------------------ names

  /**
   * Walks the (possibly compressed) name at {@code pos}.
   *
   * <pre>
   *  label:   | 00 LLLLLL | LLLLLL bytes ... |      length 1..63 (0 = root, the end)
   *  pointer: | 11 OOOOOO   OOOOOOOO |              14-bit offset from the message start
   *  01xxxxxx and 10xxxxxx (extended label types, RFC 6891 5) are rejected
   * </pre>
   *
   * @param base the message start (pointer offsets count from it)
   * @param msgEnd the message end
   * @param limit where the name's own bytes must end (the record's rdata end, or msgEnd)
   * @param sb where to append the text, or null to only validate
   * @return the position after the name in the bytes it started in (after its first pointer, if
   *     any), or a negative {@link DnsResult} code
   */
  static int walkName(byte[] b, int base, int msgEnd, int pos, int limit, StringBuilder sb) {
    int after = -1;
    int wire = 0;
    int jumps = 0;
    int p = pos;
    int textStart = sb == null ? 0 : sb.length();
    while (true) {
      if (p >= limit) {
        return after < 0 ? ERR_NAME_TRUNCATED : ERR_POINTER_LOOP;
      }
      int c = b[p] & 0xff;
      if (c == 0) {
        return after < 0 ? p + 1 : after;
      }
      if ((c & 0xc0) == 0xc0) {
        if (p + 1 >= limit) {
          return after < 0 ? ERR_NAME_TRUNCATED : ERR_POINTER_LOOP;
        }
        int target = ((c & 0x3f) << 8) | (b[p + 1] & 0xff);
        int here = p - base;
        if (target >= msgEnd - base) {
          return ERR_POINTER_OUT;
        }
        if (target >= here) {
          return target == here ? ERR_POINTER_LOOP : ERR_POINTER_FORWARD;
        }
        if (++jumps > MAX_POINTERS) {
          return ERR_TOO_MANY_POINTERS;
        }
        if (after < 0) {
          after = p + 2;
        }
        // The labels reached must end before this pointer (as Zeek requires): each jump lands
        // strictly lower than the last, so a name cannot come back to where it has been.
        limit = p;
        p = base + target;
        continue;
      }
      if (c > MAX_LABEL) {
        return ERR_LABEL_TOO_LONG;
      }
      if (p + 1 + c > limit) {
        return after < 0 ? ERR_NAME_TRUNCATED : ERR_POINTER_LOOP;
      }
      wire += 1 + c;
      if (wire + 1 > MAX_NAME_WIRE) { // + the root label still to come
        return ERR_NAME_TOO_LONG;
      }
      if (sb != null) {
        if (sb.length() > textStart) {
          sb.append('.');
        }
        DnsText.appendEscaped(b, p + 1, c, sb);
      }
      p += 1 + c;
    }
  }

  // ------------------------------------------------------------------ probe

  /**
   * Whether {@code buf[off, off + len)} starts like a DNS message, for detection by content: cheap,
   * allocation-free, and strict enough that HTTP, TLS and random payloads fail it. For TCP the
   * bytes start with the 2-byte length prefix, and the header and first question (or first record)
   * must be in this segment.
   *
   * <p>Checks: the header is there; opcode 0, 1, 2, 4 or 5; the reserved Z bit clear; a query has
   * rcode 0; QDCOUNT 1..{@value #PROBE_MAX_QUESTIONS} (or 0 in a response with answers, as mDNS
   * and zone transfers send); the counts fit the length (a question takes at least 5 bytes, a
   * record 11); the first question's name decodes within bounds and its type and class are
   * plausible (or, with no question, the first record's are and its rdata fits).
   */
  public static boolean probe(byte[] buf, int off, int len, boolean tcp) {
    int msgLen;
    if (tcp) {
      if (len < 2) {
        return false;
      }
      msgLen = u16(buf, off);
      off += 2;
      len -= 2;
    } else {
      msgLen = len;
    }
    int avail = Math.min(len, msgLen);
    if (avail < HEADER_LENGTH + 5) {
      return false;
    }
    int flags = u16(buf, off + 2);
    int opcode = (flags >> 11) & 15;
    if (opcode == 3 || opcode > 5) {
      return false;
    }
    if ((flags & 0x0040) != 0) {
      return false;
    }
    boolean qr = (flags & 0x8000) != 0;
    if (!qr && (flags & 15) != 0) {
      return false;
    }
    int qd = u16(buf, off + 4);
    int an = u16(buf, off + 6);
    int ns = u16(buf, off + 8);
    int ar = u16(buf, off + 10);
    if (qd > PROBE_MAX_QUESTIONS) {
      return false;
    }
    long minLen = HEADER_LENGTH + 5L * qd + 11L * (an + ns + ar);
    if (minLen > msgLen) {
      return false;
    }
    int end = off + avail;
    int p = walkName(buf, off, end, off + HEADER_LENGTH, end, null);
    if (p < 0) {
      return false;
    }
    if (qd == 0) {
      if (!qr || an == 0 || p + 10 > end) {
        return false;
      }
      int rdLen = u16(buf, p + 8);
      return plausibleType(u16(buf, p)) && plausibleClass(u16(buf, p + 2))
          && (p + 10 + rdLen) - off <= msgLen;
    }
    if (p + 4 > end) {
      return false;
    }
    return plausibleType(u16(buf, p)) && plausibleClass(u16(buf, p + 2));
  }

  /** Assigned or private-use TYPE/QTYPE ranges (0 and the unassigned 128..248 are not). */
  private static boolean plausibleType(int t) {
    return (t >= 1 && t <= 127) || (t >= 249 && t <= 260) || t == 32768 || t == 32769
        || (t >= 65280 && t <= 65534);
  }

  /** IN, CH, HS, NONE, ANY; the mDNS top bit (unicast response / cache flush) masked. */
  private static boolean plausibleClass(int c) {
    c &= 0x7fff;
    return c == 1 || c == 3 || c == 4 || c == 254 || c == 255;
  }

  static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  static long u32(byte[] b, int i) {
    return ((long) (b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8)
        | (b[i + 3] & 0xff);
  }
}
