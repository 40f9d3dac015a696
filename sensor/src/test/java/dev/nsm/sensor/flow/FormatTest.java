package dev.nsm.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Address text (RFC 5952), Community ID against the spec's published baseline, uid text. */
class FormatTest {
  private static String v6(String s) throws Exception {
    byte[] b = InetAddress.getByName(s).getAddress();
    return AddressFormat.ipv6(AddressFormat.hi(b, 6), AddressFormat.lo(b, 6));
  }

  @Test
  void rfc5952() throws Exception {
    assertEquals("::1", v6("0:0:0:0:0:0:0:1"));
    assertEquals("::", v6("0:0:0:0:0:0:0:0"));
    assertEquals("2001:db8::1", v6("2001:0db8:0000:0000:0000:0000:0000:0001"));
    assertEquals("2001:db8:0:1:1:1:1:1", v6("2001:db8:0:1:1:1:1:1")); // one zero group stays
    assertEquals("2001:db8::2:1", v6("2001:db8:0:0:0:0:2:1"));
    assertEquals("2001:0:0:1::1", v6("2001:0:0:1:0:0:0:1")); // the longest run
    assertEquals("2001:db8::1:0:0:1", v6("2001:db8:0:0:1:0:0:1")); // first on a tie
    assertEquals("fe80::", v6("fe80:0:0:0:0:0:0:0"));
    assertEquals("ff02::1:ff00:3", v6("ff02::1:ff00:3"));
    assertEquals("1234::e", v6("1234:0:0:0:0:0:0:e"));
    assertEquals("5678::", v6("5678::"));
    // (InetAddress turns a mapped address into an Inet4Address, so this one is built by hand)
    assertEquals("::ffff:192.0.2.1", AddressFormat.ipv6(0, 0x0000ffffc0000201L));
    assertEquals("0:1:2:3:4:5:6:7", v6("0:1:2:3:4:5:6:7"));
    assertEquals("10.0.0.255", AddressFormat.ipv4(0x0a0000ffL));
    assertEquals("255.255.255.255", AddressFormat.ipv4(0xffffffffL));
  }

  private static String cid(String src, int sp, String dst, int dp, int proto, boolean ports, boolean oneWay)
      throws Exception {
    byte[] s = InetAddress.getByName(src).getAddress();
    byte[] d = InetAddress.getByName(dst).getAddress();
    int v = s.length == 16 ? 6 : 4;
    return new CommunityId().of(0, v, AddressFormat.hi(s, v), AddressFormat.lo(s, v), sp,
        AddressFormat.hi(d, v), AddressFormat.lo(d, v), dp, proto, ports, oneWay);
  }

  /** baseline/baseline_deflt.json of github.com/corelight/community-id-spec (ports already mapped). */
  @Test
  void communityIdBaseline() throws Exception {
    assertEquals("1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
        cid("fe80::200:86ff:fe05:80da", 135, "fe80::260:97ff:fe07:69ea", 136, 58, true, false));
    assertEquals("1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
        cid("fe80::260:97ff:fe07:69ea", 136, "fe80::200:86ff:fe05:80da", 135, 58, true, false));
    assertEquals("1:zavyT/cezQr1fmImYCwYnMXbgck=",
        cid("fe80::260:97ff:fe07:69ea", 135, "fe80::200:86ff:fe05:80da", 136, 58, true, false));
    assertEquals("1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
        cid("3ffe:501:1800:2345::2", 3, "3ffe:507:0:1:200:86ff:fe05:80da", 0, 58, true, true));
    assertEquals("1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
        cid("3ffe:501:410:0:2c0:dfff:fe47:33e", 1, "3ffe:507:0:1:200:86ff:fe05:80da", 4, 58, true, true));
    assertEquals("1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
        cid("3ffe:507:0:1:200:86ff:fe05:80da", 128, "3ffe:501:0:1001::2", 129, 58, true, false));
    assertEquals("1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
        cid("3ffe:501:0:1001::2", 129, "3ffe:507:0:1:200:86ff:fe05:80da", 128, 58, true, false));
    assertEquals("1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", cid("fe80::200:86ff:fe05:80da", 133, "ff02::2", 134, 58, true, false));
    assertEquals("1:pkvHqCL88/tg1k4cPigmZXUtL00=", cid("fe80::260:97ff:fe07:69ea", 134, "ff02::1", 133, 58, true, false));
    assertEquals("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", cid("192.168.0.1", 0, "192.168.0.89", 8, 1, true, false));
    assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", cid("66.35.250.204", 80, "128.232.110.120", 34855, 6, true, false));
    assertEquals("1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", cid("192.168.170.8", 7, "192.168.170.56", 7, 132, true, false));
    assertEquals("1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", cid("10.1.12.2", 0, "10.1.12.1", 0, 46, false, false));
  }

  /** The hand-rolled one-block SHA-1 and Base64 against the JDK's, on random tuples of every shape. */
  @Test
  void communityIdEqualsTheJdksSha1() throws Exception {
    java.util.Random r = new java.util.Random(20261207);
    java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
    CommunityId c = new CommunityId();
    for (int i = 0; i < 20_000; i++) {
      int v = r.nextBoolean() ? 4 : 6;
      long sHi = v == 6 ? r.nextLong() : 0;
      long sLo = v == 6 ? r.nextLong() : r.nextLong() & 0xffffffffL;
      long dHi = v == 6 ? r.nextLong() : 0;
      long dLo = v == 6 ? r.nextLong() : r.nextLong() & 0xffffffffL;
      int sp = r.nextInt(65536);
      int dp = r.nextInt(65536);
      int proto = r.nextInt(256);
      int seed = r.nextInt(65536);
      boolean ports = r.nextInt(4) != 0;
      java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(40);
      in.putShort((short) seed);
      boolean swap = CommunityId.compareAddr(sHi, sLo, dHi, dLo) > 0
          || (CommunityId.compareAddr(sHi, sLo, dHi, dLo) == 0 && ports && sp > dp);
      long[] a = swap ? new long[] {dHi, dLo, sHi, sLo} : new long[] {sHi, sLo, dHi, dLo};
      for (int k = 0; k < 4; k += 2) {
        if (v == 6) {
          in.putLong(a[k]).putLong(a[k + 1]);
        } else {
          in.putInt((int) a[k + 1]);
        }
      }
      in.put((byte) proto).put((byte) 0);
      if (ports) {
        in.putShort((short) (swap ? dp : sp)).putShort((short) (swap ? sp : dp));
      }
      sha1.reset();
      sha1.update(in.array(), 0, in.position());
      String want = "1:" + java.util.Base64.getEncoder().encodeToString(sha1.digest());
      assertEquals(want, c.of(seed, v, sHi, sLo, sp, dHi, dLo, dp, proto, ports, false), "tuple " + i);
    }
  }

  @Test
  void uidIsBase62() {
    assertEquals("C0", Uid.format(0));
    assertEquals("Cz", Uid.format(61));
    assertEquals("C10", Uid.format(62));
    assertEquals("CLygHa16AHYF", Uid.format(-1)); // 2^64 - 1
  }
}
