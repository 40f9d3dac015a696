package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated real messages (fixed seed): the parser, the probe and the framer never throw, never read
 * outside the bytes they were given, keep their invariants, and do bounded work.
 */
class DnsRobustnessTest {
  private static final long SEED = 0x5eed_d05L;
  private static final int ROUNDS = 200_000;

  /** Seeds: corpus messages (see DnsCorpusTest for their origin) and hand-made ones (DnsRdataTest). */
  private static List<byte[]> seeds() {
    List<byte[]> s = new ArrayList<>();
    for (String hex : new String[] {
        // google.com A response
        """
        1a2d81800001000c0000000106676f6f676c6503636f6d0000010001c00c0001
        00010000012b0004d8c5f2f4c00c000100010000012b0004d8c5f2d9c00c0001
        00010000012b0004d8c5f2d8c00c000100010000012b0004d8c5f2d2c00c0001
        00010000012b0004d8c5f2edc00c000100010000012b0004d8c5f2e7c00c0001
        00010000012b0004d8c5f2eec00c000100010000012b0004d8c5f2e6c00c0001
        00010000012b0004d8c5f2e0c00c000100010000012b0004d8c5f2fbc00c0001
        00010000012b0004d8c5f2dfc00c000100010000012b0004d8c5f2f500002902
        00000000000000""",
        // MX response
        """
        56168180000100050000000106676f6f676c6503636f6d00000f0001c00c000f
        000100000257000c000a056173706d78016cc00cc00c000f0001000002570009
        001404616c7431c02ac00c000f0001000002570009001e04616c7432c02ac00c
        000f0001000002570009002804616c7433c02ac00c000f000100000257000900
        3204616c7434c02a0000290200000000000000""",
        // NXDOMAIN with SOA
        """
        82958183000100000001000103646e65046f697366036e65740000010001c010
        00060001000003830045066e732d31313009617773646e732d313303636f6d00
        11617773646e732d686f73746d617374657206616d617a6f6ec03b0000000100
        001c200000038400127500000151800000290200000000000000""",
        // CNAME chain, RRSIG, NS, AAAA, OPT (zeek duplicate-reponses)
        """
        5294841000010004000200040377777703636d75036564750000010001c00c00
        050001000151800011075757572d434d5506414e44524557c010c00c002e0001
        00015180009b0005070300015180515cb25b5135187a1b2303636d7503656475
        006b741ab2616a3f33b02d97c41edb5fc04bde32780687bdcf24b8208dae7550
        e35b164428fba91d0c72e757a70dcb38924d702d04a5919b673d05065e2406b9
        3b99cb4ad945c46d550a28edbcc1cbe6db31c7b8650a6428acfab46fc5987db5
        61a714893a1003e464f1550d3e3c344c093a3475efddd7d5d2176c6203350a2e
        aac0290005000100000005000c095757572d434d552d32c031c0ed0001000100
        005460000480020aa3c0310002000100015180000e074e534155544831034e45
        54c058c0310002000100015180000a074e534155544832c11dc1150001000100
        015180000480020108c115001c00010001518000102607fb2800000000000000
        0000000004c12f0001000100015180000480ed94a80000291000000080000000""",
        // HTTPS + SVCB
        """
        123481800001000200000000076578616d706c6503636f6d0000410001c00c00
        4100010000012c004c0001000000000400010003000100060268320268330003
        000220fb00040008c0000201c00002020005000dfe0d0041454348434f4e4649
        470006001020010db8000000000000000000000001c00c004000010000003c00
        13000003737663076578616d706c65036e657400""",
        // CAA
        """
        222281800001000200000000076578616d706c65036f72670001010001c00c01
        01000100000e100016000569737375656c657473656e63727970742e6f7267c0
        0c0101000100000e10001d8005696f6465666d61696c746f3a73656340657861
        6d706c652e6f7267""",
        // SRV, TXT, NAPTR, ECS
        """
        333385800001000100000000045f736970045f756470076578616d706c650363
        6f6d0000210001c00c00210001000151800018000a003c13c404736970310765
        78616d706c6503636f6d00""",
        """
        5555818000010001000000000174076578616d706c650000100001c00c001000
        010000001e000c056122625c630401c3a9ff00""",
        """
        7777818000010001000000000134013301320131046531363404617270610000
        230001c00c002300010000003c002b0064000a0155074532552b7369701b215e
        2e2a24217369703a696e666f406578616d706c652e636f6d2100""",
        """
        88880120000100000000000103777777076578616d706c6503636f6d00000100
        0100002904d00000800000170008000700011800c63364000a00080102030405
        060708""",
    }) {
      s.add(Hex.bytes(hex));
    }
    s.add(Hex.corpus("dnskey"));
    s.add(Hex.corpus("sshfp-nxdomain"));
    return s;
  }

