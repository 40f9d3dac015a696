package dev.nsm.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes capture files byte by byte for the tests, in either byte order: the layouts are those drawn
 * in {@link PcapReader} and {@link PcapngReader}, written here independently of the readers.
 */
final class CaptureBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ByteOrder order;

  CaptureBytes(ByteOrder order) {
    this.order = order;
  }

  CaptureBytes order(ByteOrder o) {
    this.order = o;
    return this;
  }

  CaptureBytes u8(int v) {
    out.write(v);
    return this;
  }

  CaptureBytes u16(int v) {
    out.writeBytes(ByteBuffer.allocate(2).order(order).putShort((short) v).array());
    return this;
  }

  CaptureBytes u32(long v) {
    out.writeBytes(ByteBuffer.allocate(4).order(order).putInt((int) v).array());
    return this;
  }

  CaptureBytes u64(long v) {
    out.writeBytes(ByteBuffer.allocate(8).order(order).putLong(v).array());
    return this;
  }

  CaptureBytes bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  int size() {
    return out.size();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  // ---- classic pcap

  /** A pcap file header: magic (written in {@link #order}), version 2.4, snaplen, link type field. */
  CaptureBytes pcapHeader(int magic, long snaplen, long linkTypeField) {
    return u32(magic).u16(2).u16(4).u32(0).u32(0).u32(snaplen).u32(linkTypeField);
  }

  CaptureBytes pcapRecord(long sec, long frac, byte[] data, int wireLen) {
    return u32(sec).u32(frac).u32(data.length).u32(wireLen).bytes(data);
  }

  // ---- pcapng

  CaptureBytes shb() {
    // type, total 28, byte-order magic, 1.0, section length unknown (-1), trailing
    return u32(0x0A0D0D0A).u32(28).u32(0x1A2B3C4D).u16(1).u16(0).u64(-1).u32(28);
  }

  /** An IDB; {@code options} are whole option TLVs (see {@link #option}), end-of-options is added. */
  CaptureBytes idb(int linkType, long snaplen, byte[]... options) {
    int optLen = 0;
    for (byte[] o : options) {
      optLen += o.length;
    }
    if (options.length > 0) {
      optLen += 4;
    }
    int total = 20 + optLen;
    u32(1).u32(total).u16(linkType).u16(0).u32(snaplen);
    for (byte[] o : options) {
      bytes(o);
    }
    if (options.length > 0) {
      u16(0).u16(0);
    }
    return u32(total);
  }

  /** One option TLV, value padded to 32 bits, in {@link #order}. */
  byte[] option(int code, byte[] value) {
    CaptureBytes o = new CaptureBytes(order);
    o.u16(code).u16(value.length).bytes(value);
    while (o.size() % 4 != 0) {
      o.u8(0);
    }
    return o.toByteArray();
  }

  byte[] tsresolOption(int v) {
    return option(9, new byte[] {(byte) v});
  }

  byte[] tsoffsetOption(long seconds) {
    return option(14, new CaptureBytes(order).u64(seconds).toByteArray());
  }

  CaptureBytes epb(int iface, long rawTs, byte[] data, int wireLen) {
    int padded = (data.length + 3) & ~3;
    int total = 32 + padded;
    u32(6).u32(total).u32(iface).u32(rawTs >>> 32).u32(rawTs & 0xFFFFFFFFL);
    u32(data.length).u32(wireLen).bytes(data).bytes(new byte[padded - data.length]);
    return u32(total);
  }

  CaptureBytes spb(byte[] data, int wireLen) {
    int padded = (data.length + 3) & ~3;
    int total = 16 + padded;
    return u32(3).u32(total).u32(wireLen).bytes(data).bytes(new byte[padded - data.length]).u32(total);
  }

  /** The obsolete Packet Block (type 2). */
  CaptureBytes pb(int iface, long rawTs, byte[] data, int wireLen) {
    int padded = (data.length + 3) & ~3;
    int total = 32 + padded;
    u32(2).u32(total).u16(iface).u16(0).u32(rawTs >>> 32).u32(rawTs & 0xFFFFFFFFL);
    u32(data.length).u32(wireLen).bytes(data).bytes(new byte[padded - data.length]);
    return u32(total);
  }

  /** Any other block, with a body of {@code bodyLen} zero bytes (a multiple of 4). */
  CaptureBytes otherBlock(int type, int bodyLen) {
    int total = 12 + bodyLen;
    return u32(type).u32(total).bytes(new byte[bodyLen]).u32(total);
  }

  /** {@code n} bytes counting up from {@code first}: a recognisable payload. */
  static byte[] payload(int n, int first) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }
}
