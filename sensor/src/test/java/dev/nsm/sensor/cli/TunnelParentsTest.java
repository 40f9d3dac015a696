package dev.nsm.sensor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tunnel_parents name the uids of the sensor's own outer records, whatever worker owns the inner
 * flow: the ingest thread, which keeps the outer flows, names the uid of the one each packet came
 * through, also when an outer UDP flow times out and starts again under a long-lived inner TCP
 * connection.
 *
 * <p>The capture is written here: a TCP connection 10.0.0.1:40000 -> 10.0.0.2:80 inside VXLAN between
 * 192.0.2.1 and 192.0.2.2; each direction uses its own outer source port (as Linux picks it from the
 * inner flow hash), so the outer side is two UDP flows. After the handshake the connection is quiet
 * for 90 s: past the outer flows' 60 s UDP timeout, within the inner flow's 5 min TCP timeout.
 */
class TunnelParentsTest {
  @TempDir
  Path tmp;

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void parentsAreTheOuterRecordsUidsWithAnyNumberOfWorkers() throws IOException {
    parentsAreTheOuterRecordsUids(false);
  }

  /** The client's outer flow begins with a VXLAN packet carrying ARP: no inner packet, same outer flow. */
  @Test
  void outerFlowBegunByANonIpInnerPacket() throws IOException {
    parentsAreTheOuterRecordsUids(true);
  }

  void parentsAreTheOuterRecordsUids(boolean arpFirst) throws IOException {
    Path pcap = tmp.resolve("vxlan-gap.pcap");
    Files.write(pcap, capture(arpFirst));
    for (String workers : new String[] {"1", "2", "3"}) {
      Replay r = Replay.run(tmp, pcap.toString(), "--workers", workers);
      assertEquals(0, r.exit, r.err);
      List<JsonNode> outer = new ArrayList<>();
      JsonNode inner = null;
      for (String line : r.lines) {
        JsonNode n = JSON.readTree(line).get("flow");
        if (n == null) {
          continue;
        }
        if (n.get("resp_p").asInt() == 4789) {
          outer.add(n);
        } else {
          assertEquals(null, inner, "one inner flow");
          inner = n;
        }
      }
      assertEquals(4, outer.size(), "two outer flows per direction (one before, one after the gap): " + r.lines);
      Set<String> outerUids = new TreeSet<>();
      for (JsonNode o : outer) {
        outerUids.add(o.get("uid").asText());
        assertEquals("[\"vxlan\"]", o.get("service").toString());
        assertEquals(0, o.get("tunnel_parents").size());
      }
      assertEquals(4, outerUids.size());
      assertEquals("10.0.0.1", inner.get("orig_h").asText());
      assertEquals(80, inner.get("resp_p").asInt());
      assertEquals("ShAD", inner.get("history").asText().substring(0, 4));
      Set<String> parents = new TreeSet<>();
      inner.get("tunnel_parents").forEach(u -> parents.add(u.asText()));
      assertEquals(outerUids, parents, "--workers " + workers);
      assertNotEquals(inner.get("uid").asText(), outer.get(0).get("uid").asText());
    }
  }

  @Test
  void mirrorTransportRecordsTheInnerFlowAlone() throws IOException {
    Path pcap = tmp.resolve("vxlan-gap.pcap");
    Files.write(pcap, capture(false));
    Replay r = Replay.run(tmp, pcap.toString(), "--workers", "2", "--mirror-transport", "vxlan");
    assertEquals(0, r.exit, r.err);
    List<JsonNode> flows = new ArrayList<>();
    JsonNode stats = null;
    for (String line : r.lines) {
      JsonNode n = JSON.readTree(line);
      if (n.has("flow")) {
        flows.add(n.get("flow"));
      } else if (n.has("stats")) {
        stats = n.get("stats");
      }
    }
    assertEquals(1, flows.size(), r.lines.toString());
    assertEquals(80, flows.get(0).get("resp_p").asInt());
    assertEquals(0, flows.get(0).get("tunnel_parents").size());
    assertEquals("6", stats.get("mirror_transport_packets").asText());
    assertEquals("6", stats.get("tunnel_decapsulated").get("vxlan").asText());
  }

