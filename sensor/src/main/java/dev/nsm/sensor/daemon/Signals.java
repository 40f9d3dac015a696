package dev.nsm.sensor.daemon;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP for the daemon. {@code sun.misc.Signal} (module jdk.unsupported)
 * replaces the JVM's own handling of these signals, which would start the shutdown hooks and end
 * with exit code 143: here a stop is an orderly return from {@code run} with exit code 0, and
 * SIGHUP reloads instead of stopping. The handlers run on a JVM signal thread and only hand over
 * (a latch, a reload on a thread of its own), so they never block the signal dispatcher.
 */
public final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  public static void install(Consumer<String> stop, Runnable reload) {
    Signal.handle(new Signal("TERM"), s -> stop.accept("SIGTERM"));
    Signal.handle(new Signal("INT"), s -> stop.accept("SIGINT"));
    try {
      Signal.handle(new Signal("HUP"), s -> {
        Thread t = new Thread(() -> {
          LOG.info("SIGHUP: reloading the configuration");
          reload.run();
        }, "reload");
        t.setDaemon(true);
        t.start();
      });
    } catch (IllegalArgumentException e) {
      // SIGHUP is ignored when started with nohup: then there is nothing to reload on
      LOG.warn("SIGHUP not available ({}): reload needs a restart", e.getMessage());
    }
  }
}
