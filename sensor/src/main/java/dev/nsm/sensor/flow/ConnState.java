package dev.nsm.sensor.flow;

import static dev.nsm.sensor.flow.Endpoint.CLOSED;
import static dev.nsm.sensor.flow.Endpoint.ESTABLISHED;
import static dev.nsm.sensor.flow.Endpoint.INACTIVE;
import static dev.nsm.sensor.flow.Endpoint.PARTIAL;
import static dev.nsm.sensor.flow.Endpoint.RESET;
import static dev.nsm.sensor.flow.Endpoint.SYN_ACK_SENT;
import static dev.nsm.sensor.flow.Endpoint.SYN_SENT;

/** Zeek's {@code conn_state()} ({@code base/protocols/conn/main.zeek}), from the endpoint states. */
final class ConnState {
  private ConnState() {}

  static String of(Flow f) {
    switch (f.kind) {
      case Flow.KIND_TCP:
        return tcp(f);
      case Flow.KIND_UDP:
        boolean o = f.orig.payloadBytes >= 0;
        boolean r = f.resp.payloadBytes >= 0;
        if (o) {
          return r ? "SF" : "S0";
        }
        return r ? "SHR" : "OTH";
      default:
        return "OTH";
    }
  }

  private static String tcp(Flow f) {
    int os = f.orig.state;
    int rs = f.resp.state;
    boolean oInactive = os == INACTIVE || os == PARTIAL;
    boolean rInactive = rs == INACTIVE || rs == PARTIAL;
    if (rs == RESET) {
      if (os == SYN_SENT || os == SYN_ACK_SENT || (os == RESET && f.orig.size() == 0 && f.resp.size() == 0)) {
        return "REJ";
      }
      return oInactive ? "RSTRH" : "RSTR";
    }
    if (os == RESET) {
      if (rInactive) {
        return synThenReset(f) ? "RSTOS0" : "OTH";
      }
      return "RSTO";
    }
    if (rs == CLOSED && os == CLOSED) {
      return "SF";
    }
    if (os == CLOSED) {
      return rInactive ? "SH" : "S2";
    }
    if (rs == CLOSED) {
      return oInactive ? "SHR" : "S3";
    }
    if (os == SYN_SENT && rs == INACTIVE) {
      return "S0";
    }
    if (os == ESTABLISHED && rs == ESTABLISHED) {
      return "S1";
    }
    return "OTH";
  }

  /** Zeek's pattern {@code /\^?S[^HAFGIQ]*R.*}/ matched against the whole history. */
  static boolean synThenReset(Flow f) {
    byte[] h = f.history;
    int n = f.historyLen;
    int i = 0;
    if (i < n && h[i] == '^') {
      i++;
    }
    if (i >= n || h[i] != 'S') {
      return false;
    }
    for (i++; i < n; i++) {
      byte c = h[i];
      if (c == 'R') {
        return true;
      }
      if (c == 'H' || c == 'A' || c == 'F' || c == 'G' || c == 'I' || c == 'Q') {
        return false;
      }
    }
    return false;
  }
}
