package dev.nsm.parsers.packet;

/**
 * The tunnels {@link PacketDecoder} looks into. Each names the service its outer flow gets (Zeek's
 * conn.log names where Zeek has one) and the counter of packets decapsulated through it.
 */
public enum TunnelType {
  /** GRE (RFC 2784/2890) carrying IP or Ethernet (0x6558), and PPTP's enhanced GRE (version 1). */
  GRE("gre"),
  /** ERSPAN type I, II (GRE 0x88BE) or III (GRE 0x22EB) inside GRE. */
  ERSPAN("erspan"),
  /** VXLAN (RFC 7348), UDP 4789 by default. */
  VXLAN("vxlan"),
  /** GENEVE (RFC 8926), UDP 6081. */
  GENEVE("geneve"),
  /** IPv4 or IPv6 in IPv4/IPv6 (IP protocols 4 and 41: IP-in-IP, 6in4, 4in6, 6in6). */
  IPIP("ipip"),
  /** Teredo (RFC 4380), UDP 3544: IPv6 in UDP. */
  TEREDO("teredo"),
  /** AYIYA (draft-massar-v6ops-ayiya), UDP 5072. */
  AYIYA("ayiya"),
  /** GTP-U version 1 (3GPP TS 29.281), UDP 2152: G-PDUs carry IP. */
  GTPV1("gtpv1");

  private final String service;

  TunnelType(String service) {
    this.service = service;
  }

  /** The outer flow's service name (vxlan, geneve, gre, ...); also the counter label. */
  public String service() {
    return service;
  }

  private static final TunnelType[] VALUES = values();

  /** The constant with this ordinal (no array copy, unlike {@code values()}). */
  public static TunnelType of(int ordinal) {
    return VALUES[ordinal];
  }

  /** By service name, case-insensitive; null when none. */
  public static TunnelType byName(String name) {
    for (TunnelType t : VALUES) {
      if (t.service.equalsIgnoreCase(name)) {
        return t;
      }
    }
    return null;
  }
}