  // ------------------------------------------------------------------ the capture

  static final long T0 = 1_700_000_000L;

  static byte[] capture(boolean arpFirst) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
    o.writeBytes(h.array());
    if (arpFirst) {
      byte[] arp = new byte[14 + 28];
      arp[12] = 0x08;
      arp[13] = 0x06;
      record(o, -0.5, vxlanUdp(true, arp));
    }
    // handshake and a request, then 90 s of silence, then the response and its ack
    packet(o, 0.0, true, 0x02, 1000, 0, 0);
    packet(o, 0.01, false, 0x12, 5000, 1001, 0);
    packet(o, 0.02, true, 0x10, 1001, 5001, 0);
    packet(o, 0.03, true, 0x18, 1001, 5001, 10);
    packet(o, 90.0, false, 0x18, 5001, 1011, 20);
    packet(o, 90.01, true, 0x10, 1011, 5021, 0);
    return o.toByteArray();
  }

  static void packet(ByteArrayOutputStream o, double t, boolean fromClient, int flags, long seq, long ack, int len) {
    byte[] tcp = new byte[20 + len];
    ByteBuffer b = ByteBuffer.wrap(tcp);
    b.putShort((short) (fromClient ? 40000 : 80)).putShort((short) (fromClient ? 80 : 40000));
    b.putInt((int) seq).putInt((int) ack).put((byte) 0x50).put((byte) flags).putShort((short) 65535);
    byte[] inner = eth(ip(fromClient ? 1 : 2, fromClient ? 2 : 1, 10, 6, tcp));
    record(o, t, vxlanUdp(fromClient, inner));
  }

  /** The frame: Ethernet, IPv4 192.0.2.x, UDP (client side 51000, server side 52000) -> 4789, VXLAN 42. */
  static byte[] vxlanUdp(boolean fromClient, byte[] inner) {
    byte[] vxlan = new byte[8 + inner.length];
    vxlan[0] = 0x08;
    vxlan[6] = 42; // VNI 42
    System.arraycopy(inner, 0, vxlan, 8, inner.length);
    byte[] udp = new byte[8 + vxlan.length];
    ByteBuffer.wrap(udp).putShort((short) (fromClient ? 51000 : 52000)).putShort((short) 4789).putShort((short) udp.length);
    System.arraycopy(vxlan, 0, udp, 8, vxlan.length);
    return eth(ip(fromClient ? 1 : 2, fromClient ? 2 : 1, 192, 17, udp));
  }

  static void record(ByteArrayOutputStream o, double t, byte[] frame) {
    long us = Math.round(t * 1e6);
    ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    r.putInt((int) (T0 + Math.floorDiv(us, 1_000_000))).putInt((int) Math.floorMod(us, 1_000_000)).putInt(frame.length)
        .putInt(frame.length);
    o.writeBytes(r.array());
    o.writeBytes(frame);
  }

  /** IPv4 from net.0.x.src to net.0.x.dst (10.0.0.N inside, 192.0.2.N outside). */
  static byte[] ip(int src, int dst, int net, int proto, byte[] payload) {
    byte[] ip = new byte[20 + payload.length];
    ByteBuffer b = ByteBuffer.wrap(ip);
    b.put((byte) 0x45).put((byte) 0).putShort((short) ip.length).putShort((short) 1).putShort((short) 0);
    b.put((byte) 64).put((byte) proto).putShort((short) 0);
    if (net == 10) {
      b.put(new byte[] {10, 0, 0, (byte) src}).put(new byte[] {10, 0, 0, (byte) dst});
    } else {
      b.put(new byte[] {(byte) 192, 0, 2, (byte) src}).put(new byte[] {(byte) 192, 0, 2, (byte) dst});
    }
    System.arraycopy(payload, 0, ip, 20, payload.length);
    return ip;
  }

  static byte[] eth(byte[] ip) {
    byte[] f = new byte[14 + ip.length];
    f[0] = 2;
    f[6] = 2;
    f[11] = 1;
    f[12] = 0x08;
    System.arraycopy(ip, 0, f, 14, ip.length);
    return f;
  }
}
