package dev.nsm.sensor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code protocols.analyse_partial} from the file to the application layer's configuration: on
 * when left out (partial TCP connections are analysed, a deliberate change from Zeek), off with
 * {@code false} (Zeek's behaviour).
 */
class DaemonAppConfigTest {
  private static final String OK = "capture:\n  interfaces:\n    - name: lo\n";

  @Test
  void partialConnectionsAreAnalysedWhenTheKeyIsLeftOut() throws Exception {
    SensorConfig c = ConfigLoader.parse(OK);
    assertTrue(c.protocols.analysePartial);
    assertEquals("true", c.flatten().get("protocols.analyse_partial"));
    assertTrue(Daemon.appConfig(c).analysePartial);
    assertTrue(Daemon.appConfig(ConfigLoader.parse(OK + "protocols:\n  http:\n    max_pending: 1000\n")).analysePartial,
        "another key of protocols: leaves the default");
  }

  @Test
  void analysePartialFalseKeepsZeeksBehaviour() throws Exception {
    SensorConfig c = ConfigLoader.parse(OK + "protocols:\n  analyse_partial: false\n");
    assertFalse(c.protocols.analysePartial);
    assertEquals("false", c.flatten().get("protocols.analyse_partial"));
    assertFalse(Daemon.appConfig(c).analysePartial);
    assertTrue(Daemon.appConfig(ConfigLoader.parse(OK + "protocols:\n  analyse_partial: true\n")).analysePartial);
  }
}
