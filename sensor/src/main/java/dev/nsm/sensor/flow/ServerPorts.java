package dev.nsm.sensor.flow;

/**
 * Zeek's {@code likely_server_ports}: the ports its default scripts register as server ports of an
 * analyzer ({@code Analyzer::register_for_ports} and {@code PacketAnalyzer::register_for_ports} add
 * them). Zeek uses them to pick the originator of a connection whose first packet is not a SYN (TCP)
 * or whose source port looks like a server's (UDP). TCP and UDP ports are separate sets, as in Zeek
 * (a port value carries its protocol there).
 *
 * <p>The lists below are those of Zeek's base scripts at commit a13de64f (DNS, HTTP, SSL/DTLS, SSH,
 * FTP, SMTP, IRC, ..., and the tunnel ports). Zeek leaves the DNS-over-QUIC ports out on purpose, and
 * DHCP's client port 68 is registered as a non-server port.
 */
final class ServerPorts {
  private static final int[] TCP = {
    21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587, 614,
    631, 636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223,
    5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
  };
  private static final int[] UDP = {
    53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 1812, 2123, 2152, 3389, 3544, 4011, 4754, 4789,
    5060, 5072, 5353, 5355, 6081, 20000,
  };

  private static final boolean[] TCP_SET = toSet(TCP);
  private static final boolean[] UDP_SET = toSet(UDP);

  private ServerPorts() {}

  static boolean likelyTcp(int port) {
    return TCP_SET[port & 0xffff];
  }

  static boolean likelyUdp(int port) {
    return UDP_SET[port & 0xffff];
  }

  private static boolean[] toSet(int[] ports) {
    boolean[] s = new boolean[65536];
    for (int p : ports) {
      s[p] = true;
    }
    return s;
  }
}
