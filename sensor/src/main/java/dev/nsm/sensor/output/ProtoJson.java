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
 * timestamp, about 7 µs and 20 kB per flow record. {@link #print} goes through {@link WireJson}
 * (from the message's wire bytes, no allocation but the bytes); the reflective printer here (a walk
 * over cached field lists into one {@link StringBuilder}) is its fallback and a reference in tests.
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

  private static final ThreadLocal<WireJson> WIRE = ThreadLocal.withInitial(WireJson::new);

  /**
   * One message as one line of JSON (no newline): its wire bytes through {@link WireJson}, the one
   * printer from wire bytes; what that declines (nothing our serializer writes) through the
   * reflective printer.
   */
  public static String print(Message m) {
    byte[] bytes = m.toByteArray();
    WireJson w = WIRE.get();
    if (w.line(m.getDescriptorForType(), bytes, 0, bytes.length)) {
      return new String(w.bytes(), 0, w.length() - 1, java.nio.charset.StandardCharsets.UTF_8);
    }
    return printReflective(m);
  }

  /** The reflective printer's output: the fallback, and a second reference for tests. */
  static String printReflective(Message m) {
    StringBuilder b = new StringBuilder(512);
    messageReflective(b, m);
    return b.toString();
  }

  /** The reflective printer: walks the message's fields with the descriptors (boxing each value). */
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
