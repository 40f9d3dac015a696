package dev.nsm.sensor.config;

/**
 * A configuration the daemon must not start with. The message is one line: the key path (or the
 * place in the file) and what is allowed, e.g. {@code pipeline.ring_size: must be a power of two
 * from 64 to 16777216, not 1000}.
 */
public final class ConfigException extends Exception {
  private final String path;

  public ConfigException(String path, String problem) {
    super(path.isEmpty() ? problem : path + ": " + problem);
    this.path = path;
  }

  /** The key path ({@code capture.interfaces[0].snaplen}), or "" when the file as a whole is wrong. */
  public String path() {
    return path;
  }
}
