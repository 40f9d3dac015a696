package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.FuzzChunks;
import java.util.Arrays;

/**
 * Jazzer targets for DNS: {@link DnsParser} (and its probes) on one message, and {@link DnsTcpFramer}
 * on one direction of a DNS-over-TCP stream. Seeds: the messages and streams of testdata/dns-*.pcap.
 *
 * <p>Asserted for a message, beyond "no exception": it is read where it lies (placed at the very end
 * of a larger array, after bytes that look like compression pointers: a read past it or before it
 * throws or changes the result); the invariants of {@link DnsRobustnessTest} (counts within the
 * header's, records within the message, at most {@link DnsParser#MAX_RECORDS}, bounded name text); and
 * the same result from a fresh {@link DnsMessage} as from one reused (pooled records leave nothing
 * behind). The bound on work is structural: the record, question and pointer caps asserted there.
 *
 * <p>For a stream ({@link FuzzChunks}; head bit 0: a gap of {@code len} bytes instead of data):
 * every message handed over lies within the buffer given and is at most 65535 bytes; the bytes
 * accounted for (messages with their 2-byte prefixes, discarded bytes) never exceed the bytes fed;
 * sink calls = {@code messages() + truncatedAtClose()}; the buffer never holds more than one message.
 */
class DnsFuzzTest {
  private static final DnsParser PARSER = new DnsParser();
  private static final DnsMessage REUSED = new DnsMessage();

  @FuzzTest
  void message(byte[] msg) {
    int pre = 3;
    byte[] buf = new byte[pre + msg.length];
    Arrays.fill(buf, 0, pre, (byte) 0xc0);
    System.arraycopy(msg, 0, buf, pre, msg.length);
    DnsResult r = PARSER.parse(buf, pre, msg.length, REUSED);
    DnsRobustnessTest.checkInvariants(REUSED, r, pre, msg.length);
    DnsParser.probe(buf, pre, msg.length, false);
    DnsParser.probe(buf, pre, msg.length, true);
    REUSED.zeekAnswers();
    REUSED.zeekQuery();
    REUSED.zeekQueryFromAnswers();
    REUSED.qtypeName();
    REUSED.rcodeName();
    DnsMessage fresh = new DnsMessage();
    assertEquals(r, new DnsParser().parse(msg, 0, msg.length, fresh));
    assertEquals(fresh.toString(), REUSED.toString(), "a reused message differs from a fresh one");
    assertEquals(fresh.zeekAnswers(), REUSED.zeekAnswers());
  }

  @FuzzTest
  void tcpStream(byte[] data) {
    DnsTcpFramer f = new DnsTcpFramer();
    DnsMessage m = new DnsMessage();
    long[] acc = new long[2]; // bytes accounted for by complete messages, sink calls
    DnsTcpFramer.Sink sink = (b, off, len) -> {
      assertTrue(off >= 0 && len >= 0 && off + len <= b.length && len <= DnsTcpFramer.MAX_MESSAGE,
          "message [" + off + ", +" + len + ") of " + b.length);
      acc[0] += 2 + len; // its length prefix came too, complete or cut at close
      acc[1]++;
      DnsRobustnessTest.checkInvariants(m, PARSER.parse(b, off, len, m), off, len);
    };
    FuzzChunks in = new FuzzChunks(data);
    long fed = 0;
    while (in.next()) {
      if ((in.head & 1) != 0) {
        f.gap(in.len);
      } else {
        f.feed(in.buf(), in.off, in.len, sink);
        fed += in.len;
      }
      assertTrue(f.bufferedBytes() <= DnsTcpFramer.MAX_MESSAGE);
      assertTrue(acc[0] + f.bytesDiscarded() <= fed,
          "accounted " + acc[0] + " + discarded " + f.bytesDiscarded() + " > fed " + fed);
    }
    f.close(sink);
    assertEquals(acc[1], f.messages() + f.truncatedAtClose(), "sink calls");
    assertTrue(acc[0] + f.bytesDiscarded() <= fed, "accounted more than fed");
    assertTrue(f.messages() <= fed / 2 + 1, "more messages than length prefixes");
  }
}
