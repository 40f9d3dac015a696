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
      return PRINTER.print(event);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print an event as JSON", e); // only with unknown Any types
    }
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
