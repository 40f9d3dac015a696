package dev.nsm.parsers.dns;

/**
 * Names of DNS numbers exactly as Zeek's dns.log writes them (zeek/zeek
 * {@code scripts/base/protocols/dns/consts.zeek}, commit a13de64f): {@code qtype_name},
 * {@code rcode_name}, {@code qclass_name}, {@code opcode_name}, including Zeek's spellings
 * ({@code "*"} for ANY, {@code "NXRRSet"}, {@code "C_INTERNET"}) and its fallbacks for numbers
 * it has no name for ({@code query-N}, {@code rcode-N}, {@code qclass-N}, {@code opcode-N}).
 *
 * <p>Known numbers return constants; only the fallbacks allocate.
 */
public final class DnsNames {
  private DnsNames() {}

  /** Zeek's {@code DNS::query_types}: the name of a QTYPE / RR TYPE. */
  public static String qtype(int qtype) {
    switch (qtype) {
      case 1:
        return "A";
      case 2:
        return "NS";
      case 3:
        return "MD";
      case 4:
        return "MF";
      case 5:
        return "CNAME";
      case 6:
        return "SOA";
      case 7:
        return "MB";
      case 8:
        return "MG";
      case 9:
        return "MR";
      case 10:
        return "NULL";
      case 11:
        return "WKS";
      case 12:
        return "PTR";
      case 13:
        return "HINFO";
      case 14:
        return "MINFO";
      case 15:
        return "MX";
      case 16:
        return "TXT";
      case 17:
        return "RP";
      case 18:
        return "AFSDB";
      case 19:
        return "X25";
      case 20:
        return "ISDN";
      case 21:
        return "RT";
      case 22:
        return "NSAP";
      case 23:
        return "NSAP-PTR";
      case 24:
        return "SIG";
      case 25:
        return "KEY";
      case 26:
        return "PX";
      case 27:
        return "GPOS";
      case 28:
        return "AAAA";
      case 29:
        return "LOC";
      case 30:
        return "NXT";
      case 31:
        return "EID";
      case 32:
        return "NIMLOC";
      case 33:
        return "SRV";
      case 34:
        return "ATMA";
      case 35:
        return "NAPTR";
      case 36:
        return "KX";
      case 37:
        return "CERT";
      case 38:
        return "A6";
      case 39:
        return "DNAME";
      case 40:
        return "SINK";
      case 41:
        return "OPT";
      case 42:
        return "APL";
      case 43:
        return "DS";
      case 44:
        return "SSHFP";
      case 45:
        return "IPSECKEY";
      case 46:
        return "RRSIG";
      case 47:
        return "NSEC";
      case 48:
        return "DNSKEY";
      case 49:
        return "DHCID";
      case 50:
        return "NSEC3";
      case 51:
        return "NSEC3PARAM";
      case 52:
        return "TLSA";
      case 53:
        return "SMIMEA";
      case 55:
        return "HIP";
      case 56:
        return "NINFO";
      case 57:
        return "RKEY";
      case 58:
        return "TALINK";
      case 59:
        return "CDS";
      case 60:
        return "CDNSKEY";
      case 61:
        return "OPENPGPKEY";
      case 62:
        return "CSYNC";
      case 63:
        return "ZONEMD";
      case 64:
        return "SVCB";
      case 65:
        return "HTTPS";
      case 99:
        return "SPF";
      case 100:
        return "UINFO";
      case 101:
        return "UID";
      case 102:
        return "GID";
      case 103:
        return "UNSPEC";
      case 104:
        return "NID";
      case 105:
        return "L32";
      case 106:
        return "L64";
      case 107:
        return "LP";
      case 108:
        return "EUI48";
      case 109:
        return "EUI64";
      case 249:
        return "TKEY";
      case 250:
        return "TSIG";
      case 251:
        return "IXFR";
      case 252:
        return "AXFR";
      case 253:
        return "MAILB";
      case 254:
        return "MAILA";
      case 255:
        return "*";
      case 256:
        return "URI";
      case 257:
        return "CAA";
      case 32768:
        return "TA";
      case 32769:
        return "DLV";
      case 65281:
        return "WINS";
      case 65282:
        return "WINS-R";
      case 65422:
        return "XPF";
      case 65521:
        return "INTEGRITY";
      default:
        return "query-" + qtype;
    }
  }

  /**
   * Zeek's {@code DNS::base_errors}: the name of an RCODE. dns.log names the 4-bit header rcode;
   * an EDNS extended rcode (up to 4095) is named from the same table.
   */
  public static String rcode(int rcode) {
    switch (rcode) {
      case 0:
        return "NOERROR";
      case 1:
        return "FORMERR";
      case 2:
        return "SERVFAIL";
      case 3:
        return "NXDOMAIN";
      case 4:
        return "NOTIMP";
      case 5:
        return "REFUSED";
      case 6:
        return "YXDOMAIN";
      case 7:
        return "YXRRSET";
      case 8:
        return "NXRRSet";
      case 9:
        return "NOTAUTH";
      case 10:
        return "NOTZONE";
      case 11:
        return "unassigned-11";
      case 12:
        return "unassigned-12";
      case 13:
        return "unassigned-13";
      case 14:
        return "unassigned-14";
      case 15:
        return "unassigned-15";
      case 16:
        return "BADVERS";
      case 17:
        return "BADKEY";
      case 18:
        return "BADTIME";
      case 19:
        return "BADMODE";
      case 20:
        return "BADNAME";
      case 21:
        return "BADALG";
      case 22:
        return "BADTRUNC";
      case 23:
        return "BADCOOKIE";
      case 3842:
        return "BADSIG";
      default:
        return "rcode-" + rcode;
    }
  }

  /** Zeek's {@code DNS::classes}: the name of a QCLASS (the mDNS unicast-response bit is not masked). */
  public static String qclass(int qclass) {
    switch (qclass) {
      case 1:
        return "C_INTERNET";
      case 2:
        return "C_CSNET";
      case 3:
        return "C_CHAOS";
      case 4:
        return "C_HESIOD";
      case 254:
        return "C_NONE";
      case 255:
        return "C_ANY";
      default:
        return "qclass-" + qclass;
    }
  }

  /** Zeek's {@code DNS::opcodes}: the name of an OPCODE. */
  public static String opcode(int opcode) {
    switch (opcode) {
      case 0:
        return "query";
      case 1:
        return "iquery";
      case 2:
        return "server-status";
      case 4:
        return "notify";
      case 5:
        return "dynamic-update";
      case 6:
        return "dso";
      default:
        return "opcode-" + opcode;
    }
  }
}
