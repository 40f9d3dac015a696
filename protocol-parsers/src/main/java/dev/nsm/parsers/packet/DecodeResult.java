package dev.nsm.parsers.packet;

/**
 * Outcome of decoding one packet. {@code OK} and the {@code NOT_IP}/{@code FRAGMENT_HELD} outcomes are
 * normal; every other value is a malformation, counted by this name and skipped.
 */
public enum DecodeResult {
  OK("decoded"),
  NOT_IP("no IP inside (ARP, LLDP, STP, ...)"),
  FRAGMENT_HELD("an IP fragment was stored to wait for the rest of its datagram"),
  UNSUPPORTED_LINKTYPE("the capture's link type is not one the decoder knows"),
  L2_TRUNCATED("link-layer header cut short"),
  VLAN_TRUNCATED("802.1Q/802.1ad tag cut short"),
  MPLS_TRUNCATED("MPLS label stack cut short or never ending"),
  PPPOE_TRUNCATED("PPPoE session header cut short"),
  PPP_TRUNCATED("PPP header cut short"),
  SHIM_TRUNCATED("PBB, VNTag or FabricPath header cut short"),
  IPV4_TRUNCATED("IPv4 header cut short"),
  IPV4_BAD_HEADER_LENGTH("IPv4 IHL below 5 or past the packet"),
  IPV4_BAD_TOTAL_LENGTH("IPv4 total length smaller than its header"),
  IPV6_TRUNCATED("IPv6 header cut short"),
  IPV6_EXT_TRUNCATED("IPv6 extension header cut short"),
  IPV6_TOO_MANY_EXT("more IPv6 extension headers than the decoder follows"),
  IP_BAD_VERSION("IP version is neither 4 nor 6"),
  FRAGMENT_INVALID("IP fragment with an impossible offset or length"),
  TCP_TRUNCATED("TCP header cut short"),
  TCP_BAD_DATA_OFFSET("TCP data offset below 5 or past the segment"),
  UDP_TRUNCATED("UDP header cut short"),
  ICMP_TRUNCATED("ICMP header cut short");

  private final String meaning;

  DecodeResult(String meaning) {
    this.meaning = meaning;
  }

  /** One line: what this outcome means. */
  public String meaning() {
    return meaning;
  }

  /** The counter name (lower case), e.g. {@code ipv4_truncated}. */
  public String counterName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean isMalformed() {
    return this != OK && this != NOT_IP && this != FRAGMENT_HELD;
  }
}
