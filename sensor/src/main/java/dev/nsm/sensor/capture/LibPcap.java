package dev.nsm.sensor.capture;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libpcap and libc calls the capture loop makes per packet or per idle wait, bound with
 * JNA's direct mapping ({@code Native.register}: a JNI stub per method, no reflection, no argument
 * arrays, no allocation per call). Everything else (opening, filters, stats) goes through pcap4j,
 * which loads the same library by the same name ({@code -Dorg.pcap4j.core.pcapLibName}, default
 * {@code pcap}: JNA finds Debian's {@code libpcap.so.0.8} without the -dev package's symlink).
 */
final class LibPcap {
  private static final String LOAD_ERROR;

  static {
    String err = null;
    try {
      Native.register(LibPcap.class, NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
      Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      err = "libpcap cannot be loaded (" + e.getMessage().lines().findFirst().orElse("") + "); install libpcap0.8";
    }
    LOAD_ERROR = err;
  }

  private LibPcap() {}

  /** Null when libpcap and libc are bound, else a one-line reason. */
  static String loadError() {
    return LOAD_ERROR;
  }

  /**
   * {@code int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **h, const u_char **data)}: 1 a packet,
   * 0 none yet (non-blocking mode, or the timeout), -1 an error, -2 after pcap_breakloop / end of a
   * file. {@code h} and {@code data} point at 8 bytes each that receive the two pointers.
   */
  static native int pcap_next_ex(Pointer p, Pointer h, Pointer data);

  /** {@code int pcap_get_selectable_fd(pcap_t *p)}: the socket to poll for readiness. */
  static native int pcap_get_selectable_fd(Pointer p);

  /** libc. */
  static final class LibC {
    private LibC() {}

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)}. */
    static native int poll(Pointer fds, long nfds, int timeoutMs);
  }
}
