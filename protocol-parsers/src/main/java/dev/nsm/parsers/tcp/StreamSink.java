package dev.nsm.parsers.tcp;

/**
 * Receives one direction of a reassembled TCP stream, in order: bytes ({@link #onData}), holes that
 * will never be filled ({@link #onGap}) and, once, the end ({@link #onClose}). Between them the
 * calls describe the stream exactly: the sum of {@code len} and gap bytes is the stream's length
 * up to the point reached.
 *
 * <p>Implementations must not call back into the reassembler that calls them.
 */
public interface StreamSink {
  /**
   * The next {@code len} (> 0) bytes of the stream, each delivered exactly once. The bytes belong
   * to the caller (the packet being processed, or a page of held data): valid only during the call.
   */
  void onData(byte[] buf, int off, int len);

  /**
   * The next {@code bytes} (> 0) bytes of the stream are missing and will not be delivered; the
   * data that follows resumes right after them. A parser resynchronises or gives up.
   */
  void onGap(long bytes);

  /** The direction ended; nothing follows. Called exactly once per flow direction. */
  void onClose(CloseReason reason);
}
