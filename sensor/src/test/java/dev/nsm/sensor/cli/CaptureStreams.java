package dev.nsm.sensor.cli;

import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.sensor.capture.CaptureFiles;
import dev.nsm.sensor.capture.PacketSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: the payloads of one endpoint port in a capture, for feeding the protocol parsers
 * directly (what the application layer will do in the flow workers). UDP datagrams one by one; a TCP
 * connection as its two byte streams, concatenated in capture order (the generated captures of
 * testdata/malformed have neither loss nor reordering).
 */
final class CaptureStreams {
  final List<byte[]> datagrams = new ArrayList<>();
  final ByteArrayOutputStream client = new ByteArrayOutputStream();
  final ByteArrayOutputStream server = new ByteArrayOutputStream();

  /** The UDP datagrams to or from {@code serverPort}. */
  static CaptureStreams udp(Path capture, int serverPort) throws IOException {
    return of(capture, serverPort, true);
  }

  /** The TCP connection of the client port {@code clientPort} (its streams: client's, server's). */
  static CaptureStreams tcp(Path capture, int clientPort) throws IOException {
    return of(capture, clientPort, false);
  }

  private static CaptureStreams of(Path capture, int port, boolean serverPort) throws IOException {
    CaptureStreams s = new CaptureStreams();
    PacketDecoder decoder = new PacketDecoder(new IpDefragmenter());
    DecodedPacket p = new DecodedPacket();
    try (PacketSource src = CaptureFiles.open(capture.toString())) {
      while (src.next((ts, linkType, buf, off, capLen, wireLen) -> {
        byte[] frame = new byte[capLen];
        buf.get(off, frame);
        if (decoder.decode(frame, capLen, wireLen, linkType, ts, p) != DecodeResult.OK || p.payloadCaptured == 0) {
          return;
        }
        if (p.srcPort != port && p.dstPort != port) {
          return;
        }
        boolean toServer = serverPort ? p.dstPort == port : p.srcPort == port;
        if (p.isUdp()) {
          s.datagrams.add(java.util.Arrays.copyOfRange(p.buf, p.payloadOffset, p.payloadOffset + p.payloadCaptured));
        } else if (p.isTcp()) {
          (toServer ? s.client : s.server).write(p.buf, p.payloadOffset, p.payloadCaptured);
        }
      })) {
        // every packet
      }
    }
    return s;
  }
}
