package dev.nsm.sensor.flow;

/**
 * Zeek's ICMP "ports" ({@code ICMP4_counterpart}/{@code ICMP6_counterpart} in ICMP.cc): a flow's
 * originator port is the ICMP type, its responder port the counterpart type of request/reply types
 * (echo, timestamp, information, router, mask, neighbour, MLD, node information, home agent) or else
 * the code, and then the type is "one way": its key keeps the packet's direction.
 */
final class Icmp {
  private Icmp() {}

  /** The counterpart type, or -1 when the type is one way. */
  static int counterpart(boolean v6, int type) {
    if (!v6) {
      switch (type) {
        case 8: return 0; // echo -> echo reply
        case 0: return 8;
        case 13: return 14; // timestamp
        case 14: return 13;
        case 15: return 16; // information request
        case 16: return 15;
        case 10: return 9; // router solicitation -> advertisement
        case 9: return 10;
        case 17: return 18; // address mask
        case 18: return 17;
        default: return -1;
      }
    }
    switch (type) {
      case 128: return 129; // echo request -> reply
      case 129: return 128;
      case 133: return 134; // router solicitation -> advertisement
      case 134: return 133;
      case 135: return 136; // neighbour solicitation -> advertisement
      case 136: return 135;
      case 130: return 131; // MLD query -> report
      case 131: return 130;
      case 139: return 140; // node information query -> response
      case 140: return 139;
      case 144: return 145; // home agent address discovery
      case 145: return 144;
      default: return -1;
    }
  }
}
