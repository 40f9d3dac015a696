package dev.nsm.parsers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.FuzzChunks;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer target for {@link HttpConnectionParser}: both directions of a connection, requests and
 * responses (seeds: the HTTP connections of testdata/http-*.pcap, tcp-*.pcap, ipv6-http.pcap). A
 * sequence of {@link FuzzChunks}; head bit 0: from the client, bit 1: a gap of {@code len} bytes.
 * Small limits (256-byte lines, 1 KiB / 16 header lines, 4 pending requests, 64 KiB inflated) so the
 * fuzzer reaches each of them with short inputs.
 *
 * <p>Asserted, beyond "no exception": the bytes the parser holds stay within what its limits allow;
 * pending requests within the limit, none left after close; transactions handed on = the context's
 * count, at most one per 3 bytes fed (bounded work), each with a trans_depth from 1 and lengths not
 * negative; and the same transactions whether the streams come in the fuzzer's pieces or re-cut into
 * pieces of 1 to 7 bytes.
 */
class HttpConnectionFuzzTest {
  private static final int LINE = 256;

  @FuzzTest
  void conversation(byte[] data) {
    List<String> whole = run(data, 0);
    List<String> recut = run(data, 7);
    assertEquals(whole, recut, "the transactions depend on how the bytes were cut");
  }

  private static List<String> run(byte[] data, int piece) {
    HttpParserContext ctx = new HttpParserContext(LINE, 1024, 16, 4, true, 64 * 1024, 10 * 1024);
    List<HttpTransaction> tx = new ArrayList<>();
    HttpConnectionParser p = new HttpConnectionParser(ctx, tx::add);
    FuzzChunks in = new FuzzChunks(data);
    long fed = 0;
    long ts = 1_000_000_000L;
    while (in.next()) {
      boolean client = (in.head & 1) != 0;
      ts += 1_000_000L;
      if ((in.head & 2) != 0) {
        p.onGap(client, in.len);
      } else if (piece == 0) {
        p.feed(client, in.buf(), in.off, in.len, ts);
      } else {
        for (int at = in.off, end = in.off + in.len; at < end; ) {
          int n = Math.min(end - at, 1 + (in.buf()[at] & 0xff) % piece);
          p.feed(client, in.buf(), at, n, ts);
          at += n;
        }
      }
      fed += (in.head & 2) != 0 ? 0 : in.len;
      assertTrue(p.retainedBytes() <= 4L * LINE + 1024, "holds " + p.retainedBytes() + " bytes");
      assertTrue(p.pendingTransactions() <= ctx.maxPendingRequests + 2, "pending " + p.pendingTransactions());
    }
    p.onClose();
    assertEquals(0, p.pendingTransactions(), "close hands on every pending transaction");
    assertEquals(tx.size(), ctx.transactions());
    assertTrue(tx.size() <= fed / 3 + 2, tx.size() + " transactions from " + fed + " bytes");
    List<String> out = new ArrayList<>();
    for (HttpTransaction t : tx) {
      assertTrue(t.transDepth() >= 1, "trans_depth " + t.transDepth());
      assertTrue(t.requestBodyLen() >= 0 && t.responseBodyLen() >= 0, t.toString());
      assertTrue(t.requestBodyWireLen() >= 0 && t.responseBodyWireLen() >= 0, t.toString());
      out.add(t.toString());
    }
    return out;
  }
}
