package dev.nsm.parsers.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-made malformed messages: each returns its {@link DnsResult} (never an exception), and what
 * was parsed before the fault stays in the message with the place it stopped. Short cases are
 * written as hex with the layout beside them; long ones are built.
 */
class DnsMalformedTest {
  private final DnsParser parser = new DnsParser();
  private final DnsMessage m = new DnsMessage();

  private DnsResult parse(byte[] b) {
    return parser.parse(b, 0, b.length, m);
  }

  private DnsResult parse(String hex) {
    return parse(Hex.bytes(hex));
  }

  @Test
  void headerTruncated() {
    assertEquals(DnsResult.HEADER_TRUNCATED, parse("1234 0100 0001 0000 0000 00"));
    assertEquals(DnsResult.HEADER_TRUNCATED, m.result);
    assertEquals(0, m.id, "nothing is read from a short header");
    assertEquals(DnsResult.HEADER_TRUNCATED, parser.parse(new byte[0], 0, 0, m));
  }

  @Test
  void selfPointerIsALoop() {
    // question name at offset 12 is a pointer to offset 12
    assertEquals(DnsResult.NAME_POINTER_LOOP, parse("1234 0100 0001 0000 0000 0000  c00c 0001 0001"));
    assertEquals(DnsMessage.SECTION_QUESTION, m.stopSection);
    assertEquals(12, m.stopOffset);
    assertEquals(0x1234, m.id, "the header is kept");
    assertNull(m.qname);
  }

  @Test
  void nameComingBackToItsPointerIsALoop() {
    // answer owner at 19: label "b" then (at 21) a pointer back to 19 - backward, but following
    // it reads "b" again and reaches the pointer it came from
    assertEquals(DnsResult.NAME_POINTER_LOOP, parse("""
        1234 8180 0001 0001 0000 0000
        0161 00 0001 0001
        0162 c013 0001 0001 0000003c 0004 0a000001"""));
    assertEquals(DnsRecord.SECTION_ANSWER, m.stopSection);
    assertEquals(19, m.stopOffset);
    assertEquals("a", m.qname, "the question before the fault is kept");
    assertEquals(1, m.questionsParsed);
    assertEquals(0, m.recordCount());
  }

  @Test
  void mutualPointersAreCaughtAsForward() {
    // offset 12: pointer to 14; offset 14: pointer to 12. A loop needs a pointer that does not
    // point backward, and the first one already fails
    assertEquals(DnsResult.NAME_POINTER_FORWARD, parse("1234 0100 0001 0000 0000 0000  c00e c00c 0001 0001"));
  }

  @Test
  void pointerPastTheEnd() {
    assertEquals(DnsResult.NAME_POINTER_OUT_OF_BOUNDS,
        parse("1234 0100 0001 0000 0000 0000  c0ff 0001 0001"));
    assertEquals(DnsResult.NAME_POINTER_OUT_OF_BOUNDS,
        parse("1234 0100 0001 0000 0000 0000  ffff 0001 0001"));
  }

  @Test
  void labelLengthsOf64To191AreNeitherLabelNorPointer() {
    assertEquals(DnsResult.LABEL_TOO_LONG, parse("1234 0100 0001 0000 0000 0000  40" + "61".repeat(64) + "00 0001 0001"));
    assertEquals(DnsResult.LABEL_TOO_LONG, parse("1234 0100 0001 0000 0000 0000  8001 0001 0001"));
    // 63 is fine
    assertEquals(DnsResult.OK, parse("1234 0100 0001 0000 0000 0000  3f" + "61".repeat(63) + "00 0001 0001"));
    assertEquals("a".repeat(63), m.qname);
  }

  @Test
  void nameOf255BytesIsTheLimit() {
    // 3 labels of 63 and one of 61: 3*64 + 62 + 1 (root) = 255 bytes in wire form
    byte[] ok = query(name(63, 63, 63, 61));
    assertEquals(DnsResult.OK, parse(ok));
    assertEquals(253, m.qname.length(), "255 wire bytes are 253 characters of text");
    byte[] tooLong = query(name(63, 63, 63, 62));
    assertEquals(DnsResult.NAME_TOO_LONG, parse(tooLong));
    assertEquals(DnsResult.NAME_TOO_LONG, parse(query(name(63, 63, 63, 63, 63))));
  }

  @Test
  void nameTooLongThroughCompression() {
    // the question is 3*64 + 1 = 193 bytes; an answer owner of a 63-byte label plus a pointer
    // to the question would be 64 + 193 = 257 bytes
    Msg b = new Msg().header(0x8180, 1, 2, 0, 0).raw(name(63, 63, 63)).u16(1).u16(1);
    b.raw(new byte[] {(byte) 0xc0, 12}).u16(1).u16(1).u32(60).u16(4).raw(new byte[] {1, 2, 3, 4});
    int second = b.size();
    b.raw(name(63));
    byte[] msg = b.bytes();
    // replace the root byte ending the 63-byte label with a pointer to the question
    Msg c = new Msg().raw(msg, 0, msg.length - 1).raw(new byte[] {(byte) 0xc0, 12}).u16(1).u16(1)
        .u32(60).u16(4).raw(new byte[] {5, 6, 7, 8});
    assertEquals(DnsResult.NAME_TOO_LONG, parse(c.bytes()));
    assertEquals(DnsRecord.SECTION_ANSWER, m.stopSection);
    assertEquals(second, m.stopOffset);
    assertEquals(1, m.answersParsed, "the first answer, before the fault, is kept");
    assertEquals("1.2.3.4", m.record(0).data);
    assertEquals(List.of("1.2.3.4"), m.zeekAnswers());
  }

