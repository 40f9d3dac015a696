package dev.nsm.parsers.tls;

import static dev.nsm.parsers.tls.Hellos.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing: record headers (whole or split across feeds) and the
 * bodies of records that are not read (encrypted data) cost no allocation. Measured with the JDK's
 * per-thread allocation counter.
 */
class TlsAllocationTest {
  @Test
  void encryptedRecordsAllocateNothing() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(mx.isThreadAllocatedMemorySupported(), "no allocation counter in this JVM");
    mx.setThreadAllocatedMemoryEnabled(true);
    // a TLS 1.3 server sending encrypted records to a client that has not answered yet: not
    // established, so every record is framed
    TlsStreamParser p = new TlsStreamParser();
    byte[] ch = TlsStreamParserTest.clientHelloRecord();
    p.feed(true, ch, 0, ch.length);
    byte[] sh = record(22, 0x0303, Hellos.handshake(2, new Hellos.Builder().cipher(0x1301).selectedVersion(0x0304)
        .keyShare(29).serverHelloBody()));
    p.feed(false, sh, 0, sh.length);
    byte[] data = Hellos.concat(record(23, 0x0303, new byte[1400]), record(23, 0x0303, new byte[3000]),
        record(23, 0x0303, new byte[17]));
    // segments of 1448 bytes cut records and headers at changing places
    Runnable feedAll = () -> {
      for (int round = 0; round < 200; round++) {
        for (int off = 0; off < data.length; off += 1448) {
          p.feed(false, data, off, Math.min(1448, data.length - off));
        }
      }
    };
    feedAll.run(); // warm up
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    feedAll.run();
    long allocated = mx.getThreadAllocatedBytes(tid) - before;
    assertTrue(allocated < 1024, "bytes allocated feeding 600 records: " + allocated);
    assertEquals(java.util.Set.of(), p.session().issues());
    assertTrue(!p.session().established());
  }
}
