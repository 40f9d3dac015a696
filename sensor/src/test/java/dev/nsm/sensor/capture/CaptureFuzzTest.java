package dev.nsm.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nsm.parsers.packet.LinkType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Jazzer targets for the capture readers: a classic pcap file ({@link PcapReader}) and a pcapng file
 * ({@link PcapngReader}), each read twice, as a stream ({@link StreamInput}: stdin, pipes, gzip) and
 * memory-mapped in 64-byte windows ({@link MappedInput}: regular files; tiny windows make every record
 * cross a window). Seeds: the first packets of every capture in testdata/, as pcap and as pcapng, and
 * variants (byte orders, timestamp units, the modified format, old versions, SPB, PB, unknown blocks,
 * a second section).
 *
 * <p>Asserted, beyond "no exception": the only failure is a {@link CaptureFormatException} with a
 * one-line message naming the input; every packet handed over lies inside the buffer handed over,
 * with lengths not negative and a supported link type, and leaves the buffer's position and limit
 * alone; at most one packet per 12 bytes of input (bounded work); the read position never goes back
 * nor past the size; and both ways of reading give the same packets and the same verdict.
 */
class CaptureFuzzTest {
  private static final Path FILE = scratchFile();

  @FuzzTest
  void pcap(byte[] data) throws IOException {
    if (data.length >= 4) {
      int m = ByteBuffer.wrap(data).getInt(0);
      if (isPcapMagic(m) || isPcapMagic(Integer.reverseBytes(m))) {
        check(data);
      }
    }
  }

  @FuzzTest
  void pcapng(byte[] data) throws IOException {
    if (data.length >= 4 && ByteBuffer.wrap(data).getInt(0) == PcapngReader.SHB) {
      check(data);
    }
  }

  private static boolean isPcapMagic(int m) {
    return m == PcapReader.MAGIC_MICROS || m == PcapReader.MAGIC_NANOS || m == PcapReader.MAGIC_MODIFIED;
  }

  private static void check(byte[] data) throws IOException {
    String name = FILE.toString();
    Outcome streamed = read(() -> CaptureFiles.openStream(name, new ByteArrayInputStream(data), data.length), data);
    Files.write(FILE, data);
    Outcome mapped = read(() -> CaptureFiles.open(name, 64), data);
    assertEquals(streamed.packets, mapped.packets, "stream and mapped reads differ");
    assertEquals(streamed.error == null, mapped.error == null,
        "stream: " + streamed.error + " / mapped: " + mapped.error);
  }

  interface Opener {
    PacketSource open() throws IOException;
  }

  static final class Outcome {
    final List<String> packets = new ArrayList<>();
    String error;
  }

  private static Outcome read(Opener opener, byte[] data) {
    Outcome o = new Outcome();
    CRC32 crc = new CRC32();
    PacketHandler h = (ts, linkType, buf, offset, capLen, wireLen) -> {
      int pos = buf.position();
      int lim = buf.limit();
      assertTrue(offset >= 0 && capLen >= 0 && wireLen >= 0 && offset + capLen <= buf.limit(),
          "packet [" + offset + ", +" + capLen + ") in a buffer of " + buf.limit() + ", wire " + wireLen);
      assertTrue(LinkType.isSupported(linkType), "link type " + linkType);
      crc.reset();
      byte[] bytes = new byte[capLen];
      buf.get(offset, bytes);
      crc.update(bytes);
      o.packets.add(ts + "/" + linkType + "/" + capLen + "/" + wireLen + "/" + Long.toHexString(crc.getValue()));
      assertEquals(pos, buf.position());
      assertEquals(lim, buf.limit());
    };
    try (PacketSource s = opener.open()) {
      long last = 0;
      int calls = 0;
      while (s.next(h)) {
        calls++;
        assertTrue(calls <= data.length / 12 + 1, calls + " packets from " + data.length + " bytes");
        assertTrue(s.position() >= last && s.position() <= data.length,
            "position " + s.position() + " after " + last + " of " + data.length);
        last = s.position();
      }
    } catch (CaptureFormatException e) {
      o.error = e.getMessage();
      assertTrue(o.error.startsWith(FILE + ": ") && o.error.indexOf('\n') < 0, "not a one-line error: " + o.error);
    } catch (IOException e) {
      fail("an I/O error that is not a format error: " + e, e);
    }
    return o;
  }

  private static Path scratchFile() {
    try {
      Path shm = Path.of("/dev/shm");
      Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
      Path f = Files.createTempFile(dir, "nsm-capture-fuzz-", ".pcap");
      f.toFile().deleteOnExit();
      return f;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
