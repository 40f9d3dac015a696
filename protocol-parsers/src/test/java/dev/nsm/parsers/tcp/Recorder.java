package dev.nsm.parsers.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A sink that records what a reassembler delivered: the bytes, the gaps at their stream offsets, the
 * close, and the order of events ("D5 G3 D2 C:FIN"). It fails the test on a call the
 * {@link StreamSink} contract forbids (empty data or gap, anything after the close).
 */
final class Recorder implements StreamSink {
  final ByteArrayOutputStream data = new ByteArrayOutputStream();
  /** {offset, length} of each gap, offsets counting delivered and gap bytes. */
  final List<long[]> gaps = new ArrayList<>();
  final StringBuilder events = new StringBuilder();
  CloseReason closed;
  long offset;
  /** The buffer of the last onData call (to check zero-copy delivery). */
  byte[] lastBuf;
  int dataCalls;

  @Override
  public void onData(byte[] buf, int off, int len) {
    assertNull(closed, "data after close");
    assertTrue(len > 0, "empty delivery");
    data.write(buf, off, len);
    lastBuf = buf;
    dataCalls++;
    offset += len;
    event("D" + len);
  }

  @Override
  public void onGap(long bytes) {
    assertNull(closed, "gap after close");
    assertTrue(bytes > 0, "empty gap");
    gaps.add(new long[] {offset, bytes});
    offset += bytes;
    event("G" + bytes);
  }

  @Override
  public void onClose(CloseReason reason) {
    assertNull(closed, "closed twice");
    closed = reason;
    event("C:" + reason);
  }

  private void event(String e) {
    events.append(events.length() == 0 ? "" : " ").append(e);
  }

  byte[] bytes() {
    return data.toByteArray();
  }

  long gapBytes() {
    long n = 0;
    for (long[] g : gaps) {
      n += g[1];
    }
    return n;
  }

  /** The delivered stream with each gap filled by {@code fill}, to compare with the original. */
  byte[] withGapsFilled(byte fill) {
    byte[] d = bytes();
    byte[] out = new byte[(int) offset];
    int di = 0;
    int oi = 0;
    for (long[] g : gaps) {
      int n = (int) (g[0] - oi);
      System.arraycopy(d, di, out, oi, n);
      di += n;
      oi += n;
      java.util.Arrays.fill(out, oi, oi + (int) g[1], fill);
      oi += (int) g[1];
    }
    System.arraycopy(d, di, out, oi, d.length - di);
    assertEquals(out.length, oi + d.length - di);
    return out;
  }
}
