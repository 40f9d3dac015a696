package dev.nsm.sensor.cli;

import dev.nsm.sensor.capture.BpfFilters;
import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import dev.nsm.sensor.config.SensorConfig;
import dev.nsm.sensor.daemon.Daemon;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sensor run --config FILE}: the live daemon. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Captures from the configured interfaces (libpcap; root or CAP_NET_RAW), makes flow",
        "records and writes them as JSON lines to output.path, serves /metrics, /healthz, /readyz.",
        "SIGTERM/SIGINT: stop capturing, write the open flows and a last stats record, exit 0.",
        "SIGHUP: re-read the file; filters and the log level change at once, other keys need a restart.",
        "Exit codes: 0 stopped by a signal, 1 capture or output failed, 2 bad configuration."})
public final class RunCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", required = true,
      description = "the configuration (see config/sensor.yaml), e.g. /etc/sensor/sensor.yaml")
  Path config;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    SensorConfig c;
    try {
      c = ConfigLoader.load(config, new ConfigLoader.Host(ConfigLoader.Host.sysfsInterfaces(), BpfFilters.compiler()));
    } catch (ConfigException e) {
      err.println("sensor: " + config + ": " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    return new Daemon(config, c, err).run();
  }
}
