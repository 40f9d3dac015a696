package dev.nsm.sensor.spool;

import java.util.Map;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads spool entries in seq order from a given seq on, for one thread (an exporter, a Subscribe
 * stream). {@link #next} never blocks: it returns false when the reader has caught up with the
 * writer, and the caller waits as it sees fit.
 *
 * <p>After {@link #next} returns true, the entry's bytes are {@link #entry()}{@code [0, length())},
 * valid until the next call. Entries the spool's retention has deleted are skipped: the reader moves
 * on to the oldest retained seq (the records skipped were counted when they were deleted).
 */
public final class SpoolReader implements AutoCloseable {
  private final Spool spool;
  private ExcerptTailer tailer;
  /** The seq {@link #next} returns next (entries below it are skipped). */
  private long want;
  /** True after a seek until the first entry is read: a landing past {@link #want} is checked. */
  private boolean landing;
  private long landingAt;
  private byte[] entry = new byte[1024];
  private int length;
  private long seq = -1;

  SpoolReader(Spool spool) {
    this.spool = spool;
  }

  /**
   * Positions the reader so that {@link #next} returns {@code seq}, or the oldest retained record if
   * {@code seq} is older, or waits for {@code seq} if it is not made yet. Returns the seq it will
   * return first.
   */
  public long seek(long target) {
    if (tailer == null) {
      tailer = spool.queue().createTailer(); // on the reading thread: tailers belong to one thread
    }
    long first = spool.firstSeq();
    want = Math.max(target, first);
    // land on the wanted entry, or on the last one made if it is not made yet (never past it: the
    // writer may append the wanted one meanwhile); entries before want are then skipped
    landingAt = Math.min(want, spool.nextSeq() - 1);
    landing = true;
    Map.Entry<Long, Long> start = landingAt < 0 ? null : spool.cycleStarts.floorEntry(landingAt);
    if (start == null) {
      tailer.toStart();
    } else {
      long index = start.getValue() + (landingAt - start.getKey());
      if (!tailer.moveToIndex(index) && !tailer.moveToIndex(start.getValue())) {
        tailer.toStart();
      }
    }
    return want;
  }

  /** Reads the next entry at or after the wanted seq; false when there is none yet. */
  public boolean next() {
    if (tailer == null) {
      seek(want);
    }
    while (true) {
      long s;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          return false;
        }
        Bytes<?> b = dc.wire().bytes();
        int len = (int) b.readRemaining();
        if (entry.length < len) {
          entry = new byte[Math.max(len, entry.length * 2)];
        }
        b.read(entry, 0, len);
        length = len;
        s = SpoolEntry.seq(entry, 0, len);
      }
      if (s < 0) {
        continue; // not an entry of ours (cannot happen in a spool only this class writes)
      }
      if (landing && s > landingAt && landingAt >= spool.firstSeq()) {
        // the index map put us past the wanted seq (a cycle with a gap in its index): scan its cycle
        landing = false;
        Map.Entry<Long, Long> start = spool.cycleStarts.floorEntry(want);
        if (start != null && tailer.moveToIndex(start.getValue())) {
          continue;
        }
      }
      landing = false;
      long first = spool.firstSeq();
      if (s < first && want < first) {
        seek(first); // retention deleted what was ahead of us
        continue;
      }
      if (s < want) {
        continue;
      }
      seq = s;
      want = s + 1;
      return true;
    }
  }

  /** The seq of the entry last read. */
  public long seq() {
    return seq;
  }

  /** The entry last read: its bytes are [0, length()). */
  public byte[] entry() {
    return entry;
  }

  public int length() {
    return length;
  }

  /** The seq {@link #next} looks for next. */
  public long wanted() {
    return want;
  }

  @Override
  public void close() {
    if (tailer != null) {
      tailer.close();
    }
  }
}
