package dev.nsm.sensor.capture;

/** An interface could not be opened for capture; the message is libpcap's reason, one line. */
public final class CaptureOpenException extends Exception {
  public CaptureOpenException(String message) {
    super(message);
  }
}
