package dev.nsm.parsers.http;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Counts the decompressed length of a gzip/deflate body without keeping it, as Zeek's ZIP analyzer
 * feeds its HTTP body length. Like zlib's {@code inflateInit2(MAX_WBITS + 32)} that Zeek uses, the
 * format is told by the first two bytes whatever the Content-Encoding says: 1f 8b is gzip, a valid
 * zlib header is zlib, anything else is raw deflate (Zeek's retry "some servers do not generate zlib
 * headers"). Decompression ends at the end of the first deflate stream (gzip trailers and later members
 * are ignored, as Zeek ignores them) or at the first error.
 *
 * <pre>
 *  gzip member (RFC 1952):
 *  +---+---+---+---+---+---+---+---+---+---+
 *  |ID1|ID2|CM |FLG|     MTIME     |XFL|OS |  ID1 ID2 = 1f 8b, CM = 8
 *  +---+---+---+---+---+---+---+---+---+---+
 *  (if FLG.FEXTRA) XLEN (2, little endian), XLEN bytes
 *  (if FLG.FNAME) zero-terminated name   (if FLG.FCOMMENT) zero-terminated comment
 *  (if FLG.FHCRC) CRC16 (2)              then the raw deflate data, CRC32, ISIZE
 * </pre>
 *
 * The JDK's {@link Inflater} holds native memory: {@link #end()} frees it (the parser calls it when
 * the body ends or the connection closes).
 */
final class BodyInflater {
  private static final int DETECT = 0;
  private static final int GZIP_HEADER = 1;
  private static final int INFLATE = 2;
  /** Ended: stream end, error or limit. Bytes are no longer looked at. */
  private static final int DONE = 3;

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private int mode = DETECT;
  private final byte[] first = new byte[2];
  private int firstLen;
  private Inflater inflater;

  // gzip header walk
  private int headerPos; // bytes of the fixed 10-byte header seen
  private int flags;
  private int extraLeft = -1; // -1: XLEN not read yet
  private int xlenLow = -1;
  private boolean inName;
  private boolean inComment;
  private int crcLeft;

  private long produced;

  /** Decompressed bytes so far. */
  long produced() {
    return produced;
  }

  /**
   * Feeds compressed bytes and returns how many decompressed bytes they gave; reports
   * {@link HttpWeird#INFLATE_FAILED} or {@link HttpWeird#HTTP_INFLATE_LIMIT} through {@code parser}.
   */
  long feed(byte[] b, int off, int len, HttpParserContext ctx, HttpConnectionParser parser, boolean fromClient) {
    long before = produced;
    int end = off + len;
    while (off < end && mode != DONE) {
      switch (mode) {
        case DETECT:
          first[firstLen++] = b[off++];
          if (firstLen == 2) {
            start(ctx, parser, fromClient);
          }
          break;
        case GZIP_HEADER:
          off = gzipHeader(b, off, end);
          if (failed) {
            parser.weird(HttpWeird.INFLATE_FAILED, fromClient);
          }
          break;
        case INFLATE:
          inflate(b, off, end - off, ctx, parser, fromClient);
          off = end;
          break;
        default:
          off = end;
      }
    }
    return produced - before;
  }

  /** The first two bytes are in: choose the format and feed them. */
  private void start(HttpParserContext ctx, HttpConnectionParser parser, boolean fromClient) {
    int cmf = first[0] & 0xff;
    int flg = first[1] & 0xff;
    if (cmf == 0x1f && flg == 0x8b) {
      mode = GZIP_HEADER;
      headerPos = 2;
      return;
    }
    boolean zlib = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
    inflater = new Inflater(!zlib);
    mode = INFLATE;
    inflate(first, 0, 2, ctx, parser, fromClient);
  }

  /** Walks the gzip header; returns where the deflate data starts (or end). */
  private int gzipHeader(byte[] b, int off, int end) {
    while (off < end) {
      int c = b[off] & 0xff;
      if (headerPos < 10) {
        if (headerPos == 2 && c != 8) {
          mode = DONE; // not deflate: zlib says "unknown compression method"
          failed = true;
          return end;
        }
        if (headerPos == 3) {
          flags = c;
        }
        headerPos++;
        off++;
        if (headerPos == 10) {
          inName = (flags & FNAME) != 0;
          inComment = (flags & FCOMMENT) != 0;
          crcLeft = (flags & FHCRC) != 0 ? 2 : 0;
          extraLeft = (flags & FEXTRA) != 0 ? -1 : 0;
        }
        continue;
      }
      if (extraLeft < 0) { // XLEN, two bytes little endian
        if (xlenLow < 0) {
          xlenLow = c;
        } else {
          extraLeft = xlenLow | (c << 8);
        }
        off++;
        continue;
      }
      if (extraLeft > 0) {
        int n = Math.min(extraLeft, end - off);
        extraLeft -= n;
        off += n;
        continue;
      }
      if (inName || inComment) {
        if (c == 0) {
          if (inName) {
            inName = false;
          } else {
            inComment = false;
          }
        }
        off++;
        continue;
      }
      if (crcLeft > 0) {
        crcLeft--;
        off++;
        continue;
      }
      inflater = new Inflater(true);
      mode = INFLATE;
      return off;
    }
    return off;
  }

  private boolean failed;

  /** Whether decompression stopped on an error (the length counts up to it). */
  boolean failed() {
    return failed;
  }

  private void inflate(byte[] b, int off, int len, HttpParserContext ctx, HttpConnectionParser parser,
      boolean fromClient) {
    inflater.setInput(b, off, len);
    byte[] out = ctx.inflateScratch;
    try {
      while (!inflater.finished()) {
        long room = ctx.maxInflatedBytes - produced;
        if (room <= 0) {
          parser.weird(HttpWeird.HTTP_INFLATE_LIMIT, fromClient);
          end();
          return;
        }
        int n = inflater.inflate(out, 0, (int) Math.min(out.length, room));
        produced = inflater.getBytesWritten();
        if (n == 0) {
          if (inflater.needsDictionary()) {
            fail(parser, fromClient); // zlib's Z_NEED_DICT: Zeek gives up too
            return;
          }
          break; // needs input
        }
      }
    } catch (DataFormatException e) {
      // the output of the failing call is not returned but is counted by the Inflater: counting it
      // keeps the length the same however the body was cut into pieces
      produced = inflater.getBytesWritten();
      fail(parser, fromClient);
      return;
    }
    if (inflater.finished()) {
      end();
    }
  }

  private void fail(HttpConnectionParser parser, boolean fromClient) {
    failed = true;
    parser.weird(HttpWeird.INFLATE_FAILED, fromClient);
    end();
  }

  /** Stops decompressing (a gap makes the rest undecodable) and frees the native memory. */
  void end() {
    mode = DONE;
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }
}
