package dev.nsm.parsers.tcp;

/** Why one direction of a TCP stream ended (each counted by its {@link ReassemblyCounter}). */
public enum CloseReason {
  FIN(ReassemblyCounter.CLOSED_FIN, "the FIN was reached in order: every byte before it was delivered or gapped"),
  RST(ReassemblyCounter.CLOSED_RST, "a RST was seen (held data flushed with gaps before the close)"),
  TIMEOUT(ReassemblyCounter.CLOSED_TIMEOUT, "the flow timed out (held data flushed with gaps)"),
  END_OF_INPUT(ReassemblyCounter.CLOSED_END_OF_INPUT, "the capture ended or the sensor stopped with the flow open"),
  EVICTED(ReassemblyCounter.CLOSED_EVICTED, "the flow table dropped the flow to make room");

  private final ReassemblyCounter counter;
  private final String description;

  CloseReason(ReassemblyCounter counter, String description) {
    this.counter = counter;
    this.description = description;
  }

  public ReassemblyCounter counter() {
    return counter;
  }

  public String description() {
    return description;
  }
}
