package dev.nsm.sensor.output;

import com.google.protobuf.CodedOutputStream;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes events as JSON lines: protobuf's JSON mapping with the proto field names, one event a line
 * ({@code {"flow": {...}}}). Fields without presence are always printed (a count of 0 is a fact, not
 * an absence); fields declared {@code optional} only when set.
 *
 * <p>How: a flow record is written by {@link WireJson#flowLine} from the message's getters; any other
 * event is serialized into a reused buffer and {@link WireJson} prints the line from those bytes
 * into its own reused buffer: one printer for the replay, the spool's readers and the collector,
 * with no String per field. Used from one thread (the record ring's consumer).
 */
public final class JsonLines implements RecordRing.Consumer, AutoCloseable {
  private final OutputStream out;
  private final WireJson wire = new WireJson();
  private byte[] wireBytes = new byte[4096];
  private long lines;
  private long slowPath;

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
    if (wire.flowLine(event)) {
      // a flow record (most of them): straight from the message, no serialization
      out.write(wire.bytes(), 0, wire.length());
      lines++;
      return;
    }
    // serialize into a reused buffer, then WireJson prints from it into its own reused buffer
    int size = event.getSerializedSize();
    if (wireBytes.length < size) {
      wireBytes = new byte[Math.max(size, wireBytes.length * 2)];
    }
    CodedOutputStream cos = CodedOutputStream.newInstance(wireBytes, 0, size);
    event.writeTo(cos);
    if (wire.line(Event.getDescriptor(), wireBytes, 0, size)) {
      out.write(wire.bytes(), 0, wire.length());
    } else {
      out.write((ProtoJson.printReflective(event) + "\n").getBytes(StandardCharsets.UTF_8));
      slowPath++;
    }
    lines++;
  }

  @Override
  public boolean takesJsonLines() {
    return true;
  }

  /** A flow record the flow table printed itself (WireJson's flowLine from the flow's values). */
  @Override
  public void acceptLine(byte[] line) throws IOException {
    out.write(line);
    lines++;
  }

  /** Lines written by the reflective printer (WireJson declined; none expected). */
  public long slowPath() {
    return slowPath;
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
