package dev.nsm.sensor.pipeline;

import dev.nsm.proto.v1.Event;

/** Where finished records go (replay: a JSON-lines writer; live: the spool). Called by flow workers. */
public interface RecordSink {
  /** Takes one record. May block when the consumer is behind (replay never loses a record). */
  void emit(Event event);
}