  private static byte[] mutate(byte[] in, Random rnd) {
    byte[] b = in.clone();
    int ops = 1 + rnd.nextInt(4);
    for (int op = 0; op < ops && b.length > 0; op++) {
      int i = rnd.nextInt(b.length);
      switch (rnd.nextInt(8)) {
        case 0: // flip a bit
          b[i] ^= (byte) (1 << rnd.nextInt(8));
          break;
        case 1: // any byte
          b[i] = (byte) rnd.nextInt(256);
          break;
        case 2: // a compression pointer anywhere
          b[i] = (byte) (0xc0 | rnd.nextInt(64));
          if (i + 1 < b.length) {
            b[i + 1] = (byte) rnd.nextInt(256);
          }
          break;
        case 3: // truncate
          b = Arrays.copyOf(b, i);
          break;
        case 4: { // insert random bytes
          byte[] ins = new byte[1 + rnd.nextInt(8)];
          rnd.nextBytes(ins);
          byte[] c = new byte[b.length + ins.length];
          System.arraycopy(b, 0, c, 0, i);
          System.arraycopy(ins, 0, c, i, ins.length);
          System.arraycopy(b, i, c, i + ins.length, b.length - i);
          b = c;
          break;
        }
        case 5: { // delete a range
          int n = Math.min(b.length - i, 1 + rnd.nextInt(16));
          byte[] c = new byte[b.length - n];
          System.arraycopy(b, 0, c, 0, i);
          System.arraycopy(b, i + n, c, i, b.length - i - n);
          b = c;
          break;
        }
        case 6: // a count field
          if (b.length >= 12) {
            b[4 + rnd.nextInt(8)] = (byte) rnd.nextInt(256);
          }
          break;
        default: { // copy a chunk elsewhere (names, records)
          int j = rnd.nextInt(b.length);
          int n = Math.min(Math.min(b.length - i, b.length - j), rnd.nextInt(24));
          System.arraycopy(b, i, b, j, n);
        }
      }
    }
    return b;
  }

  @Test
  void mutatedMessagesNeverBreakTheParser() {
    List<byte[]> seeds = seeds();
    Random rnd = new Random(SEED);
    DnsParser parser = new DnsParser();
    DnsMessage m = new DnsMessage();
    DnsMessage again = new DnsMessage();
    Map<DnsResult, Integer> outcomes = new EnumMap<>(DnsResult.class);
    long worstNanos = 0;
    for (int round = 0; round < ROUNDS; round++) {
      byte[] msg = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
      // the message sits at the very end of a larger array: a read past it would throw
      int pre = rnd.nextInt(8);
      byte[] buf = new byte[pre + msg.length];
      Arrays.fill(buf, 0, pre, (byte) 0xc0);
      System.arraycopy(msg, 0, buf, pre, msg.length);
      DnsResult r;
      long t0 = System.nanoTime();
      try {
        r = parser.parse(buf, pre, msg.length, m);
        DnsParser.probe(buf, pre, msg.length, false);
        DnsParser.probe(buf, pre, msg.length, true);
      } catch (RuntimeException e) {
        fail("round " + round + " threw on " + Hex.toHex(msg), e);
        return;
      }
      long took = System.nanoTime() - t0;
      if (round > ROUNDS / 10) {
        worstNanos = Math.max(worstNanos, took);
      }
      outcomes.merge(r, 1, Integer::sum);
      checkInvariants(m, r, pre, msg.length);
      if (round % 97 == 0) { // same bytes, same result, whatever the pooled records held before
        parser.parse(buf, pre, msg.length, again);
        assertEquals(m.toString(), again.toString());
        assertEquals(m.zeekAnswers(), again.zeekAnswers());
      }
    }
    // the mutations reach deep: most outcomes occur, OK included
    assertTrue(outcomes.getOrDefault(DnsResult.OK, 0) > ROUNDS / 20, outcomes.toString());
    for (DnsResult r : new DnsResult[] {DnsResult.HEADER_TRUNCATED, DnsResult.NAME_TRUNCATED,
        DnsResult.LABEL_TOO_LONG, DnsResult.NAME_POINTER_FORWARD, DnsResult.NAME_POINTER_LOOP,
        DnsResult.NAME_POINTER_OUT_OF_BOUNDS, DnsResult.RR_TRUNCATED, DnsResult.RDATA_TRUNCATED,
        DnsResult.RDATA_MALFORMED, DnsResult.QUESTION_TRUNCATED}) {
      assertTrue(outcomes.getOrDefault(r, 0) > 0, r + " never seen: " + outcomes);
    }
    // bounded work is shown by the record and pointer caps asserted elsewhere; speed is the
    // benchmarks' business (timed assertions fail on a loaded machine), so the worst time is printed
    System.out.println("dns mutation: slowest parse " + worstNanos / 1000 + " us");
  }