  @Test
  void pointerChainIsBounded() {
    assertEquals(DnsResult.OK, parse(pointerChain(DnsParser.MAX_POINTERS)));
    assertEquals("x", m.record(1).name, "64 jumps are followed");
    assertEquals(DnsResult.NAME_TOO_MANY_POINTERS, parse(pointerChain(DnsParser.MAX_POINTERS + 1)));
    assertEquals(1, m.recordCount(), "the record holding the chain is kept");
  }

  /**
   * A NULL record whose rdata holds the name "x" then pointers each to the one before, and a
   * second record whose owner is a pointer to the last: {@code jumps} jumps in all.
   */
  private static byte[] pointerChain(int jumps) {
    Msg rdata = new Msg();
    int rdataAt = 12 + 5 + 2 + 10; // header, root question, owner pointer... see below
    rdata.raw(new byte[] {1, 'x', 0});
    int prev = rdataAt;
    for (int i = 1; i < jumps; i++) {
      int here = rdataAt + rdata.size();
      rdata.u16(0xc000 | prev);
      prev = here;
    }
    Msg b = new Msg().header(0x8180, 1, 2, 0, 0).raw(new byte[] {0}).u16(1).u16(1);
    b.raw(new byte[] {(byte) 0xc0, 12}).u16(10).u16(1).u32(0).u16(rdata.size()).raw(rdata.bytes());
    b.u16(0xc000 | prev).u16(1).u16(1).u32(0).u16(4).raw(new byte[] {9, 9, 9, 9});
    return b.bytes();
  }

  @Test
  void countsLying() {
    // ANCOUNT 5, two answers present: both kept, in Zeek's answers too
    assertEquals(DnsResult.RR_TRUNCATED, parse("""
        1234 8180 0001 0005 0000 0000
        0161 00 0001 0001
        c00c 0001 0001 0000003c 0004 0a000001
        c00c 0001 0001 0000003c 0004 0a000002"""));
    assertEquals(DnsRecord.SECTION_ANSWER, m.stopSection);
    assertEquals(51, m.stopOffset);
    assertEquals(2, m.answersParsed);
    assertEquals(List.of("10.0.0.1", "10.0.0.2"), m.zeekAnswers());
    // QDCOUNT 2, one question present
    assertEquals(DnsResult.QUESTION_TRUNCATED, parse("1234 0100 0002 0000 0000 0000  0161 00 0001 0001"));
    assertEquals(1, m.questionsParsed);
    assertEquals("a", m.qname);
  }

  @Test
  void truncatedRecords() {
    // owner and 5 of the 10 fixed bytes
    assertEquals(DnsResult.RR_TRUNCATED, parse("""
        1234 8180 0001 0001 0000 0000  0161 00 0001 0001  c00c 0001 0001 00"""));
    // rdlength 4, 2 bytes there
    assertEquals(DnsResult.RDATA_TRUNCATED, parse("""
        1234 8180 0001 0002 0000 0000  0161 00 0001 0001
        c00c 0001 0001 0000003c 0004 0a000001
        c00c 0001 0001 0000003c 0004 0a00"""));
    assertEquals(1, m.answersParsed);
    assertEquals("10.0.0.1", m.record(0).data);
    assertEquals(35, m.stopOffset);
    // question name cut in a label
    assertEquals(DnsResult.NAME_TRUNCATED, parse("1234 0100 0001 0000 0000 0000  0561 62"));
    // question name complete, type and class missing
    assertEquals(DnsResult.QUESTION_TRUNCATED, parse("1234 0100 0001 0000 0000 0000  0161 00 0001"));
  }

