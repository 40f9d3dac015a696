package dev.nsm.parsers.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test support: feeds a connection's segments to a parser, cut into pieces by a chunking rule. */
final class HttpFeeder {
  private HttpFeeder() {}

  /** How a segment is cut before it is fed. */
  interface Chunking {
    /** Length of the next piece, 1..remaining. */
    int next(int remaining);

    static Chunking whole() {
      return remaining -> remaining;
    }

    static Chunking oneByte() {
      return remaining -> 1;
    }

    static Chunking random(long seed) {
      Random r = new Random(seed);
      return remaining -> 1 + r.nextInt(Math.min(remaining, r.nextBoolean() ? 7 : 1500));
    }
  }

  /** What one run gave: the transactions in the order handed on, and the weirds reported. */
  static final class Result {
    final List<HttpTransaction> transactions = new ArrayList<>();
    final List<String> weirds = new ArrayList<>();
    HttpConnectionParser parser;

    /** The transactions as text, in order: what must not depend on the chunking. */
    String text() {
      StringBuilder b = new StringBuilder();
      for (HttpTransaction t : transactions) {
        b.append(t).append(" ts=").append(t.tsNanos()).append('\n');
      }
      return b.toString();
    }
  }

  static Result run(TcpStreams.Conn c, boolean aIsClient, Chunking chunking, HttpParserContext ctx) {
    Result r = new Result();
    HttpConnectionParser p = new HttpConnectionParser(ctx, new HttpTransactionListener() {
      @Override
      public void onTransaction(HttpTransaction tx) {
        r.transactions.add(tx);
      }

      @Override
      public void onWeird(HttpWeird weird, boolean fromClient) {
        r.weirds.add(weird.zeekName());
      }
    });
    r.parser = p;
    for (TcpStreams.Segment s : c.segments) {
      boolean fromClient = s.fromA() == aIsClient;
      if (s.data() == null) {
        p.onGap(fromClient, s.gap());
        continue;
      }
      feed(p, fromClient, s.data(), s.tsNanos(), chunking);
    }
    p.onClose();
    return r;
  }

  static void feed(HttpConnectionParser p, boolean fromClient, byte[] data, long ts, Chunking chunking) {
    int off = 0;
    while (off < data.length) {
      int n = chunking.next(data.length - off);
      p.feed(fromClient, data, off, n, ts);
      off += n;
    }
  }
}