  static void checkInvariants(DnsMessage m, DnsResult r, int off, int len) {
    assertEquals(r, m.result);
    assertEquals(len, m.length);
    assertTrue(m.stopOffset >= 0 && m.stopOffset <= len);
    assertTrue(m.recordCount() <= DnsParser.MAX_RECORDS);
    assertEquals(m.recordCount(), m.answersParsed + m.authorityParsed + m.additionalParsed);
    assertTrue(m.answersParsed <= m.anCount);
    assertTrue(m.authorityParsed <= m.nsCount);
    assertTrue(m.additionalParsed <= m.arCount);
    assertTrue(m.questionsParsed <= m.qdCount);
    assertTrue(m.zeekAnswerCount() <= m.answersParsed);
    if (r == DnsResult.OK) {
      assertEquals(len, m.stopOffset + m.trailingBytes);
      assertEquals(m.qdCount, m.questionsParsed);
      assertEquals(m.anCount + m.nsCount + m.arCount, m.recordCount());
    }
    for (int i = 0; i < m.recordCount(); i++) {
      DnsRecord rec = m.record(i);
      assertTrue(rec.rdataOffset >= off && rec.rdataOffset + rec.rdataLength <= off + len);
      assertTrue(rec.name != null && rec.data != null);
      assertTrue(rec.name.length() <= 4 * DnsParser.MAX_NAME_WIRE, "escaped text stays bounded");
    }
  }

  @Test
  void framerNeverBreaksOnArbitrarySegmentsAndGaps() {
    List<byte[]> seeds = seeds();
    Random rnd = new Random(SEED + 1);
    DnsParser parser = new DnsParser();
    DnsMessage m = new DnsMessage();
    int[] delivered = new int[1];
    DnsTcpFramer.Sink sink = (b, off, len) -> {
      delivered[0]++;
      parser.parse(b, off, len, m);
    };
    for (int flow = 0; flow < 5_000; flow++) {
      DnsTcpFramer f = new DnsTcpFramer();
      // a stream of length-prefixed (mutated) messages, sometimes with a lying prefix
      java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
      int n = 1 + rnd.nextInt(5);
      for (int k = 0; k < n; k++) {
        byte[] msg = rnd.nextInt(4) == 0 ? mutate(seeds.get(rnd.nextInt(seeds.size())), rnd)
            : seeds.get(rnd.nextInt(seeds.size()));
        int prefix = rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : msg.length;
        stream.write(prefix >> 8);
        stream.write(prefix);
        stream.writeBytes(msg);
      }
      byte[] s = stream.toByteArray();
      int p = 0;
      while (p < s.length) {
        int seg = 1 + rnd.nextInt(300);
        seg = Math.min(seg, s.length - p);
        if (rnd.nextInt(12) == 0) {
          f.gap(seg);
        } else {
          f.feed(s, p, seg, sink);
        }
        p += seg;
        assertTrue(f.bufferedBytes() <= DnsTcpFramer.MAX_MESSAGE);
      }
      f.close(sink);
    }
    assertTrue(delivered[0] > 5_000, "messages delivered: " + delivered[0]);
  }

  @Test
  void worstCaseMessageIsCheap() {
    // a 127-label question name (255 bytes in wire form, 253 characters), then CNAME records whose owner and target both
    // point to it: every record costs two full name walks. The record cap stops it at 2048.
    DnsMalformedTest.Msg b = new DnsMalformedTest.Msg().header(0x8180, 1, 4000, 0, 0);
    for (int i = 0; i < 127; i++) {
      b.raw(new byte[] {1, 'a'});
    }
    b.raw(new byte[] {0}).u16(5).u16(1);
    for (int i = 0; i < 4000; i++) {
      b.u16(0xc00c).u16(5).u16(1).u32(60).u16(2).u16(0xc00c);
    }
    byte[] msg = b.bytes();
    assertTrue(msg.length < 65536);
    DnsParser parser = new DnsParser();
    DnsMessage m = new DnsMessage();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      assertEquals(DnsResult.TOO_MANY_RECORDS, parser.parse(msg, 0, msg.length, m));
      best = Math.min(best, System.nanoTime() - t0);
    }
    assertEquals(DnsParser.MAX_RECORDS, m.recordCount());
    assertEquals(253, m.record(0).name.length());
    assertEquals(253, m.record(0).target.length());
    // about a million label steps and 6000 strings of 253 chars: a few milliseconds (printed, not
    // asserted: a timed assertion fails on a loaded machine)
    System.out.println("dns worst-case message: " + best / 1000 + " us");
  }
}
