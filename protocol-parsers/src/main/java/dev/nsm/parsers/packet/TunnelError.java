package dev.nsm.parsers.packet;

/**
 * Why a tunnel was not decapsulated. Each is counted (by {@link #counterName()}); the packet then
 * stays on its outer flow, as a packet that carried no tunnel.
 */
public enum TunnelError {
  GRE_TRUNCATED("GRE header shorter than its flags say"),
  GRE_BAD_VERSION("GRE version neither 0 nor 1 (enhanced GRE), or routing present"),
  GRE_UNSUPPORTED("GRE payload neither IP, Ethernet, ERSPAN nor PPP-over-PPTP carrying IP"),
  ERSPAN_TRUNCATED("ERSPAN header (or its platform sub-header) cut short"),
  ERSPAN_BAD_VERSION("ERSPAN version field does not match its GRE protocol type"),
  VXLAN_TRUNCATED("VXLAN header cut short"),
  VXLAN_NO_VNI("VXLAN I flag not set (no valid VNI): not decapsulated, as Zeek"),
  GENEVE_TRUNCATED("GENEVE header or its options cut short"),
  GENEVE_BAD_VERSION("GENEVE version not 0"),
  GENEVE_UNSUPPORTED("GENEVE protocol type neither Ethernet nor IP"),
  TEREDO_MALFORMED("not a Teredo packet: indications or inner IPv6 header cut short or invalid"),
  AYIYA_MALFORMED("AYIYA header cut short, not a forward, or next header not IP"),
  GTPV1_TRUNCATED("GTP-U header or an extension header cut short"),
  GTPV1_BAD_VERSION("GTP version not 1, or protocol type not GTP"),
  INNER_NOT_IP("the tunnel carried no IP (ARP, ...): the packet counts on the outer flow only"),
  INNER_MALFORMED("the inner packet's headers are malformed or cut short"),
  DEPTH_EXCEEDED("a tunnel inside more tunnels than the maximum depth");

  private final String meaning;

  TunnelError(String meaning) {
    this.meaning = meaning;
  }

  public String meaning() {
    return meaning;
  }

  public String counterName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
