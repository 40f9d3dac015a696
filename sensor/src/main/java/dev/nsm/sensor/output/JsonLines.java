package dev.nsm.sensor.output;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Writes events as JSON lines: protobuf's JSON printer with the proto field names, one event a line
 * ({@code {"flow": {...}}}). Fields without presence are always printed (a count of 0 is a fact, not
 * an absence); fields declared {@code optional} are printed only when set.
 */
public final class JsonLines implements RecordRing.Consumer, AutoCloseable {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .preservingProtoFieldNames()
      .alwaysPrintFieldsWithNoPresence()
      .omittingInsignificantWhitespace();

  private final Writer out;
  private long lines;

  public JsonLines(OutputStream out) {
    this.out = new OutputStreamWriter(out, StandardCharsets.UTF_8);
  }

  /** One event as one line of JSON (no newline). */
  public static String toJson(Event event) {
    try {
      return unescapeHtmlSafe(PRINTER.print(event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print an event as JSON", e); // only with unknown Any types
    }
  }

  /**
   * protobuf's printer (through Gson) escapes {@code = < > & '} as {@code \\u003d} etc. for HTML
   * safety; a log line is not HTML, and {@code "1:abc\\u003d"} for a Community ID reads badly. Turns
   * those escapes back into the characters, leaving any escaped backslash before them alone.
   */
  static String unescapeHtmlSafe(String json) {
    if (json.indexOf("\\u00") < 0) {
      return json;
    }
    StringBuilder b = new StringBuilder(json.length());
    int n = json.length();
    for (int i = 0; i < n; i++) {
      char c = json.charAt(i);
      if (c == '\\' && i + 1 < n) {
        char next = json.charAt(i + 1);
        if (next == 'u' && i + 5 < n && json.startsWith("00", i + 2)) {
          String hex = json.substring(i + 4, i + 6);
          char plain = 0;
          switch (hex) {
            case "3d": plain = '='; break;
            case "3c": plain = '<'; break;
            case "3e": plain = '>'; break;
            case "26": plain = '&'; break;
            case "27": plain = '\''; break;
            default: break;
          }
          if (plain != 0) {
            b.append(plain);
            i += 5;
            continue;
          }
        }
        b.append(c).append(next); // any other escape, an escaped backslash included, stays as it is
        i++;
        continue;
      }
      b.append(c);
    }
    return b.toString();
  }

  @Override
  public void accept(Event event) throws IOException {
    out.write(toJson(event));
    out.write('\n');
    lines++;
  }

  @Override
  public void endOfBatch() {
    // the writer is buffered by the output stream; flushing per batch would cost a syscall each time
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
