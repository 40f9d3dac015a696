package dev.nsm.sensor.output;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.pipeline.RecordRing;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The daemon's records as JSON lines, through the same {@link RecordRing} and {@link JsonLines} as
 * replay. Live, a record should be readable soon after it is made, so the writer flushes at the end
 * of each batch the ring hands it (under load batches grow, so flushes stay few).
 */
public final class JsonLinesOutput implements RecordOutput {
  private final JsonLines json;
  private final RecordRing ring;
  /** Per {@link Event.RecordCase} ordinal; written by the ring's consumer thread only. */
  private final long[] written = new long[Event.RecordCase.values().length];
  private volatile String failure;

  private JsonLinesOutput(OutputStream os, int ringSize) {
    this.json = new JsonLines(new BufferedOutputStream(os, 1 << 16));
    this.ring = new RecordRing(ringSize, new RecordRing.Consumer() {
      @Override
      public void accept(Event event) throws IOException {
        try {
          json.accept(event);
        } catch (IOException e) {
          failure = "cannot write records: " + e.getMessage();
          throw e;
        }
        written[event.getRecordCase().ordinal()]++;
      }

      @Override
      public boolean takesJsonLines() {
        return true;
      }

      @Override
      public void acceptLine(byte[] line) throws IOException {
        try {
          json.acceptLine(line);
        } catch (IOException e) {
          failure = "cannot write records: " + e.getMessage();
          throw e;
        }
        written[Event.RecordCase.FLOW.ordinal()]++; // the flow tables' lines are flow records
      }

      @Override
      public void endOfBatch() throws IOException {
        try {
          json.flush();
        } catch (IOException e) {
          failure = "cannot write records: " + e.getMessage();
          throw e;
        }
      }
    });
  }

  /** Opens "-" (stdout) or a file, appended to. */
  public static JsonLinesOutput open(String path, int ringSize) throws IOException {
    OutputStream os = "-".equals(path)
        ? new FileOutputStream(FileDescriptor.out)
        : Files.newOutputStream(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
    return new JsonLinesOutput(os, ringSize);
  }

  @Override
  public void emit(Event event) {
    ring.emit(event);
  }

  @Override
  public boolean takesJsonLines() {
    return true;
  }

  @Override
  public void emitLine(byte[] line) {
    ring.emitLine(line);
  }

  @Override
  public boolean healthy() {
    return failure == null;
  }

  @Override
  public String failure() {
    return failure;
  }

  @Override
  public long written(Event.RecordCase kind) {
    return written[kind.ordinal()];
  }

  @Override
  public void close() throws Exception {
    try {
      ring.close();
    } finally {
      json.close();
    }
  }
}
