package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: a conversation written out step by step (client bytes, server bytes, gaps), run
 * through a fresh parser. {@link #run()} feeds it whole, byte by byte and in random pieces and checks
 * that the records are the same every time.
 */
final class Conversation {
  private record Step(boolean fromClient, byte[] data, long gap, long ts) {}

  private final List<Step> steps = new ArrayList<>();
  private long ts = 1_000_000_000L;
  private boolean close = true;

  static Conversation of() {
    return new Conversation();
  }

  Conversation client(String s) {
    return client(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  Conversation server(String s) {
    return server(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  Conversation client(byte[] b) {
    steps.add(new Step(true, b, 0, ts += 1000));
    return this;
  }

  Conversation server(byte[] b) {
    steps.add(new Step(false, b, 0, ts += 1000));
    return this;
  }

  Conversation gap(boolean fromClient, long bytes) {
    steps.add(new Step(fromClient, null, bytes, ts += 1000));
    return this;
  }

  /** Leaves the connection open: no onClose() at the end. */
  Conversation open() {
    close = false;
    return this;
  }

  /** One run. */
  static final class Run {
    final List<HttpTransaction> tx = new ArrayList<>();
    final List<HttpWeird> weirds = new ArrayList<>();
    HttpParserContext ctx;
    HttpConnectionParser parser;

    HttpTransaction only() {
      assertEquals(1, tx.size(), () -> "one transaction expected: " + text());
      return tx.get(0);
    }

    String text() {
      StringBuilder b = new StringBuilder();
      for (HttpTransaction t : tx) {
        b.append(t).append(" ts=").append(t.tsNanos()).append('\n');
      }
      return b.toString();
    }

    long count(HttpWeird w) {
      return ctx.count(w);
    }
  }

  Run run(HttpFeeder.Chunking chunking, HttpParserContext ctx) {
    Run r = new Run();
    r.ctx = ctx;
    r.parser = new HttpConnectionParser(ctx, new HttpTransactionListener() {
      @Override
      public void onTransaction(HttpTransaction tx) {
        r.tx.add(tx);
      }

      @Override
      public void onWeird(HttpWeird weird, boolean fromClient) {
        r.weirds.add(weird);
      }
    });
    for (Step s : steps) {
      if (s.data == null) {
        r.parser.onGap(s.fromClient, s.gap);
      } else {
        HttpFeeder.feed(r.parser, s.fromClient, s.data, s.ts, chunking);
      }
    }
    if (close) {
      r.parser.onClose();
    }
    return r;
  }

  /** Runs whole, byte by byte and in random pieces; the records must agree; returns the whole run. */
  Run run() {
    return run(HttpParserContext::new);
  }

  Run run(java.util.function.Supplier<HttpParserContext> contexts) {
    Run whole = run(HttpFeeder.Chunking.whole(), contexts.get());
    Run oneByte = run(HttpFeeder.Chunking.oneByte(), contexts.get());
    assertEquals(whole.text(), oneByte.text(), "records differ when fed byte by byte");
    for (long seed = 1; seed <= 3; seed++) {
      assertEquals(whole.text(), run(HttpFeeder.Chunking.random(seed), contexts.get()).text(),
          "records differ when fed in random pieces (seed " + seed + ")");
    }
    return whole;
  }
}
