package dev.nsm.parsers.dns;

/**
 * Splits one direction of a DNS-over-TCP stream into messages (RFC 1035 4.2.2, RFC 7766 8): each
 * message is a 2-byte big-endian length and that many bytes, so at most 65535 bytes.
 *
 * <pre>
 *  segment 1                          segment 2             segment 3
 *  | len | message 1 | len | messa... | ...ge 2 | len | me | ssage 3 |
 *   ^ delivered in place ^ copied into the framer's buffer until complete
 * </pre>
 *
 * A message whole inside the bytes fed is handed to the sink in place (no copy); one that spans
 * segments is gathered in a buffer (allocated on first need, grown to the largest such message,
 * never above 65535 bytes) and handed over when complete. Several messages per segment and one
 * message over many segments both work; so does a length prefix split between two segments.
 *
 * <p>A gap in the stream ({@link #gap(int)}, bytes the reassembler never got): inside a message
 * whose length is known, the message is dropped and the bytes after it are still framed exactly
 * (the framer skips the rest of that message). Otherwise the boundaries are lost; the framer then
 * waits for a segment that starts with something {@link DnsParser#probe} accepts as a DNS-over-TCP
 * message and resynchronises there (DNS clients and servers usually write one message per
 * segment); bytes before that are discarded and counted.
 *
 * <p>One instance per flow direction; no threads, no exceptions, no allocation after the buffer.
 */
public final class DnsTcpFramer {
  /** Receives each complete message (the bytes are valid only during the call). */
  @FunctionalInterface
  public interface Sink {
    void onMessage(byte[] buf, int off, int len);
  }

  public static final int MAX_MESSAGE = 65535;

  private static final int LEN_HI = 0; // at a boundary: the next byte is a length's first byte
  private static final int LEN_LO = 1; // between the two length bytes
  private static final int BODY = 2; // gathering a message in the buffer
  private static final int SKIP = 3; // skipping the rest of a message cut by a gap
  private static final int LOST = 4; // boundaries unknown after a gap

  private int state = LEN_HI;
  private int msgLen;
  private int have;
  private int skip;
  private byte[] buf;

  private long messages;
  private long messagesLost;
  private long bytesDiscarded;
  private long resyncs;
  private long truncatedAtClose;

  /** Feeds the next in-order bytes of this direction; complete messages go to {@code sink}. */
  public void feed(byte[] data, int off, int len, Sink sink) {
    final int end = off + len;
    int p = off;
    if (state == LOST && p < end) {
      if (!DnsParser.probe(data, p, len, true)) {
        bytesDiscarded += len;
        return;
      }
      state = LEN_HI;
      resyncs++;
    }
    while (p < end) {
      switch (state) {
        case LEN_HI:
          if (end - p >= 2) {
            int l = DnsParser.u16(data, p);
            if (end - p - 2 >= l) {
              // the whole message is here: hand it over in place
              messages++;
              sink.onMessage(data, p + 2, l);
              p += 2 + l;
            } else {
              p += 2;
              startBody(l);
            }
          } else {
            msgLen = (data[p++] & 0xff) << 8;
            state = LEN_LO;
          }
          break;
        case LEN_LO: {
          int l = msgLen | (data[p++] & 0xff);
          startBody(l);
          if (l == 0) {
            messages++;
            state = LEN_HI;
            sink.onMessage(buf, 0, 0);
          }
          break;
        }
        case BODY: {
          int n = Math.min(msgLen - have, end - p);
          System.arraycopy(data, p, buf, have, n);
          have += n;
          p += n;
          if (have == msgLen) {
            messages++;
            state = LEN_HI;
            sink.onMessage(buf, 0, msgLen);
          }
          break;
        }
        case SKIP: {
          int n = Math.min(skip, end - p);
          skip -= n;
          p += n;
          bytesDiscarded += n;
          if (skip == 0) {
            state = LEN_HI;
          }
          break;
        }
        default: // LOST: only a sink calling gap() during feed gets here; drop the rest
          bytesDiscarded += end - p;
          return;
      }
    }
  }

  private void startBody(int l) {
    msgLen = l;
    have = 0;
    state = BODY;
    if (buf == null || buf.length < l) {
      buf = new byte[Math.max(l, buf == null ? 512 : Math.min(MAX_MESSAGE, buf.length * 2))];
    }
  }

  /**
   * {@code bytes} of this direction were lost (a gap in TCP reassembly). See the class comment for
   * how the framer recovers.
   */
  public void gap(int bytes) {
    if (bytes <= 0) {
      return;
    }
    switch (state) {
      case BODY: {
        int remaining = msgLen - have;
        messagesLost++;
        bytesDiscarded += have;
        skipOrLose(remaining, bytes);
        break;
      }
      case SKIP:
        skipOrLose(skip, bytes);
        break;
      case LEN_HI:
      case LEN_LO:
        state = LOST; // the gap covers a length prefix: the next boundary is unknown
        messagesLost++;
        break;
      default:
        break; // already lost
    }
  }

  private void skipOrLose(int remaining, int gapBytes) {
    if (gapBytes < remaining) {
      skip = remaining - gapBytes;
      state = SKIP;
    } else if (gapBytes == remaining) {
      state = LEN_HI;
    } else {
      state = LOST;
    }
  }

  /**
   * The direction ended (FIN, RST or timeout): a message still incomplete is handed to the sink as
   * far as it got (as Zeek does; the parser will report it truncated) and counted. The framer is
   * then reset.
   */
  public void close(Sink sink) {
    if (state == BODY && have > 0) {
      truncatedAtClose++;
      sink.onMessage(buf, 0, have);
    }
    reset();
  }

  /** Forgets any partial message and starts at a boundary (counters are kept). */
  public void reset() {
    state = LEN_HI;
    msgLen = have = skip = 0;
  }

  /** False while the framer has lost the message boundaries after a gap. */
  public boolean isSynchronized() {
    return state != LOST;
  }

  /** Bytes of an incomplete message held in the buffer. */
  public int bufferedBytes() {
    return state == BODY ? have : 0;
  }

  /** Complete messages delivered. */
  public long messages() {
    return messages;
  }

  /** Messages dropped because a gap cut them (or their length prefix). */
  public long messagesLost() {
    return messagesLost;
  }

  /** Bytes received but discarded: parts of cut messages, and bytes while boundaries were lost. */
  public long bytesDiscarded() {
    return bytesDiscarded;
  }

  /** Times the framer found the boundaries again after losing them. */
  public long resyncs() {
    return resyncs;
  }

  /** Incomplete messages handed over at close. */
  public long truncatedAtClose() {
    return truncatedAtClose;
  }
}
