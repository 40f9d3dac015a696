package dev.nsm.sensor.capture;

import java.io.Closeable;
import java.io.IOException;

/** A stream of captured packets: a pcap/pcapng file, stdin, or (later) a live interface. */
public interface PacketSource extends Closeable {
  /**
   * Reads the next packet and hands it to {@code handler}.
   *
   * @return false at the end of the input
   * @throws CaptureFormatException when the input is not a capture or is damaged (a truncated last
   *     record included): the packets handed over before it stand
   */
  boolean next(PacketHandler handler) throws IOException;

  /** Bytes consumed so far (for progress). */
  long position();

  /** Total size when known (a file), else -1 (stdin). */
  long size();
}
