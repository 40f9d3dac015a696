package dev.nsm.sensor.output;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A JSON printer for the sensor's records that writes what protobuf's {@code JsonFormat} writes with
 * {@code preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace()}
 * (the reference; a test compares the two on every record of the corpus), without its cost:
 * {@code JsonFormat} goes through Gson, a TreeMap per message and {@code SimpleDateFormat} per
 * timestamp, about 7 µs and 20 kB per flow record; this is a walk over cached field lists into one
 * {@link StringBuilder}.
 *
 * <p>Rules (protobuf's JSON mapping): fields in field-number order; a field without presence is
 * always written, one with presence (message, {@code optional}, oneof member) only when set; 64-bit
 * integers as strings; enums by name; bytes as base64; Timestamp as RFC 3339 and Duration as
 * {@code "1.5s"}, with 0, 3, 6 or 9 fractional digits; strings escaped as Gson does, except that
 * {@code = < > & '} are written as they are (no HTML here).
 */
public final class ProtoJson {
  private static final ConcurrentHashMap<Descriptor, FieldDescriptor[]> FIELDS = new ConcurrentHashMap<>();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ProtoJson() {}

  /** One message as one line of JSON (no newline). */
  public static String print(Message m) {
    StringBuilder b = new StringBuilder(512);
    message(b, m);
    return b.toString();
  }

  /** The reflective printer's output, for tests. */
  static String printReflective(Message m) {
    StringBuilder b = new StringBuilder(512);
    messageReflective(b, m);
    return b.toString();
  }

  /**
   * Appends one message as JSON, from its wire bytes: the generated serializer writes known fields in
   * field-number order, so one pass over the bytes against the descriptor's fields (also in number
   * order) prints them, with no reflection and no boxing.
   */
  public static void message(StringBuilder b, Message m) {
    byte[] bytes = m.toByteArray();
    Wire w = new Wire(bytes, 0, bytes.length);
    wireMessage(b, m.getDescriptorForType(), w);
  }

  /** Appends the JSON of a message given as protobuf bytes (what the spool and the gRPC stream carry). */
  public static void message(StringBuilder b, Descriptor d, byte[] bytes, int off, int len) {
    wireMessage(b, d, new Wire(bytes, off, off + len));
  }

  /** The reflective printer (the previous implementation), kept for tests to compare with. */
  static void messageReflective(StringBuilder b, Message m) {
    Descriptor d = m.getDescriptorForType();
    switch (d.getFullName()) {
      case "google.protobuf.Timestamp":
        timestamp(b, (Long) m.getField(d.findFieldByNumber(1)), (Integer) m.getField(d.findFieldByNumber(2)));
        return;
      case "google.protobuf.Duration":
        duration(b, (Long) m.getField(d.findFieldByNumber(1)), (Integer) m.getField(d.findFieldByNumber(2)));
        return;
      default:
        if (d.getFile().getPackage().equals("google.protobuf")) {
          throw new IllegalArgumentException("no JSON form here for " + d.getFullName());
        }
    }
    b.append('{');
    boolean first = true;
    for (FieldDescriptor f : fields(d)) {
      if (f.hasPresence() ? !m.hasField(f) : false) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append('"').append(f.getName()).append("\":");
      Object v = m.getField(f);
      if (f.isMapField()) {
        map(b, f, (List<?>) v);
      } else if (f.isRepeated()) {
        b.append('[');
        List<?> list = (List<?>) v;
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            b.append(',');
          }
          value(b, f, list.get(i));
        }
        b.append(']');
      } else {
        value(b, f, v);
      }
    }
    b.append('}');
  }

  // ------------------------------------------------------------------ from wire bytes

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LEN = 2;
  private static final int FIXED32 = 5;

  /** A cursor over protobuf wire bytes. */
  private static final class Wire {
    final byte[] buf;
    int pos;
    final int end;

    Wire(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    /** The next tag without consuming it, or -1 at the end. */
    long peekTag() {
      if (pos >= end) {
        return -1;
      }
      int save = pos;
      long t = varint();
      pos = save;
      return t;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte x = buf[pos++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }

    int fixed32() {
      int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
      pos += 4;
      return v;
    }

    long fixed64() {
      long lo = fixed32() & 0xffffffffL;
      long hi = fixed32() & 0xffffffffL;
      return lo | hi << 32;
    }

    void skip(int wireType) {
      switch (wireType) {
        case VARINT: varint(); break;
        case FIXED64: pos += 8; break;
        case LEN: pos += (int) varint(); break;
        case FIXED32: pos += 4; break;
        default: throw new IllegalArgumentException("unsupported wire type " + wireType);
      }
    }
  }

  private static void wireMessage(StringBuilder b, Descriptor d, Wire w) {
    switch (d.getFullName()) {
      case "google.protobuf.Timestamp":
      case "google.protobuf.Duration": {
        long seconds = 0;
        int nanos = 0;
        while (w.more()) {
          long tag = w.varint();
          int n = (int) (tag >>> 3);
          if (n == 1 && (tag & 7) == VARINT) {
            seconds = w.varint();
          } else if (n == 2 && (tag & 7) == VARINT) {
            nanos = (int) w.varint();
          } else {
            w.skip((int) (tag & 7));
          }
        }
        if (d.getName().equals("Timestamp")) {
          timestamp(b, seconds, nanos);
        } else {
          duration(b, seconds, nanos);
        }
        return;
      }
      default:
        if (d.getFile().getPackage().equals("google.protobuf")) {
          throw new IllegalArgumentException("no JSON form here for " + d.getFullName());
        }
    }
    b.append('{');
    boolean first = true;
    for (FieldDescriptor f : fields(d)) {
      int number = f.getNumber();
      // skip what precedes this field (unknown fields of lower numbers)
      long tag = w.peekTag();
      while (tag >= 0 && (tag >>> 3) < number) {
        w.varint();
        w.skip((int) (tag & 7));
        tag = w.peekTag();
      }
      boolean onWire = tag >= 0 && (tag >>> 3) == number;
      if (!onWire && f.hasPresence()) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append('"').append(f.getName()).append("\":");
      if (f.isMapField()) {
        b.append('{');
        int i = 0;
        while (onWire) {
          w.varint();
          int len = (int) w.varint();
          if (i++ > 0) {
            b.append(',');
          }
          mapEntry(b, f.getMessageType(), new Wire(w.buf, w.pos, w.pos + len));
          w.pos += len;
          tag = w.peekTag();
          onWire = tag >= 0 && (tag >>> 3) == number;
        }
        b.append('}');
      } else if (f.isRepeated()) {
        b.append('[');
        int i = 0;
        while (onWire) {
          w.varint();
          int wireType = (int) (tag & 7);
          if (wireType == LEN && f.isPackable()) {
            int len = (int) w.varint();
            Wire packed = new Wire(w.buf, w.pos, w.pos + len);
            while (packed.more()) {
              if (i++ > 0) {
                b.append(',');
              }
              scalar(b, f, packed);
            }
            w.pos += len;
          } else {
            if (i++ > 0) {
              b.append(',');
            }
            wireValue(b, f, w);
          }
          tag = w.peekTag();
          onWire = tag >= 0 && (tag >>> 3) == number;
        }
        b.append(']');
      } else if (onWire) {
        // a singular field written more than once: the last one wins (messages would merge; ours never repeat)
        w.varint();
        int mark = b.length();
        wireValue(b, f, w);
        tag = w.peekTag();
        while (tag >= 0 && (tag >>> 3) == number) {
          w.varint();
          b.setLength(mark);
          wireValue(b, f, w);
          tag = w.peekTag();
        }
      } else {
        defaultValue(b, f);
      }
    }
    b.append('}');
  }

  private static void mapEntry(StringBuilder b, Descriptor entry, Wire w) {
    FieldDescriptor key = entry.findFieldByNumber(1);
    FieldDescriptor val = entry.findFieldByNumber(2);
    int keyMark = b.length();
    boolean haveKey = false;
    boolean haveVal = false;
    StringBuilder value = new StringBuilder();
    while (w.more()) {
      long tag = w.varint();
      int n = (int) (tag >>> 3);
      if (n == 1) {
        b.setLength(keyMark);
        if (key.getJavaType() == FieldDescriptor.JavaType.STRING) {
          scalar(b, key, w);
        } else {
          b.append('"');
          scalar(b, key, w);
          b.append('"');
        }
        haveKey = true;
      } else if (n == 2) {
        value.setLength(0);
        wireValue(value, val, w);
        haveVal = true;
      } else {
        w.skip((int) (tag & 7));
      }
    }
    if (!haveKey) {
      b.append(key.getJavaType() == FieldDescriptor.JavaType.STRING ? "\"\"" : "\"0\"");
    }
    b.append(':');
    if (haveVal) {
      b.append(value);
    } else {
      defaultValue(b, val);
    }
  }

  private static void wireValue(StringBuilder b, FieldDescriptor f, Wire w) {
    if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      int len = (int) w.varint();
      wireMessage(b, f.getMessageType(), new Wire(w.buf, w.pos, w.pos + len));
      w.pos += len;
    } else {
      scalar(b, f, w);
    }
  }

  /** One scalar value read from the wire and printed. */
  private static void scalar(StringBuilder b, FieldDescriptor f, Wire w) {
    switch (f.getType()) {
      case INT32:
        b.append((int) w.varint());
        break;
      case SINT32: {
        int v = (int) w.varint();
        b.append((v >>> 1) ^ -(v & 1));
        break;
      }
      case SFIXED32:
        b.append(w.fixed32());
        break;
      case UINT32:
        b.append(Integer.toUnsignedString((int) w.varint()));
        break;
      case FIXED32:
        b.append(Integer.toUnsignedString(w.fixed32()));
        break;
      case INT64:
        b.append('"').append(w.varint()).append('"');
        break;
      case SINT64: {
        long v = w.varint();
        b.append('"').append((v >>> 1) ^ -(v & 1)).append('"');
        break;
      }
      case SFIXED64:
        b.append('"').append(w.fixed64()).append('"');
        break;
      case UINT64:
        b.append('"').append(Long.toUnsignedString(w.varint())).append('"');
        break;
      case FIXED64:
        b.append('"').append(Long.toUnsignedString(w.fixed64())).append('"');
        break;
      case BOOL:
        b.append(w.varint() != 0);
        break;
      case FLOAT:
        value(b, f, Float.intBitsToFloat(w.fixed32()));
        break;
      case DOUBLE:
        value(b, f, Double.longBitsToDouble(w.fixed64()));
        break;
      case STRING: {
        int len = (int) w.varint();
        string(b, new String(w.buf, w.pos, len, java.nio.charset.StandardCharsets.UTF_8));
        w.pos += len;
        break;
      }
      case BYTES: {
        int len = (int) w.varint();
        b.append('"').append(Base64.getEncoder().encodeToString(Arrays.copyOfRange(w.buf, w.pos, w.pos + len))).append('"');
        w.pos += len;
        break;
      }
      case ENUM: {
        int n = (int) w.varint();
        EnumValueDescriptor e = f.getEnumType().findValueByNumber(n);
        if (e == null) {
          b.append(n);
        } else {
          b.append('"').append(e.getName()).append('"');
        }
        break;
      }
      default:
        throw new IllegalStateException("not a scalar: " + f.getType());
    }
  }

  /** The JSON of a field's default value (fields without presence that are not on the wire). */
  private static void defaultValue(StringBuilder b, FieldDescriptor f) {
    if (f.isMapField()) {
      b.append("{}");
      return;
    }
    if (f.isRepeated()) {
      b.append("[]");
      return;
    }
    switch (f.getType()) {
      case INT64: case SINT64: case SFIXED64: case UINT64: case FIXED64:
        b.append("\"0\"");
        break;
      case BOOL:
        b.append("false");
        break;
      case FLOAT: case DOUBLE:
        b.append("0.0");
        break;
      case STRING: case BYTES:
        b.append("\"\"");
        break;
      case ENUM:
        b.append('"').append(f.getEnumType().getValues().get(0).getName()).append('"');
        break;
      case MESSAGE: case GROUP:
        throw new IllegalStateException("a message field always has presence: " + f.getFullName());
      default:
        b.append('0');
    }
  }

  private static FieldDescriptor[] fields(Descriptor d) {
    return FIELDS.computeIfAbsent(d, k -> {
      FieldDescriptor[] fs = k.getFields().toArray(new FieldDescriptor[0]);
      Arrays.sort(fs, Comparator.comparingInt(FieldDescriptor::getNumber));
      return fs;
    });
  }

  private static void map(StringBuilder b, FieldDescriptor f, List<?> entries) {
    Descriptor entry = f.getMessageType();
    FieldDescriptor key = entry.findFieldByNumber(1);
    FieldDescriptor val = entry.findFieldByNumber(2);
    b.append('{');
    for (int i = 0; i < entries.size(); i++) {
      Message e = (Message) entries.get(i);
      if (i > 0) {
        b.append(',');
      }
      Object k = e.getField(key);
      if (k instanceof String) {
        string(b, (String) k);
      } else {
        b.append('"').append(k instanceof Long && isUnsigned(key) ? Long.toUnsignedString((Long) k)
            : k instanceof Integer && isUnsigned(key) ? Integer.toUnsignedString((Integer) k) : String.valueOf(k)).append('"');
      }
      b.append(':');
      value(b, val, e.getField(val));
    }
    b.append('}');
  }

  private static boolean isUnsigned(FieldDescriptor f) {
    switch (f.getType()) {
      case UINT32: case FIXED32: case UINT64: case FIXED64:
        return true;
      default:
        return false;
    }
  }

  private static void value(StringBuilder b, FieldDescriptor f, Object v) {
    switch (f.getType()) {
      case INT32: case SINT32: case SFIXED32:
        b.append((int) (Integer) v);
        break;
      case UINT32: case FIXED32:
        b.append(Integer.toUnsignedString((Integer) v));
        break;
      case INT64: case SINT64: case SFIXED64:
        b.append('"').append((long) (Long) v).append('"');
        break;
      case UINT64: case FIXED64:
        b.append('"').append(Long.toUnsignedString((Long) v)).append('"');
        break;
      case BOOL:
        b.append((boolean) (Boolean) v);
        break;
      case FLOAT: {
        float x = (Float) v;
        if (Float.isFinite(x)) {
          b.append(x);
        } else {
          b.append('"').append(Float.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity").append('"');
        }
        break;
      }
      case DOUBLE: {
        double x = (Double) v;
        if (Double.isFinite(x)) {
          b.append(x);
        } else {
          b.append('"').append(Double.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity").append('"');
        }
        break;
      }
      case STRING:
        string(b, (String) v);
        break;
      case BYTES:
        b.append('"').append(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray())).append('"');
        break;
      case ENUM: {
        EnumValueDescriptor e = (EnumValueDescriptor) v;
        if (e.getIndex() < 0 || e.getType().findValueByNumber(e.getNumber()) == null) {
          b.append(e.getNumber()); // a value this build does not know
        } else {
          b.append('"').append(e.getName()).append('"');
        }
        break;
      }
      case MESSAGE: case GROUP:
        messageReflective(b, (Message) v);
        break;
      default:
        throw new IllegalStateException("unknown field type " + f.getType());
    }
  }

  /** A JSON string as Gson writes it, but with {@code = < > & '} left as they are. */
  static void string(StringBuilder b, String s) {
    b.append('"');
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\t': b.append("\\t"); break;
        case '\b': b.append("\\b"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\f': b.append("\\f"); break;
        case '\u2028': b.append("\\u2028"); break;
        case '\u2029': b.append("\\u2029"); break;
        default:
          if (c < 0x20) {
            b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }

  /** RFC 3339 in UTC, as protobuf's {@code Timestamps.toString}. */
  static void timestamp(StringBuilder b, long seconds, int nanos) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
    b.append('"');
    pad(b, t.getYear(), 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append('T');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2);
    fraction(b, nanos);
    b.append("Z\"");
  }

  /** As protobuf's {@code Durations.toString}: "-1.5s", "0s", "0.000031s". */
  static void duration(StringBuilder b, long seconds, int nanos) {
    b.append('"');
    if (seconds < 0 || nanos < 0) {
      b.append('-');
      seconds = -seconds;
      nanos = -nanos;
    }
    b.append(seconds);
    fraction(b, nanos);
    b.append("s\"");
  }

  private static void fraction(StringBuilder b, int nanos) {
    if (nanos == 0) {
      return;
    }
    b.append('.');
    if (nanos % 1_000_000 == 0) {
      pad(b, nanos / 1_000_000, 3);
    } else if (nanos % 1000 == 0) {
      pad(b, nanos / 1000, 6);
    } else {
      pad(b, nanos, 9);
    }
  }

  private static StringBuilder pad(StringBuilder b, int v, int width) {
    String s = Integer.toString(v);
    for (int i = s.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(s);
  }
}
