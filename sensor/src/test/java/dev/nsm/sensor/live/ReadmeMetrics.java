package dev.nsm.sensor.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names README.md promises, against the names a running daemon serves on /metrics: the
 * table under "### Metrics" (first column) and the paragraph that starts "Delivery metrics".
 */
final class ReadmeMetrics {
  private static final Pattern NAME = Pattern.compile("`(nsm_[a-z0-9_]+)`");
  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (nsm_[a-z0-9_]+) ");

  private ReadmeMetrics() {}

  private static String readme() throws IOException {
    Path root = Path.of(System.getProperty("sensor.repo.root", "..")).toAbsolutePath().normalize();
    return Files.readString(root.resolve("README.md"));
  }

  /** The nsm_ names in the first column of the table under "### Metrics". */
  static Set<String> table() throws IOException {
    String text = readme();
    int at = text.indexOf("### Metrics");
    if (at < 0) {
      throw new IOException("README.md has no '### Metrics' section");
    }
    Set<String> names = new TreeSet<>();
    boolean inTable = false;
    for (String line : text.substring(at).split("\n")) {
      if (line.startsWith("|")) {
        inTable = true;
        String first = line.split("\\|")[1];
        Matcher m = NAME.matcher(first);
        while (m.find()) {
          names.add(m.group(1));
        }
      } else if (inTable) {
        break;
      }
    }
    return names;
  }

  /** The nsm_ names of the paragraph that starts with "Delivery metrics". */
  static Set<String> delivery() throws IOException {
    String text = readme();
    int at = text.indexOf("Delivery metrics");
    if (at < 0) {
      throw new IOException("README.md has no 'Delivery metrics' paragraph");
    }
    int end = text.indexOf("\n\n", at);
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(text.substring(at, end < 0 ? text.length() : end));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The nsm_ names a /metrics answer declares (its "# TYPE" lines). */
  static Set<String> served(String exposition) {
    Set<String> names = new TreeSet<>();
    Matcher m = TYPE.matcher(exposition);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
