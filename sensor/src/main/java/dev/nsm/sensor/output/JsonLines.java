package dev.nsm.sensor.output;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes events as JSON lines: protobuf's JSON mapping with the proto field names, one event a line
 * ({@code {"flow": {...}}}), printed by {@link ProtoJson}. Fields without presence are always printed
 * (a count of 0 is a fact, not an absence); fields declared {@code optional} only when set.
 *
 * <p>Used from one thread (the record ring's consumer): the text and byte buffers are reused.
 */
public final class JsonLines implements RecordRing.Consumer, AutoCloseable {
  private final OutputStream out;
  private final StringBuilder text = new StringBuilder(1024);
  private byte[] bytes = new byte[4096];
  private long lines;

  /** @param out where the lines go; buffer it (the writer hands it one line at a time) */
  public JsonLines(OutputStream out) {
    this.out = out;
  }

  /** One event as one line of JSON (no newline). */
  public static String toJson(Event event) {
    return ProtoJson.print(event);
  }

  @Override
  public void accept(Event event) throws IOException {
    text.setLength(0);
    ProtoJson.message(text, event);
    text.append('\n');
    int n = utf8(text);
    out.write(bytes, 0, n);
    lines++;
  }

  /** Encodes the text into {@link #bytes} as UTF-8 (unpaired surrogates become '?'); returns the length. */
  private int utf8(CharSequence s) {
    int len = s.length();
    if (bytes.length < len * 3) {
      bytes = new byte[Math.max(len * 3, bytes.length * 2)];
    }
    byte[] b = bytes;
    int j = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[j++] = (byte) c;
      } else if (c < 0x800) {
        b[j++] = (byte) (0xc0 | (c >> 6));
        b[j++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[j++] = (byte) (0xf0 | (cp >> 18));
        b[j++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[j++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[j++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[j++] = '?';
      } else {
        b[j++] = (byte) (0xe0 | (c >> 12));
        b[j++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[j++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return j;
  }

  public long lines() {
    return lines;
  }

  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
