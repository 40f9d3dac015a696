package dev.nsm.sensor.pipeline;

import dev.nsm.proto.v1.Event;

/** Where finished records go (replay: a JSON-lines writer; live: the spool). Called by flow workers. */
public interface RecordSink {
  /** Takes one record. May block when the consumer is behind (replay never loses a record). */
  void emit(Event event);

  /**
   * Whether this sink also takes records as finished JSON lines ({@link #emitLine}): replay's JSON
   * output, whose writer then only copies them. The flow tables write their flow records so, made
   * from the flow itself without building an {@link Event} (the spool and the exporters, which need
   * Events, say false).
   */
  default boolean takesJsonLines() {
    return false;
  }

  /**
   * One record as a finished JSON line (UTF-8, ending with its newline), exactly what the sink's
   * JSON writer would print for its Event. Only where {@link #takesJsonLines()}.
   */
  default void emitLine(byte[] line) {
    throw new UnsupportedOperationException("this sink takes Events only");
  }
}
