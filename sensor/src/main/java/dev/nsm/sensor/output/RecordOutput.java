package dev.nsm.sensor.output;

import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.pipeline.RecordSink;

/**
 * Where the daemon's records go. Today: JSON lines to a file or stdout ({@link JsonLinesOutput});
 * the spool (Chronicle Queue, with gRPC exporters behind it) replaces it without the daemon changing.
 * {@link #emit} is called by flow workers and the stats timer, from several threads.
 */
public interface RecordOutput extends RecordSink, AutoCloseable {
  /** False once writing failed (the daemon's /healthz then says it is not exporting). */
  boolean healthy();

  /** Why {@link #healthy} is false, or null. */
  String failure();

  /** Records written so far of one kind (a racy snapshot; for metrics). */
  long written(Event.RecordCase kind);

  /** Writes everything emitted so far, then releases the output. */
  @Override
  void close() throws Exception;
}
