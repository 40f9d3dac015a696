package dev.nsm.parsers.http;

/** Receives what an {@link HttpConnectionParser} finds. Called on the thread that feeds the parser. */
public interface HttpTransactionListener {
  /**
   * A request/response pair is complete (or the connection ended with it pending). The object is the
   * listener's to keep: the parser no longer touches it.
   */
  void onTransaction(HttpTransaction tx);

  /**
   * {@code weird} happened on this connection for the first time ({@code fromClient}: in the client's
   * direction). Later occurrences on the same connection are only counted in the context.
   */
  default void onWeird(HttpWeird weird, boolean fromClient) {}
}
