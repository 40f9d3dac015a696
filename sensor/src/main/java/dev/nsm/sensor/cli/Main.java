package dev.nsm.sensor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar sensor.jar COMMAND ...}: the sensor's command line. */
@Command(name = "sensor", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Network security monitoring sensor: flow and protocol metadata from packets.",
    subcommands = {ReplayCommand.class, RunCommand.class, CheckConfigCommand.class, StatusCommand.class, CollectCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code for bad input: a bad file, a bad argument, a bad configuration. */
  public static final int EXIT_BAD_INPUT = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Chronicle Queue (the spool) would otherwise phone home when its classes load: never.
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true"); // and no banner in the log
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (for tests: no System.exit). */
  public static int run(String... args) {
    return run(null, null, args);
  }

  /** Runs a command line with the given stdout/stderr writers for messages (null: the process's). */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Main());
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    cl.setParameterExceptionHandler((ex, argv) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("sensor: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
      return EXIT_BAD_INPUT;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: replay, run, check-config, status or collect");
  }

  /** Version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sensor " + (v == null ? "(development build)" : v)};
    }
  }
}
