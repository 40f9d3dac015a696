package dev.nsm.sensor.app;

import dev.nsm.sensor.flow.Flow;
import java.util.Arrays;

/**
 * What the application layer keeps for one flow it looks into: the flow, the layer, and the notice
 * names already written for it (a notice is written once per flow and name; later ones are counted).
 */
abstract class AppFlow {
  final AppLayer layer;
  Flow flow;
  private String[] notices;
  private int noticeCount;

  AppFlow(AppLayer layer) {
    this.layer = layer;
  }

  void attach(Flow f) {
    flow = f;
    noticeCount = 0;
    if (notices != null) {
      Arrays.fill(notices, null);
    }
  }

  /**
   * A notice for this flow, unless one of this name was written already.
   *
   * @param isOrig 1 the originator's direction, 0 the responder's, -1 the connection
   */
  final void notice(long tsNanos, String name, String addl, String source, int isOrig) {
    for (int i = 0; i < noticeCount; i++) {
      if (notices[i].equals(name)) {
        layer.counters.inc(AppCounter.NOTICES_REPEATED);
        return;
      }
    }
    if (notices == null) {
      notices = new String[4];
    } else if (noticeCount == notices.length) {
      notices = Arrays.copyOf(notices, noticeCount * 2);
    }
    notices[noticeCount++] = name;
    layer.emitNotice(flow, tsNanos, name, addl, source, isOrig);
  }

  /** The flow ends ({@code reason}) at packet time {@code nowNanos}: write what is held. */
  abstract void end(dev.nsm.proto.v1.EndReason reason, long nowNanos);
}
