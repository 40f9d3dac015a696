package dev.nsm.parsers.packet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;

/**
 * Test helpers: frames written as the hex dump of {@code tcpdump -xx} (lines {@code 0x0010:  8100 000a ...}),
 * addresses as text, and the "everything the decoder points at lies inside the buffer" check.
 */
final class Wire {
  private Wire() {}

  /**
   * Parses {@code tcpdump -xx} output: each line is an offset ({@code 0x0000:}) then hex groups. The offset
   * of every line must equal the bytes read so far, so a line lost or pasted twice fails loudly.
   */
  static byte[] hex(String dump) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String raw : dump.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (!line.startsWith("0x") || colon < 0) {
        throw new IllegalArgumentException("not a tcpdump -xx line: " + line);
      }
      int offset = Integer.parseInt(line.substring(2, colon), 16);
      if (offset != out.size()) {
        throw new IllegalArgumentException("line at 0x" + Integer.toHexString(offset) + " but " + out.size()
            + " bytes read: " + line);
      }
      String digits = line.substring(colon + 1).replaceAll("\\s+", "");
      if (digits.length() % 2 != 0) {
        throw new IllegalArgumentException("odd number of hex digits: " + line);
      }
      for (int i = 0; i < digits.length(); i += 2) {
        out.write(Integer.parseInt(digits.substring(i, i + 2), 16));
      }
    }
    return out.toByteArray();
  }

  /** The source address of the decoded packet as text (dotted quad, or RFC 5952 IPv6). */
  static String src(DecodedPacket p) {
    return addr(p.src, p.ipVersion);
  }

  static String dst(DecodedPacket p) {
    return addr(p.dst, p.ipVersion);
  }

  static String addr(byte[] a, int version) {
    if (version == 4) {
      return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    // RFC 5952: the longest run (2 groups or more, the first if tied) of zero groups becomes "::"
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /**
   * What every decode must leave, whatever the input: offsets and lengths that stay inside the bytes the
   * decoder was given ({@code capLen}, or the reassembled datagram), never negative.
   */
  static void assertWithinBuffer(DecodedPacket p, DecodeResult r, String what) {
    int limit = p.reassembled ? p.ipLen : p.capLen;
    assertTrue(limit <= p.buf.length, what + ": limit " + limit + " past the buffer " + p.buf.length);
    assertTrue(p.vlanCount >= 0, what + ": vlanCount " + p.vlanCount);
    if (r != DecodeResult.OK) {
      return;
    }
    assertTrue(p.ipVersion == 4 || p.ipVersion == 6, what + ": ipVersion " + p.ipVersion);
    assertTrue(p.ipOffset >= 0 && p.ipOffset < limit, what + ": ipOffset " + p.ipOffset + " limit " + limit);
    assertTrue(p.ipLen >= (p.ipVersion == 4 ? 20 : 40), what + ": ipLen " + p.ipLen);
    assertTrue(p.payloadOffset >= 0, what + ": payloadOffset " + p.payloadOffset);
    assertTrue(p.payloadCaptured >= 0 && p.payloadCaptured <= p.payloadLen,
        what + ": payloadCaptured " + p.payloadCaptured + " payloadLen " + p.payloadLen);
    assertTrue(p.payloadOffset + p.payloadCaptured <= limit,
        what + ": payloadOffset " + p.payloadOffset + " + payloadCaptured " + p.payloadCaptured + " > " + limit);
    if (p.l4Offset >= 0) {
      assertTrue(p.l4Offset <= p.payloadOffset && p.l4Offset <= limit,
          what + ": l4Offset " + p.l4Offset + " payloadOffset " + p.payloadOffset + " limit " + limit);
    }
    assertTrue(p.srcPort >= 0 && p.srcPort <= 0xffff && p.dstPort >= 0 && p.dstPort <= 0xffff, what + ": ports");
  }
}
