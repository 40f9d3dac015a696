package dev.nsm.parsers.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Hex test fixtures: inline strings (whitespace ignored) and the long ones in corpus-long.hex. */
final class Hex {
  private Hex() {}

  static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
  }

  static String toHex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** The message under {@code [key]} in corpus-long.hex. */
  static byte[] corpus(String key) {
    String text;
    try (InputStream in = Hex.class.getResourceAsStream("corpus-long.hex")) {
      text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder hex = new StringBuilder();
    boolean in = false;
    for (String line : text.split("\n")) {
      if (line.startsWith("[")) {
        in = line.startsWith("[" + key + "]");
      } else if (in && !line.startsWith("#")) {
        hex.append(line.trim());
      }
    }
    if (hex.length() == 0) {
      throw new IllegalArgumentException("no [" + key + "] in corpus-long.hex");
    }
    return bytes(hex.toString());
  }
}
