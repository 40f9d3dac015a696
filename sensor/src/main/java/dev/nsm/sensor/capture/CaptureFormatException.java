package dev.nsm.sensor.capture;

import java.io.IOException;

/** The input is not a capture, or is damaged; the message is one line naming what is wrong and where. */
public class CaptureFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public CaptureFormatException(String message) {
    super(message);
  }

  /** As {@link #CaptureFormatException(String)}, keeping the I/O error that caused it. */
  public CaptureFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
