package dev.nsm.parsers.tls;

/**
 * One alert seen in clear. {@code fromClient} is the TLS role (after Zeek's direction flip), not the
 * connection originator.
 */
public record TlsAlert(boolean fromClient, int level, int description) {
  /** "warning", "fatal", or "unknown-N". */
  public String levelName() {
    return level == 1 ? "warning" : level == 2 ? "fatal" : "unknown-" + level;
  }

  /** Zeek's alert_descriptions name ("handshake_failure", "close_notify", ...). */
  public String descriptionName() {
    return TlsNames.alert(description);
  }
}
