package dev.nsm.sensor.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The two kinds of value with a unit in the configuration: durations and byte sizes. */
final class Units {
  static final String DURATION_FORMS = "a duration such as 500ms, 30s, 5m, 1h or 7d";
  static final String SIZE_FORMS = "a size in bytes such as 65536, 512KiB, 64MiB or 1GiB";

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB|GiB|TiB)?");

  private Units() {}

  /** "500ms", "30s", "5m", "1h"; null when the text is none of these. */
  static Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s.strip());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      default:
        return Duration.ofDays(n);
    }
  }

  /** "65536", "512KiB", "64MiB", "1GiB"; -1 when the text is none of these. */
  static long parseSize(String s) {
    Matcher m = SIZE.matcher(s.strip());
    if (!m.matches()) {
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    switch (unit) {
      case "KiB":
        return n << 10;
      case "MiB":
        return n << 20;
      case "GiB":
        return n << 30;
      case "TiB":
        return n << 40;
      default:
        return n;
    }
  }

  /** A duration as configuration writes it (in messages). */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms > 86_400_000) { // 2d and more (1 day stays 24h)
      return ms / 86_400_000 + "d";
    } else if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    } else if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    } else if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** A size as configuration writes it (in messages). */
  static String formatSize(long bytes) {
    if (bytes > 0 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "GiB";
    } else if (bytes > 0 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MiB";
    } else if (bytes > 0 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + "KiB";
    }
    return Long.toString(bytes);
  }

  /** Reads a duration string; anything else is a mismatch whose path Jackson knows. */
  static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        Duration d = parseDuration(p.getText());
        if (d != null) {
          return d;
        }
      }
      throw InvalidFormatException.from(p, DURATION_FORMS, p.getText(), Duration.class);
    }
  }

  /** Reads a size: an integer (bytes) or a string with a binary unit. */
  static final class SizeDeserializer extends JsonDeserializer<Long> {
    @Override
    public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NUMBER_INT) {
        return p.getLongValue();
      }
      if (t == JsonToken.VALUE_STRING) {
        long n = parseSize(p.getText());
        if (n >= 0) {
          return n;
        }
      }
      throw InvalidFormatException.from(p, SIZE_FORMS, p.getText(), Size.class);
    }
  }

  /** Marker type for messages: "a size". */
  static final class Size {
    private Size() {}
  }
}
