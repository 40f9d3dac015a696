package dev.nsm.sensor.spool;

/**
 * One spool entry: an {@code nsm.v1.Event} in protobuf's wire format, exactly the bytes a collector
 * or subscriber receives. The spool writer puts the two delivery fields first, then the record:
 *
 * <pre>
 *   +------+-----+----------------+------+------------+------------------------------------------+
 *   | 0x0A | len | sensor_id UTF-8 | 0x10 | seq varint | record: tag of the oneof field (10 flow,  |
 *   |      |     |  (len bytes)    |      |            | 11 stats, ...), length, the record's bytes |
 *   +------+-----+----------------+------+------------+------------------------------------------+
 *    field 1 (sensor_id, LEN)      field 2 (seq, VARINT)  field 10.. (record, LEN)
 * </pre>
 *
 * Any protobuf parser reads it as an Event (field order does not matter to parsers, and this is the
 * order protobuf's own serializer uses). The static readers here take the seq and the record's field
 * number without parsing the record, for the exporter's and Subscribe's hot loops. They check every
 * length against the bytes present and return -1 when the entry is not of this shape.
 */
public final class SpoolEntry {
  static final int SENSOR_ID_TAG = (1 << 3) | 2; // 0x0A
  static final int SEQ_TAG = 2 << 3; // 0x10

  private SpoolEntry() {}

  /** The seq (field 2) of the entry in {@code b[off, off+len)}, or -1 if it has none where expected. */
  public static long seq(byte[] b, int off, int len) {
    int end = off + len;
    int p = skipSensorId(b, off, end);
    if (p < 0 || p >= end || (b[p] & 0xff) != SEQ_TAG) {
      return -1;
    }
    return varint(b, p + 1, end);
  }

  /** The field number of the record (10 flow, 11 stats, ...), or -1. */
  public static int recordField(byte[] b, int off, int len) {
    int end = off + len;
    int p = skipSensorId(b, off, end);
    if (p < 0 || p >= end || (b[p] & 0xff) != SEQ_TAG) {
      return -1;
    }
    p = skipVarint(b, p + 1, end);
    if (p < 0 || p >= end) {
      return -1;
    }
    long tag = varint(b, p, end);
    return tag < 0 ? -1 : (int) (tag >>> 3);
  }

  private static int skipSensorId(byte[] b, int p, int end) {
    if (p < end && (b[p] & 0xff) == SENSOR_ID_TAG) {
      long n = varint(b, p + 1, end);
      int q = skipVarint(b, p + 1, end);
      if (n < 0 || q < 0 || q + n > end) {
        return -1;
      }
      return (int) (q + n);
    }
    return p;
  }

  /** A base-128 varint at {@code p}; -1 if it runs past {@code end} or over 10 bytes. */
  static long varint(byte[] b, int p, int end) {
    long v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      int x = b[p++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
    return -1;
  }

  private static int skipVarint(byte[] b, int p, int end) {
    for (int i = 0; i < 10 && p < end; i++) {
      if (b[p++] >= 0) {
        return p;
      }
    }
    return -1;
  }

  /** Bytes of a varint of {@code v}. */
  static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7fL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** Writes a varint at {@code p}; returns the position after it. */
  static int putVarint(byte[] b, int p, long v) {
    while ((v & ~0x7fL) != 0) {
      b[p++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    b[p++] = (byte) v;
    return p;
  }
}