  @Test
  void rdataNotFittingItsType() {
    // an A record with 5 bytes of rdata, after a good one
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 8180 0001 0002 0000 0000  0161 00 0001 0001
        c00c 0001 0001 0000003c 0004 0a000001
        c00c 0001 0001 0000003c 0005 0a00000102"""));
    assertEquals(1, m.recordCount());
    assertEquals(35, m.stopOffset);
    // AAAA with 4 bytes
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 8180 0001 0001 0000 0000  0161 00 001c 0001  c00c 001c 0001 0000003c 0004 0a000001"""));
    // a TXT string running past the rdata
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 8180 0001 0001 0000 0000  0161 00 0010 0001  c00c 0010 0001 0000003c 0003 05616263"""));
    // a CNAME whose name runs past its rdlength (into the next record)
    assertEquals(DnsResult.NAME_TRUNCATED, parse("""
        1234 8180 0001 0002 0000 0000  0161 00 0005 0001
        c00c 0005 0001 0000003c 0002 0162 00
        c00c 0001 0001 0000003c 0004 0a000001"""));
    // MX too short for a preference and a name; SOA without its 20 bytes of numbers
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 8180 0001 0001 0000 0000  0161 00 000f 0001  c00c 000f 0001 0000003c 0002 000a"""));
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 8180 0001 0001 0000 0000  0161 00 0006 0001  c00c 0006 0001 0000003c 0006 c00c c00c 0000"""));
    // an OPT option longer than the rdata: the message's EDNS fields stay unset
    assertEquals(DnsResult.RDATA_MALFORMED, parse("""
        1234 0100 0001 0000 0000 0001  0161 00 0001 0001  00 0029 1000 00000000 0006 0008 0008 0001"""));
    assertFalse(m.edns);
  }

  @Test
  void tooManyQuestions() {
    Msg b = new Msg().header(0x0100, DnsParser.MAX_QUESTIONS + 1, 0, 0, 0);
    for (int i = 0; i <= DnsParser.MAX_QUESTIONS; i++) {
      b.raw(new byte[] {0}).u16(1).u16(1);
    }
    assertEquals(DnsResult.TOO_MANY_QUESTIONS, parse(b.bytes()));
    assertEquals(0, m.questionsParsed);
  }

  @Test
  void tooManyRecords() {
    int n = DnsParser.MAX_RECORDS + 1;
    Msg b = new Msg().header(0x8180, 0, n, 0, 0);
    for (int i = 0; i < n; i++) {
      b.raw(new byte[] {0}).u16(1).u16(1).u32(i).u16(4).u32(i);
    }
    assertEquals(DnsResult.TOO_MANY_RECORDS, parse(b.bytes()));
    assertEquals(DnsParser.MAX_RECORDS, m.recordCount());
    assertEquals(DnsParser.MAX_RECORDS, m.zeekAnswerCount());
    assertEquals("0.0.7.255", m.record(DnsParser.MAX_RECORDS - 1).data);
    // the pooled records are reused by the next parse
    assertEquals(DnsResult.OK, parse("1234 0100 0001 0000 0000 0000  0161 00 0001 0001"));
    assertEquals(0, m.recordCount());
    assertEquals(0, m.zeekAnswerCount());
  }

  @Test
  void zeroRdlengthInTheMiddleEndsZeeksAnswers() {
    // A, then NULL with rdlength 0 while bytes follow (Zeek: DNS_zero_rdlength, it stops), then A
    assertEquals(DnsResult.OK, parse("""
        1234 8180 0001 0003 0000 0000  0161 00 0001 0001
        c00c 0001 0001 0000003c 0004 0a000001
        c00c 000a 0001 0000003c 0000
        c00c 0001 0001 0000003c 0004 0a000002"""));
    assertEquals(3, m.recordCount(), "this parser goes on");
    assertEquals("", m.record(1).data);
    assertEquals("10.0.0.2", m.record(2).data);
    assertEquals(List.of("10.0.0.1"), m.zeekAnswers(), "Zeek's answers end there");
  }

  @Test
  void trailingBytesAreCountedNotFatal() {
    assertEquals(DnsResult.OK, parse("1234 0100 0001 0000 0000 0000  0161 00 0001 0001  dead"));
    assertEquals(2, m.trailingBytes);
  }

  @Test
  void offsetIntoALargerBuffer() {
    byte[] msg = Hex.bytes("""
        1234 8180 0001 0001 0000 0000  0161 00 0001 0001  c00c 0001 0001 0000003c 0004 0a000001""");
    byte[] big = new byte[msg.length + 20];
    java.util.Arrays.fill(big, (byte) 0xc0);
    System.arraycopy(msg, 0, big, 7, msg.length);
    assertEquals(DnsResult.OK, parser.parse(big, 7, msg.length, m));
    assertEquals("a", m.record(0).name, "pointers count from the message start, not the buffer's");
    assertEquals(7 + 31, m.record(0).rdataOffset);
    assertTrue(DnsParser.probe(big, 7, msg.length, false));
  }

  // ------------------------------------------------------------ builders

  private static byte[] query(byte[] name) {
    return new Msg().header(0x0100, 1, 0, 0, 0).raw(name).u16(1).u16(1).bytes();
  }

  /** A name of labels of the given lengths (letters), ending with the root. */
  private static byte[] name(int... labels) {
    Msg b = new Msg();
    char c = 'a';
    for (int l : labels) {
      b.raw(new byte[] {(byte) l});
      b.raw(String.valueOf(c++).repeat(l).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return b.raw(new byte[] {0}).bytes();
  }

  /** Big-endian message builder for the long cases. */
  static final class Msg {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Msg header(int flags, int qd, int an, int ns, int ar) {
      return u16(0x1234).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }

    Msg u16(int v) {
      out.write(v >> 8);
      out.write(v);
      return this;
    }

    Msg u32(long v) {
      return u16((int) (v >>> 16) & 0xffff).u16((int) v & 0xffff);
    }

    Msg raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Msg raw(byte[] b, int off, int len) {
      out.write(b, off, len);
      return this;
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
