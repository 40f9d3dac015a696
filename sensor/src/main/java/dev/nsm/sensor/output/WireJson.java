package dev.nsm.sensor.output;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Protobuf wire bytes straight to the JSON that protobuf's {@code JsonFormat} prints for the parsed
 * message (with {@code preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence()
 * .omittingInsignificantWhitespace()}, and {@code = < > & '} left as they are), byte for byte, without
 * parsing into message objects. The one JSON printer from wire bytes of the sensor: the bundled
 * collector's (a record arrives as bytes and leaves as a line) and the replay's
 * ({@link JsonLines} serializes each event into a reused buffer and prints it from there).
 * {@link ProtoJson}'s reflective printer is the fallback for what this declines, and the reference
 * in tests. No allocation per record once warm.
 *
 * <p>How: each message's bytes are scanned once into a table of (field, where) entries; then the
 * fields are written in field-number order (ProtoJson's), the absent ones without presence as their
 * defaults. A string's UTF-8 bytes are copied with JSON escaping done on bytes (the escapes are all
 * ASCII, and U+2028/U+2029 are matched as their 3-byte forms).
 *
 * <p>Map fields (the stats record's counters) are written as JSON objects in wire order (a parsed
 * message keeps the entries in that order); an entry without its key or value gets the default.
 *
 * <p>What it declines, returning false so that the caller takes the slow path (parse, ProtoJson):
 * a singular message field sent twice (protobuf would merge them), a map key sent twice, a map entry
 * without its message value, groups, malformed bytes, strings that are not valid UTF-8.
 */
public final class WireJson {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_DEPTH = 16;

  /** One message type's fields by number, with their names already as {@code "name":} bytes. */
  private static final class Plan {
    final Descriptor type;
    final FieldDescriptor[] byNumber; // index = field number (small numbers only)
    final FieldDescriptor[] ordered;
    final int[] slotOf; // field number -> index into ordered
    final byte[][] keys;
    final boolean simple; // no groups
    final boolean[] map; // per field: a map field (repeated entries with key 1 and value 2)
    final int special; // 1 Timestamp, 2 Duration
    // per field (index into ordered), looked up once: protobuf 4's descriptors compute presence and
    // types from feature sets on every call, which showed in profiles
    final boolean[] presence;
    final boolean[] repeated;
    final boolean[] packable;
    final FieldDescriptor.Type[] types;
    final FieldDescriptor.JavaType[] javaTypes;

    Plan(Descriptor d) {
      type = d;
      ordered = d.getFields().toArray(new FieldDescriptor[0]);
      Arrays.sort(ordered, Comparator.comparingInt(FieldDescriptor::getNumber));
      int max = ordered.length == 0 ? 0 : ordered[ordered.length - 1].getNumber();
      byNumber = new FieldDescriptor[max <= 4096 ? max + 1 : 0];
      slotOf = new int[byNumber.length];
      keys = new byte[ordered.length][];
      boolean s = max <= 4096;
      for (int i = 0; i < ordered.length; i++) {
        FieldDescriptor f = ordered[i];
        if (max <= 4096) {
          byNumber[f.getNumber()] = f;
          slotOf[f.getNumber()] = i;
        }
        keys[i] = ("\"" + f.getName() + "\":").getBytes(StandardCharsets.UTF_8);
        if (f.getType() == FieldDescriptor.Type.GROUP) {
          s = false;
        }
      }
      simple = s;
      map = new boolean[ordered.length];
      presence = new boolean[ordered.length];
      repeated = new boolean[ordered.length];
      packable = new boolean[ordered.length];
      types = new FieldDescriptor.Type[ordered.length];
      javaTypes = new FieldDescriptor.JavaType[ordered.length];
      for (int i = 0; i < ordered.length; i++) {
        map[i] = ordered[i].isMapField();
        presence[i] = ordered[i].hasPresence();
        repeated[i] = ordered[i].isRepeated();
        packable[i] = ordered[i].isPackable();
        types[i] = ordered[i].getType();
        javaTypes[i] = ordered[i].getJavaType();
      }
      special = d.getFullName().equals("google.protobuf.Timestamp") ? 1 : d.getFullName().equals("google.protobuf.Duration") ? 2 : 0;
    }
  }

  /** Per nesting level: where each field occurrence is, in wire order. */
  private static final class Frame {
    int n;
    int[] slot = new int[32];
    int[] pos = new int[32]; // value offset (varint: where it starts; LEN: payload start; fixed: start)
    int[] len = new int[32]; // payload length for LEN, else the wire type's size
    int[] wire = new int[32];

    void add(int s, int w, int p, int l) {
      if (n == slot.length) {
        slot = Arrays.copyOf(slot, n * 2);
        pos = Arrays.copyOf(pos, n * 2);
        len = Arrays.copyOf(len, n * 2);
        wire = Arrays.copyOf(wire, n * 2);
      }
      slot[n] = s;
      wire[n] = w;
      pos[n] = p;
      len[n] = l;
      n++;
    }
  }

  private final Map<Descriptor, Plan> plans = new IdentityHashMap<>();
  private final Frame[] frames = new Frame[MAX_DEPTH];
  private byte[] out = new byte[4096];
  private int o;
  private byte[] in;

  /** Not thread-safe: one per thread (the collector's writer). */
  public WireJson() {
    for (int i = 0; i < MAX_DEPTH; i++) {
      frames[i] = new Frame();
    }
  }

  /**
   * Writes the JSON of the message of type {@code type} in {@code b[off, off+len)} and a newline into
   * this object's buffer ({@link #bytes()}[0, {@link #length()})). False (buffer undefined): take the
   * slow path.
   */
  public boolean line(Descriptor type, byte[] b, int off, int len) {
    in = b;
    o = 0;
    try {
      if (!message(plan(type), off, off + len, 0)) {
        return false;
      }
    } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
      return false; // malformed: the slow path says what is wrong
    }
    put((byte) '\n');
    return true;
  }

  public byte[] bytes() {
    return out;
  }

  public int length() {
    return o;
  }

  private Plan plan(Descriptor d) {
    Plan p = plans.get(d);
    if (p == null) {
      p = new Plan(d);
      plans.put(d, p);
    }
    return p;
  }

  private boolean message(Plan p, int start, int end, int depth) {
    if (!p.simple || depth >= MAX_DEPTH || p.byNumber.length == 0 && p.ordered.length > 0) {
      return false;
    }
    if (p.special != 0) {
      return special(p.special, start, end);
    }
    Frame f = frames[depth];
    f.n = 0;
    int i = start;
    boolean sorted = true;
    int lastSlot = -1;
    while (i < end) {
      long tag = varint(i, end);
      i = next;
      int number = (int) (tag >>> 3);
      int w = (int) (tag & 7);
      int valueAt = i;
      int size;
      switch (w) {
        case 0:
          varint(i, end);
          size = next - i;
          i = next;
          break;
        case 1:
          size = 8;
          i += 8;
          break;
        case 2: {
          long l = varint(i, end);
          valueAt = next;
          if (l < 0 || l > end - next) {
            return false;
          }
          size = (int) l;
          i = next + size;
          break;
        }
        case 5:
          size = 4;
          i += 4;
          break;
        default:
          return false; // groups
      }
      if (i > end) {
        return false;
      }
      if (number <= 0 || number >= p.byNumber.length || p.byNumber[number] == null) {
        continue; // unknown field: ProtoJson does not print it
      }
      int slot = p.slotOf[number];
      if (slot < lastSlot) {
        sorted = false;
      }
      lastSlot = slot;
      f.add(slot, w, valueAt, size);
    }
    if (!sorted) {
      sortBySlot(f);
    }
    put((byte) '{');
    boolean first = true;
    int e = 0;
    for (int s = 0; s < p.ordered.length; s++) {
      FieldDescriptor fd = p.ordered[s];
      int from = e;
      while (e < f.n && f.slot[e] == s) {
        e++;
      }
      int count = e - from;
      if (count == 0 && p.presence[s]) {
        continue;
      }
      if (!first) {
        put((byte) ',');
      }
      first = false;
      put(p.keys[s]);
      FieldDescriptor.Type type = p.types[s];
      if (p.map[s]) {
        if (!map(fd, f, from, e, depth)) {
          return false;
        }
      } else if (p.repeated[s]) {
        put((byte) '[');
        boolean firstItem = true;
        for (int k = from; k < e; k++) {
          if (f.wire[k] == 2 && p.packable[s]) {
            // packed: a run of values in one LEN field
            int q = f.pos[k];
            int qend = q + f.len[k];
            while (q < qend) {
              if (!firstItem) {
                put((byte) ',');
              }
              firstItem = false;
              q = packedValue(fd, type, q, qend);
              if (q < 0) {
                return false;
              }
            }
          } else {
            if (!firstItem) {
              put((byte) ',');
            }
            firstItem = false;
            if (!value(fd, type, f.wire[k], f.pos[k], f.len[k], depth)) {
              return false;
            }
          }
        }
        put((byte) ']');
      } else if (count == 0) {
        defaultValue(fd, p.javaTypes[s]);
      } else {
        if (count > 1 && p.javaTypes[s] == FieldDescriptor.JavaType.MESSAGE) {
          return false; // protobuf merges repeated occurrences of a message field
        }
        int k = e - 1; // the last occurrence wins
        if (!value(fd, type, f.wire[k], f.pos[k], f.len[k], depth)) {
          return false;
        }
      }
      f = frames[depth]; // (value() may recurse into deeper frames only)
    }
    put((byte) '}');
    return true;
  }

  /**
   * A map field: the entries {@code f[from, to)} (each an embedded message: key = 1, value = 2) as one
   * JSON object, keys as strings (JsonFormat's form: numbers and booleans quoted).
   */
  private boolean map(FieldDescriptor fd, Frame f, int from, int to, int depth) {
    Descriptor entry = fd.getMessageType();
    FieldDescriptor keyFd = entry.findFieldByNumber(1);
    FieldDescriptor valFd = entry.findFieldByNumber(2);
    put((byte) '{');
    for (int k = from; k < to; k++) {
      if (f.wire[k] != 2) {
        return false;
      }
      int i = f.pos[k];
      int end = i + f.len[k];
      int keyAt = -1, keyWire = 0, keyLen = 0, valAt = -1, valWire = 0, valLen = 0;
      while (i < end) {
        long tag = varint(i, end);
        i = next;
        int n = (int) (tag >>> 3);
        int w = (int) (tag & 7);
        int at = i;
        int size;
        switch (w) {
          case 0: varint(i, end); size = next - i; i = next; break;
          case 1: size = 8; i += 8; break;
          case 2: {
            long l = varint(i, end);
            if (l < 0 || l > end - next) {
              return false;
            }
            at = next;
            size = (int) l;
            i = next + size;
            break;
          }
          case 5: size = 4; i += 4; break;
          default: return false;
        }
        if (i > end) {
          return false;
        }
        if (n == 1) {
          keyAt = at; keyWire = w; keyLen = size;
        } else if (n == 2) {
          if (valAt >= 0 && valFd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return false; // merged
          }
          valAt = at; valWire = w; valLen = size;
        }
      }
      // a key seen before in this map: protobuf keeps one entry (the last value); decline
      if (k > from && duplicateKey(f, from, k, keyAt, keyLen)) {
        return false;
      }
      if (k > from) {
        put((byte) ',');
      }
      FieldDescriptor.JavaType kt = keyFd.getJavaType();
      if (keyAt < 0) {
        putAscii(kt == FieldDescriptor.JavaType.STRING ? "\"\"" : kt == FieldDescriptor.JavaType.BOOLEAN ? "\"false\"" : "\"0\"");
      } else if (kt == FieldDescriptor.JavaType.STRING) {
        if (keyWire != 2 || !string(keyAt, keyLen)) {
          return false;
        }
      } else if (kt == FieldDescriptor.JavaType.LONG) {
        if (keyWire == 2 || packedValue(keyFd, keyFd.getType(), keyAt, keyAt + keyLen) < 0) {
          return false; // 64-bit values are quoted already
        }
      } else {
        put((byte) '"');
        if (keyWire == 2 || packedValue(keyFd, keyFd.getType(), keyAt, keyAt + keyLen) < 0) {
          return false;
        }
        put((byte) '"');
      }
      put((byte) ':');
      if (valAt < 0) {
        if (valFd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          return false;
        }
        defaultValue(valFd, valFd.getJavaType());
      } else if (!value(valFd, valFd.getType(), valWire, valAt, valLen, depth)) {
        return false;
      }
    }
    put((byte) '}');
    return true;
  }

  /** Whether an earlier entry of {@code f[from, k)} has the same key bytes as {@code in[keyAt, +keyLen)}. */
  private boolean duplicateKey(Frame f, int from, int k, int keyAt, int keyLen) {
    // few entries per map (the stats record's counters): a quadratic scan of the key bytes
    for (int j = from; j < k; j++) {
      int i = f.pos[j];
      int end = i + f.len[j];
      int at = -1, len = 0;
      while (i < end) {
        long tag = varint(i, end);
        i = next;
        int w = (int) (tag & 7);
        int start = i;
        int size;
        if (w == 0) {
          varint(i, end);
          size = next - i;
          i = next;
        } else if (w == 2) {
          size = (int) varint(i, end);
          start = next;
          i = next + size;
        } else {
          size = w == 1 ? 8 : 4;
          i += size;
        }
        if (tag >>> 3 == 1) {
          at = start;
          len = size;
        }
      }
      if (at < 0 && keyAt < 0) {
        return true;
      }
      if (at >= 0 && keyAt >= 0 && len == keyLen && Arrays.equals(in, at, at + len, in, keyAt, keyAt + keyLen)) {
        return true;
      }
    }
    return false;
  }

  private static void sortBySlot(Frame f) {
    for (int i = 1; i < f.n; i++) { // stable insertion sort: few entries
      int s = f.slot[i];
      int w = f.wire[i];
      int p = f.pos[i];
      int l = f.len[i];
      int j = i - 1;
      while (j >= 0 && f.slot[j] > s) {
        f.slot[j + 1] = f.slot[j];
        f.wire[j + 1] = f.wire[j];
        f.pos[j + 1] = f.pos[j];
        f.len[j + 1] = f.len[j];
        j--;
      }
      f.slot[j + 1] = s;
      f.wire[j + 1] = w;
      f.pos[j + 1] = p;
      f.len[j + 1] = l;
    }
  }

  /** One value of a field at {@code pos} (wire type {@code w}); false to decline. */
  private boolean value(FieldDescriptor fd, FieldDescriptor.Type type, int w, int pos, int len, int depth) {
    switch (type) {
      case MESSAGE:
        if (w != 2) {
          return false;
        }
        return message(plan(fd.getMessageType()), pos, pos + len, depth + 1);
      case STRING:
        if (w != 2) {
          return false;
        }
        return string(pos, len);
      case BYTES:
        if (w != 2) {
          return false;
        }
        put((byte) '"');
        put(Base64.getEncoder().encode(Arrays.copyOfRange(in, pos, pos + len)));
        put((byte) '"');
        return true;
      default:
        if (w == 2) {
          return false;
        }
        return packedValue(fd, type, pos, pos + (w == 0 ? 10 : w == 1 ? 8 : 4)) >= 0;
    }
  }

  /** A scalar at {@code q}; returns the position after it, or -1. */
  private int packedValue(FieldDescriptor fd, FieldDescriptor.Type type, int q, int end) {
    switch (type) {
      case INT32: {
        long v = varint(q, end);
        putLong((int) v);
        return next;
      }
      case SINT32: {
        long v = varint(q, end);
        putLong((int) ((v >>> 1) ^ -(v & 1)));
        return next;
      }
      case UINT32: {
        long v = varint(q, end);
        putLong(v & 0xffffffffL);
        return next;
      }
      case INT64: {
        long v = varint(q, end);
        put((byte) '"');
        putLong(v);
        put((byte) '"');
        return next;
      }
      case SINT64: {
        long v = varint(q, end);
        put((byte) '"');
        putLong((v >>> 1) ^ -(v & 1));
        put((byte) '"');
        return next;
      }
      case UINT64: {
        long v = varint(q, end);
        put((byte) '"');
        putAscii(Long.toUnsignedString(v));
        put((byte) '"');
        return next;
      }
      case BOOL: {
        long v = varint(q, end);
        putAscii(v != 0 ? "true" : "false");
        return next;
      }
      case ENUM: {
        long v = varint(q, end);
        EnumValueDescriptor e = fd.getEnumType().findValueByNumber((int) v);
        if (e == null) {
          putLong((int) v);
        } else {
          put((byte) '"');
          putAscii(e.getName());
          put((byte) '"');
        }
        return next;
      }
      case FIXED32:
        putLong(le32(q) & 0xffffffffL);
        return q + 4;
      case SFIXED32:
        putLong(le32(q));
        return q + 4;
      case FIXED64:
        put((byte) '"');
        putAscii(Long.toUnsignedString(le64(q)));
        put((byte) '"');
        return q + 8;
      case SFIXED64:
        put((byte) '"');
        putLong(le64(q));
        put((byte) '"');
        return q + 8;
      case FLOAT: {
        float x = Float.intBitsToFloat(le32(q));
        if (Float.isFinite(x)) {
          putAscii(Float.toString(x));
        } else {
          putAscii(Float.isNaN(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        }
        return q + 4;
      }
      case DOUBLE: {
        double x = Double.longBitsToDouble(le64(q));
        if (Double.isFinite(x)) {
          putAscii(Double.toString(x));
        } else {
          putAscii(Double.isNaN(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        }
        return q + 8;
      }
      default:
        return -1;
    }
  }

  private void defaultValue(FieldDescriptor fd, FieldDescriptor.JavaType javaType) {
    switch (javaType) {
      case STRING:
      case BYTE_STRING:
        putAscii("\"\"");
        break;
      case BOOLEAN:
        putAscii("false");
        break;
      case LONG:
        putAscii("\"0\"");
        break;
      case FLOAT:
      case DOUBLE:
        putAscii("0.0");
        break;
      case ENUM:
        put((byte) '"');
        putAscii(fd.getEnumType().getValues().get(0).getName());
        put((byte) '"');
        break;
      default:
        put((byte) '0');
    }
  }

  /** Timestamp (1) and Duration (2), as ProtoJson writes them. */
  private boolean special(int kind, int start, int end) {
    long seconds = 0;
    long nanos = 0;
    int i = start;
    while (i < end) {
      long tag = varint(i, end);
      i = next;
      if ((tag & 7) != 0) {
        return false;
      }
      long v = varint(i, end);
      i = next;
      if (tag >>> 3 == 1) {
        seconds = v;
      } else if (tag >>> 3 == 2) {
        nanos = (int) v;
      }
    }
    if (kind == 1) {
      if (seconds < -62_135_596_800L || seconds > 253_402_300_799L || nanos < 0 || nanos > 999_999_999) {
        return false; // outside 0001..9999 or not normalized: ProtoJson's own path says what it makes of it
      }
      timestamp(seconds, (int) nanos);
    } else {
      if (nanos < -999_999_999 || nanos > 999_999_999 || seconds == Long.MIN_VALUE) {
        return false;
      }
      put((byte) '"');
      if (seconds < 0 || nanos < 0) {
        put((byte) '-');
        seconds = -seconds;
        nanos = -nanos;
      }
      putLong(seconds);
      fraction((int) nanos);
      put((byte) 's');
      put((byte) '"');
    }
    return true;
  }

  /** RFC 3339 in UTC as ProtoJson.timestamp writes it, without calendar objects (days to civil date: H. Hinnant). */
  private void timestamp(long seconds, int nanos) {
    long days = Math.floorDiv(seconds, 86_400L);
    int sod = (int) Math.floorMod(seconds, 86_400L);
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    ensure(32);
    out[o++] = '"';
    digits(year, 4);
    out[o++] = '-';
    digits(month, 2);
    out[o++] = '-';
    digits(day, 2);
    out[o++] = 'T';
    digits(sod / 3600, 2);
    out[o++] = ':';
    digits(sod / 60 % 60, 2);
    out[o++] = ':';
    digits(sod % 60, 2);
    fraction(nanos);
    put((byte) 'Z');
    put((byte) '"');
  }

  /** 0, 3, 6 or 9 fractional digits, as protobuf's Timestamps/Durations write them. */
  private void fraction(int nanos) {
    if (nanos == 0) {
      return;
    }
    ensure(10);
    out[o++] = '.';
    if (nanos % 1_000_000 == 0) {
      digits(nanos / 1_000_000, 3);
    } else if (nanos % 1000 == 0) {
      digits(nanos / 1000, 6);
    } else {
      digits(nanos, 9);
    }
  }

  /** {@code v} (>= 0) in exactly {@code width} digits, zero-padded (room ensured by the caller). */
  private void digits(int v, int width) {
    for (int i = o + width - 1; i >= o; i--) {
      out[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    o += width;
  }

  /** A JSON string from UTF-8 bytes, escaped as {@link ProtoJson#string}; false if not valid UTF-8. */
  private boolean string(int pos, int len) {
    ensure(len * 6 + 2);
    byte[] b = out;
    b[o++] = '"';
    int end = pos + len;
    for (int i = pos; i < end; i++) {
      int c = in[i] & 0xff;
      if (c < 0x80) {
        o = ascii(b, o, c);
      } else {
        // a multi-byte sequence: check it (ProtoJson's input was a valid Java string), copy it
        int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (n == 0 || c > 0xf4 || i + n > end) {
          return false;
        }
        for (int k = 1; k < n; k++) {
          if ((in[i + k] & 0xc0) != 0x80) {
            return false;
          }
        }
        int c1 = in[i + 1] & 0xff;
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90)) {
          return false; // overlong, surrogate or past U+10FFFF
        }
        if (c == 0xe2 && c1 == 0x80 && ((in[i + 2] & 0xff) == 0xa8 || (in[i + 2] & 0xff) == 0xa9)) {
          b[o++] = '\\';
          b[o++] = 'u';
          b[o++] = '2';
          b[o++] = '0';
          b[o++] = '2';
          b[o++] = (byte) ((in[i + 2] & 0xff) == 0xa8 ? '8' : '9');
        } else {
          for (int k = 0; k < n; k++) {
            b[o++] = in[i + k];
          }
        }
        i += n - 1;
      }
    }
    b[o++] = '"';
    return true;
  }

  // ---------------------------------------------------------------- flow records from the message

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] K_SENSOR_ID = ascii("{\"sensor_id\":");
  private static final byte[] K_SEQ = ascii("\"seq\":\"");
  private static final byte[] K_FLOW = ascii("\"flow\":{\"uid\":");
  private static final byte[] K_COMMUNITY_ID = ascii(",\"community_id\":");
  private static final byte[] K_TS = ascii(",\"ts\":");
  private static final byte[] K_LAST_TS = ascii(",\"last_ts\":");
  private static final byte[] K_ORIG_H = ascii(",\"orig_h\":");
  private static final byte[] K_ORIG_P = ascii(",\"orig_p\":");
  private static final byte[] K_RESP_H = ascii(",\"resp_h\":");
  private static final byte[] K_RESP_P = ascii(",\"resp_p\":");
  private static final byte[] K_PROTO = ascii(",\"proto\":");
  private static final byte[] K_SERVICE = ascii(",\"service\":[");
  private static final byte[] K_DURATION = ascii(",\"duration\":");
  private static final byte[] K_ORIG_BYTES = ascii(",\"orig_bytes\":\"");
  private static final byte[] K_RESP_BYTES = ascii("\",\"resp_bytes\":\"");
  private static final byte[] K_CONN_STATE = ascii("\",\"conn_state\":");
  private static final byte[] K_HISTORY = ascii(",\"history\":");
  private static final byte[] K_MISSED_BYTES = ascii(",\"missed_bytes\":\"");
  private static final byte[] K_ORIG_PKTS = ascii("\",\"orig_pkts\":\"");
  private static final byte[] K_ORIG_IP_BYTES = ascii("\",\"orig_ip_bytes\":\"");
  private static final byte[] K_RESP_PKTS = ascii("\",\"resp_pkts\":\"");
  private static final byte[] K_RESP_IP_BYTES = ascii("\",\"resp_ip_bytes\":\"");
  private static final byte[] K_VLAN = ascii("\",\"vlan\":[");
  private static final byte[] K_END_REASON = ascii(",\"end_reason\":");
  private static final byte[] K_TUNNEL_PARENTS = ascii(",\"tunnel_parents\":[");
  private static final byte[] K_IP_PROTO = ascii(",\"ip_proto\":");

  /**
   * Writes the line of an event holding a flow record (the most frequent record) straight from the
   * message's getters, without serializing it first: the same bytes {@link #line} writes from its wire
   * form (fields in number order, the rules of the class comment; a test compares the two on golden
   * and random records). False for any other event: print it with {@link #line}.
   */
  public boolean flowLine(dev.nsm.proto.v1.Event e) {
    if (!e.hasFlow()) {
      return false;
    }
    o = 0;
    if (e.hasSensorId()) {
      put(K_SENSOR_ID);
      putString(e.getSensorId());
      put((byte) ',');
    } else {
      put((byte) '{');
    }
    if (e.hasSeq()) {
      put(K_SEQ);
      putAscii(Long.toUnsignedString(e.getSeq()));
      put((byte) '"');
      put((byte) ',');
    }
    dev.nsm.proto.v1.Flow f = e.getFlow();
    int nServices = f.getServiceCount();
    int nParents = f.getTunnelParentsCount();
    int nVlans = f.getVlanCount();
    String[] services = scratch(0, nServices);
    String[] parents = scratch(1, nParents);
    for (int i = 0; i < nServices; i++) {
      services[i] = f.getService(i);
    }
    for (int i = 0; i < nParents; i++) {
      parents[i] = f.getTunnelParents(i);
    }
    if (vlanScratch.length < nVlans) {
      vlanScratch = new int[nVlans];
    }
    for (int i = 0; i < nVlans; i++) {
      vlanScratch[i] = f.getVlan(i);
    }
    com.google.protobuf.Timestamp ts = f.getTs();
    com.google.protobuf.Timestamp last = f.getLastTs();
    com.google.protobuf.Duration d = f.getDuration();
    return flowFields(f.getUid(), f.getCommunityId(), f.hasTs(), ts.getSeconds(), ts.getNanos(), f.hasLastTs(),
        last.getSeconds(), last.getNanos(), f.getOrigH(), f.getOrigP(), f.getRespH(), f.getRespP(), f.getProto(),
        services, nServices, parents, nParents, f.hasDuration(), d.getSeconds(), d.getNanos(), f.getOrigBytes(),
        f.getRespBytes(), f.getConnState(), f.getHistory(), f.getMissedBytes(), f.getOrigPkts(), f.getOrigIpBytes(),
        f.getRespPkts(), f.getRespIpBytes(), vlanScratch, nVlans, f.getEndReasonValue(), f.getIpProto());
  }

  private final String[][] stringScratch = {new String[8], new String[8]};
  private int[] vlanScratch = new int[2];
  private final int[] twoVlans = new int[2];

  private String[] scratch(int which, int n) {
    if (stringScratch[which].length < n) {
      stringScratch[which] = new String[n];
    }
    return stringScratch[which];
  }

  /**
   * A flow record's fields after the line's start (and sensor_id and seq, if any), shared by both
   * flow printers: in field number order, as {@link #line} prints them from the wire form. False
   * when a time is outside what a JSON timestamp or duration takes (the caller's slow path says).
   */
  private boolean flowFields(String uid, String communityId, boolean hasTs, long tsSeconds, int tsNanos,
      boolean hasLast, long lastSeconds, int lastNanos, String origH, int origP, String respH, int respP,
      String proto, String[] services, int nServices, String[] parents, int nParents, boolean hasDuration,
      long durSeconds, int durNanos, long origBytes, long respBytes, String connState, String history,
      long missedBytes, long origPkts, long origIpBytes, long respPkts, long respIpBytes, int[] vlans,
      int nVlans, int reason, int ipProto) {
    put(K_FLOW);
    putString(uid);
    put(K_COMMUNITY_ID);
    putString(communityId);
    if (hasTs) {
      put(K_TS);
      if (!timestampChecked(tsSeconds, tsNanos)) {
        return false;
      }
    }
    if (hasLast) {
      put(K_LAST_TS);
      if (!timestampChecked(lastSeconds, lastNanos)) {
        return false;
      }
    }
    put(K_ORIG_H);
    putString(origH);
    put(K_ORIG_P);
    putLong(origP & 0xffffffffL);
    put(K_RESP_H);
    putString(respH);
    put(K_RESP_P);
    putLong(respP & 0xffffffffL);
    put(K_PROTO);
    putString(proto);
    put(K_SERVICE);
    for (int i = 0; i < nServices; i++) {
      if (i > 0) {
        put((byte) ',');
      }
      putString(services[i]);
    }
    put((byte) ']');
    if (hasDuration) {
      put(K_DURATION);
      if (!durationChecked(durSeconds, durNanos)) {
        return false;
      }
    }
    put(K_ORIG_BYTES);
    putUnsigned(origBytes);
    put(K_RESP_BYTES);
    putUnsigned(respBytes);
    put(K_CONN_STATE);
    putString(connState);
    put(K_HISTORY);
    putString(history);
    put(K_MISSED_BYTES);
    putUnsigned(missedBytes);
    put(K_ORIG_PKTS);
    putUnsigned(origPkts);
    put(K_ORIG_IP_BYTES);
    putUnsigned(origIpBytes);
    put(K_RESP_PKTS);
    putUnsigned(respPkts);
    put(K_RESP_IP_BYTES);
    putUnsigned(respIpBytes);
    put(K_VLAN);
    for (int i = 0; i < nVlans; i++) {
      if (i > 0) {
        put((byte) ',');
      }
      putLong(vlans[i] & 0xffffffffL);
    }
    put((byte) ']');
    put(K_END_REASON);
    dev.nsm.proto.v1.EndReason r = dev.nsm.proto.v1.EndReason.forNumber(reason);
    if (r == null) {
      putLong(reason); // a value this build does not know: its number, as JsonFormat
    } else {
      put((byte) '"');
      putAscii(r.name());
      put((byte) '"');
    }
    put(K_TUNNEL_PARENTS);
    for (int i = 0; i < nParents; i++) {
      if (i > 0) {
        put((byte) ',');
      }
      putString(parents[i]);
    }
    put((byte) ']');
    put(K_IP_PROTO);
    putLong(ipProto & 0xffffffffL);
    put((byte) '}');
    put((byte) '}');
    put((byte) '\n');
    return true;
  }

  /**
   * A flow record's JSON line made from its values, without an {@link dev.nsm.proto.v1.Event}: the
   * same bytes as {@link #flowLine(dev.nsm.proto.v1.Event)} prints for the Event that {@code
   * FlowRecords.toEvent} builds from them (no sensor_id, no seq: replay's JSON output). Times are
   * nanoseconds since the epoch (a long's range, 1677 to 2262, is always within JSON's), the duration
   * nanoseconds. Returns the line as a new array (null only if a time were out of JSON's range: the
   * caller then goes the Event's way).
   */
  public byte[] flowLine(String uid, String communityId, long startNanos, long lastNanos, String origH,
      int origP, String respH, int respP, String proto, String[] services, int nServices, String[] parents,
      int nParents, long durationNanos, long origBytes, long respBytes, String connState, String history,
      long missedBytes, long origPkts, long origIpBytes, long respPkts, long respIpBytes, int vlanCount,
      int vlan0, int vlan1, dev.nsm.proto.v1.EndReason reason, int ipProto) {
    o = 0;
    put((byte) '{');
    twoVlans[0] = vlan0;
    twoVlans[1] = vlan1;
    if (!flowFields(uid, communityId, true, Math.floorDiv(startNanos, 1_000_000_000L),
        (int) Math.floorMod(startNanos, 1_000_000_000L), true, Math.floorDiv(lastNanos, 1_000_000_000L),
        (int) Math.floorMod(lastNanos, 1_000_000_000L), origH, origP, respH, respP, proto, services, nServices,
        parents, nParents, true, durationNanos / 1_000_000_000L, (int) (durationNanos % 1_000_000_000L), origBytes,
        respBytes, connState, history, missedBytes, origPkts, origIpBytes, respPkts, respIpBytes, twoVlans,
        Math.min(vlanCount, 2), reason.getNumber(), ipProto)) {
      return null;
    }
    return Arrays.copyOf(out, o);
  }

  private void putUnsigned(long v) {
    if (v >= 0) {
      putLong(v);
    } else {
      putAscii(Long.toUnsignedString(v));
    }
  }

  private boolean timestampChecked(long seconds, int nanos) {
    if (seconds < -62_135_596_800L || seconds > 253_402_300_799L || nanos < 0 || nanos > 999_999_999) {
      return false; // as special(): the slow path says what it makes of it
    }
    timestamp(seconds, nanos);
    return true;
  }

  private boolean durationChecked(long seconds, int nanos) {
    if (nanos < -999_999_999 || nanos > 999_999_999 || seconds == Long.MIN_VALUE) {
      return false;
    }
    put((byte) '"');
    if (seconds < 0 || nanos < 0) {
      put((byte) '-');
      seconds = -seconds;
      nanos = -nanos;
    }
    putLong(seconds);
    fraction(nanos);
    put((byte) 's');
    put((byte) '"');
    return true;
  }

  /** The characters of the String being printed: one bulk copy, then plain array reads (no charAt calls). */
  private char[] chars = new char[256];

  /**
   * A Java string as a JSON string in UTF-8, escaped as {@link #string}: what protobuf's UTF-8
   * encoding and then {@link #string} make of it (an unpaired surrogate becomes '?', as protobuf
   * writes it).
   */

  private void putString(String s) {
    int n = s.length();
    ensure(n * 6 + 2);
    if (chars.length < n) {
      chars = new char[Math.max(n, chars.length * 2)];
    }
    char[] cs = chars;
    s.getChars(0, n, cs, 0);
    byte[] b = out;
    int o = this.o;
    b[o++] = '"';
    for (int i = 0; i < n; i++) {
      char c = cs[i];
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          b[o++] = (byte) c; // the common case, inline
        } else {
          o = ascii(b, o, c);
        }
      } else if (c < 0x800) {
        b[o++] = (byte) (0xc0 | (c >> 6));
        b[o++] = (byte) (0x80 | (c & 0x3f));
      } else if (c == '\u2028' || c == '\u2029') {
        b[o++] = '\\';
        b[o++] = 'u';
        b[o++] = '2';
        b[o++] = '0';
        b[o++] = '2';
        b[o++] = (byte) (c == '\u2028' ? '8' : '9');
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
        int cp = Character.toCodePoint(c, cs[++i]);
        b[o++] = (byte) (0xf0 | (cp >> 18));
        b[o++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[o++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[o++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[o++] = '?';
      } else {
        b[o++] = (byte) (0xe0 | (c >> 12));
        b[o++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[o++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    b[o++] = '"';
    this.o = o;
  }

  // ---------------------------------------------------------------- primitives

  /** Position after the last varint read. */
  private int next;

  private long varint(int p, int end) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        throw new IllegalStateException("truncated varint");
      }
      int x = in[p++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        next = p;
        return v;
      }
    }
    throw new IllegalStateException("varint too long");
  }

  private int le32(int p) {
    return (in[p] & 0xff) | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff) << 16 | (in[p + 3] & 0xff) << 24;
  }

  private long le64(int p) {
    return (le32(p) & 0xffffffffL) | ((long) le32(p + 4)) << 32;
  }

  private void ensure(int n) {
    if (o + n > out.length) {
      out = Arrays.copyOf(out, Math.max(o + n, out.length * 2));
    }
  }

  private void put(byte c) {
    ensure(1);
    out[o++] = c;
  }

  private void put(byte[] s) {
    ensure(s.length);
    System.arraycopy(s, 0, out, o, s.length);
    o += s.length;
  }

  private void putAscii(CharSequence s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      out[o++] = (byte) s.charAt(i);
    }
  }

  private final byte[] digits = new byte[20];

  private void putLong(long v) {
    if (v == Long.MIN_VALUE) {
      putAscii("-9223372036854775808");
      return;
    }
    ensure(20);
    if (v < 0) {
      out[o++] = '-';
      v = -v;
    }
    int n = 0;
    do {
      digits[n++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) {
      out[o++] = digits[--n];
    }
  }

  /**
   * One ASCII character {@code c} (< 0x80) into {@code b} at {@code o}, escaped as JsonFormat does
   * ({@code \" \\ \t \b \n \r \f}, other controls as {@code \\u00XX}); returns the new position.
   * Shared by the printers from UTF-8 bytes and from Strings.
   */
  private static int ascii(byte[] b, int o, int c) {
    if (c >= 0x20) {
      if (c == '"' || c == '\\') {
        b[o++] = '\\';
      }
      b[o++] = (byte) c;
      return o;
    }
    b[o++] = '\\';
    switch (c) {
      case '\t': b[o++] = 't'; break;
      case '\b': b[o++] = 'b'; break;
      case '\n': b[o++] = 'n'; break;
      case '\r': b[o++] = 'r'; break;
      case '\f': b[o++] = 'f'; break;
      default:
        b[o++] = 'u';
        b[o++] = '0';
        b[o++] = '0';
        b[o++] = HEX[c >> 4];
        b[o++] = HEX[c & 0xf];
    }
    return o;
  }
}
