package dev.nsm.sensor.cli;

import dev.nsm.sensor.capture.BpfFilters;
import dev.nsm.sensor.config.ConfigException;
import dev.nsm.sensor.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sensor check-config FILE}: the daemon's start-up checks, and nothing else. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
    description = {"Checks a sensor.yaml the way 'sensor run' does before it starts: keys, types,",
        "ranges, that each interface exists here, that each BPF filter compiles (with libpcap),",
        "that the output directory is writable. Prints 'FILE: ok' (exit 0) or one line naming",
        "the key and what is allowed (exit 2)."})
public final class CheckConfigCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "the configuration, e.g. /etc/sensor/sensor.yaml")
  Path file;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConfigLoader.FilterCompiler filters = BpfFilters.compiler();
    try {
      ConfigLoader.load(file, new ConfigLoader.Host(ConfigLoader.Host.sysfsInterfaces(), filters));
    } catch (ConfigException e) {
      err.println("sensor: " + file + ": " + e.getMessage());
      return Main.EXIT_BAD_INPUT;
    }
    out.println(file + ": ok" + (filters == null ? " (BPF filters not compiled: " + BpfFilters.why() + ")" : ""));
    return 0;
  }
}
