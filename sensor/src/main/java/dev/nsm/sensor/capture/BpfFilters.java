package dev.nsm.sensor.capture;

import dev.nsm.sensor.config.ConfigLoader;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/** Compiles BPF filters with libpcap for {@code check-config}, without opening an interface. */
public final class BpfFilters {
  private BpfFilters() {}

  /** A compiler backed by libpcap, or null when libpcap cannot be loaded (the reason is in {@link #why}). */
  public static ConfigLoader.FilterCompiler compiler() {
    return LibPcap.loadError() == null ? BpfFilters::check : null;
  }

  /** Why {@link #compiler()} is null. */
  public static String why() {
    return LibPcap.loadError();
  }

  /** Compiles a filter for Ethernet at the given snaplen; null if it compiles, else libpcap's message. */
  static String check(String filter, int snaplen) {
    try {
      BpfProgram prog = Pcaps.compileFilter(snaplen, DataLinkType.EN10MB, filter, BpfProgram.BpfCompileMode.OPTIMIZE,
          PcapHandle.PCAP_NETMASK_UNKNOWN);
      prog.free();
      return null;
    } catch (PcapNativeException e) {
      return e.getMessage();
    }
  }
}
