package dev.nsm.parsers.packet;

/** The libpcap link types (LINKTYPE_*) the decoder reads. */
public final class LinkType {
  private LinkType() {}

  /** BSD loopback: 4-byte address family in host byte order. */
  public static final int NULL = 0;
  public static final int ETHERNET = 1;
  public static final int PPP = 9;
  /** Raw IP (LINKTYPE_RAW, and DLT_RAW 12/14 as some files carry it). */
  public static final int RAW = 101;
  public static final int RAW_12 = 12;
  public static final int RAW_14 = 14;
  /** PPP in HDLC-like framing (Cisco HDLC / PPP_HDLC). */
  public static final int PPP_HDLC = 50;
  public static final int C_HDLC = 104;
  /** Linux "cooked" capture v1 and v2. */
  public static final int LINUX_SLL = 113;
  public static final int LINUX_SLL2 = 276;
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  public static final int LOOP = 108;
  public static final int IPV4 = 228;
  public static final int IPV6 = 229;

  public static boolean isSupported(int linkType) {
    switch (linkType) {
      case NULL: case ETHERNET: case PPP: case RAW: case RAW_12: case RAW_14: case PPP_HDLC:
      case C_HDLC: case LINUX_SLL: case LINUX_SLL2: case LOOP: case IPV4: case IPV6:
        return true;
      default:
        return false;
    }
  }

  public static String name(int linkType) {
    switch (linkType) {
      case NULL: return "NULL";
      case ETHERNET: return "ETHERNET";
      case PPP: return "PPP";
      case RAW: case RAW_12: case RAW_14: return "RAW";
      case PPP_HDLC: return "PPP_HDLC";
      case C_HDLC: return "C_HDLC";
      case LINUX_SLL: return "LINUX_SLL";
      case LINUX_SLL2: return "LINUX_SLL2";
      case LOOP: return "LOOP";
      case IPV4: return "IPV4";
      case IPV6: return "IPV6";
      default: return "LINKTYPE_" + linkType;
    }
  }
}
