package dev.nsm.sensor.pipeline;

import dev.nsm.parsers.packet.DecodeResult;

/**
 * Counters of the ingest side (the thread that reads, copies and decodes): packets read, by decode
 * outcome, and bytes. Written by that one thread only; read after it stopped or as a racy snapshot.
 */
public final class PipelineCounters {
  public long packetsRead;
  public long bytesRead;
  /** Time of the latest packet read (nanoseconds since the epoch). */
  public long lastTsNanos;
  public long packetsDecoded;
  public long packetsNotIp;
  public long fragmentsHeld;
  /** Per {@link DecodeResult} ordinal. */
  public final long[] byResult = new long[DecodeResult.values().length];
  /** Live only: packets dropped because the ring was full. */
  public long ringDrops;
  /** Packets whose processing threw in a worker (a bug: logged with the packet number). */
  public long workerErrors;

  public long malformed() {
    long n = 0;
    for (DecodeResult r : DecodeResult.values()) {
      if (r.isMalformed()) {
        n += byResult[r.ordinal()];
      }
    }
    return n;
  }
}
