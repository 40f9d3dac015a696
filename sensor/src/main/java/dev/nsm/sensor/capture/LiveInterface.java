package dev.nsm.sensor.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.nsm.sensor.config.SensorConfig;
import dev.nsm.sensor.pipeline.Ingest;
import java.lang.reflect.Field;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;

/**
 * One interface being captured: a libpcap handle opened and configured through pcap4j, then read
 * with {@code pcap_next_ex} directly (see {@link #read}) in non-blocking mode, from the capture
 * thread only. Counters are plain fields written by that thread (metrics read them as snapshots).
 */
public final class LiveInterface implements AutoCloseable {
  /*
   * struct pcap_pkthdr on LP64 Linux, as libpcap hands it over (24 bytes):
   *
   *   0                   8                   16        20        24
   *  +-------------------+-------------------+---------+---------+
   *  | ts.tv_sec (long)  | ts.tv_usec (long) | caplen  | len     |
   *  +-------------------+-------------------+---------+---------+
   *
   * With PCAP_TSTAMP_PRECISION_NANO set on the handle, tv_usec holds nanoseconds.
   */
  private static final int HDR_SEC = 0;
  private static final int HDR_FRAC = 8;
  private static final int HDR_CAPLEN = 16;
  private static final int HDR_LEN = 20;

  public final String name;
  private final PcapHandle handle;
  /** libpcap's pcap_t*, taken from pcap4j's handle for the per-packet calls. */
  private final Pointer pcap;
  public final int linkType;
  /** Whether timestamps come in nanoseconds (else microseconds). */
  public final boolean nanoTimestamps;
  final int fd;
  private String filter;

  // per-packet reading state, allocated once
  private final Memory out = new Memory(16); // receives pcap_pkthdr* at 0 and u_char* at 8
  private final Pointer outHeader = out.share(0, 8);
  private final Pointer outData = out.share(8, 8);
  private final long outAddress = Pointer.nativeValue(out);

  /*
   * Native memory is read with sun.misc.Unsafe (JIT intrinsics: plain loads and a memcpy) rather
   * than JNA's Pointer.getLong/read (a JNI call each): measured 150 against 184 ns of CPU per packet
   * for the whole read path (LibpcapReadPathTest, least of 9 rounds). The addresses are the ones
   * libpcap just returned, valid until the next pcap_next_ex. On Java 22+, java.lang.foreign would
   * replace both this and JNA.
   */
  private static final sun.misc.Unsafe U;
  private static final long BYTE_BASE;

  static {
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      U = (sun.misc.Unsafe) f.get(null);
      BYTE_BASE = U.arrayBaseOffset(byte[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // ---- counters (written by the capture thread) ----
  /** Packets read from libpcap (each then went into the ring or was a ring drop). */
  public long packetsCaptured;
  public long bytesCaptured;
  /** pcap_stats: packets the kernel's socket received (Linux: delivered + dropped), since open. */
  public long kernelReceived;
  /** pcap_stats: packets dropped because the kernel buffer was full. */
  public long kernelDrops;
  /** pcap_stats: packets dropped by the interface or its driver before the socket. */
  public long interfaceDrops;
  private long lastRecv;
  private long lastDrop;
  private long lastIfDrop;
  /** Set once a read failed (the interface went away): this interface is no longer captured. */
  public volatile String failure;

  private LiveInterface(String name, PcapHandle handle, Pointer pcap, String filter) {
    this.name = name;
    this.handle = handle;
    this.pcap = pcap;
    this.filter = filter;
    this.linkType = handle.getDlt().value();
    this.nanoTimestamps = handle.getTimestampPrecision() == PcapHandle.TimestampPrecision.NANO;
    this.fd = LibPcap.pcap_get_selectable_fd(pcap);
  }

  /**
   * Opens an interface with the configured options, sets its filter and non-blocking mode.
   *
   * @throws CaptureOpenException with libpcap's reason (e.g. no permission: CAP_NET_RAW is needed)
   */
  public static LiveInterface open(SensorConfig.Interface c) throws CaptureOpenException {
    if (LibPcap.loadError() != null) {
      throw new CaptureOpenException(LibPcap.loadError());
    }
    if (Native.LONG_SIZE != 8) {
      throw new CaptureOpenException("live capture needs a 64-bit platform (struct pcap_pkthdr layout)");
    }
    PcapHandle h = null;
    try {
      h = build(c, PcapHandle.TimestampPrecision.NANO);
    } catch (PcapNativeException e) {
      // a kernel or libpcap without nanosecond time stamps: microseconds will do
      try {
        h = build(c, PcapHandle.TimestampPrecision.MICRO);
      } catch (PcapNativeException e2) {
        throw new CaptureOpenException(firstLine(e2.getMessage()));
      }
    }
    try {
      if (!c.filter.isBlank()) {
        h.setFilter(c.filter, BpfProgram.BpfCompileMode.OPTIMIZE);
      }
      h.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
      return new LiveInterface(c.name, h, pcapPointer(h), c.filter);
    } catch (PcapNativeException | NotOpenException | RuntimeException e) {
      h.close();
      throw new CaptureOpenException(firstLine(e.getMessage()));
    }
  }

  /**
   * A capture file read through the same libpcap calls as a live interface ({@code pcap_next_ex}
   * on a {@code pcap_open_offline} handle, nanosecond time stamps): for tests of the read path
   * without root, and to measure it. At the end of the file {@link #failure} is "capture ended".
   */
  public static LiveInterface openOffline(java.nio.file.Path file) throws CaptureOpenException {
    if (LibPcap.loadError() != null) {
      throw new CaptureOpenException(LibPcap.loadError());
    }
    try {
      PcapHandle h = org.pcap4j.core.Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
      return new LiveInterface(file.getFileName().toString(), h, pcapPointer(h), "");
    } catch (PcapNativeException e) {
      throw new CaptureOpenException(firstLine(e.getMessage()));
    }
  }

  /** For measurements: pcap4j's own raw read (a new byte[] per packet), to compare with {@link #read}. */
  public PcapHandle pcap4jHandle() {
    return handle;
  }

  private static PcapHandle build(SensorConfig.Interface c, PcapHandle.TimestampPrecision precision)
      throws PcapNativeException {
    return new PcapHandle.Builder(c.name)
        .promiscuousMode(c.promiscuous ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
        .snaplen(c.snaplen)
        .bufferSize((int) c.bufferSize)
        .immediateMode(c.immediate)
        .timeoutMillis((int) c.timeout.toMillis())
        .timestampPrecision(precision)
        .build();
  }

  /** pcap4j keeps the pcap_t* private; the per-packet path needs it for its direct calls. */
  private static Pointer pcapPointer(PcapHandle h) {
    try {
      Field f = PcapHandle.class.getDeclaredField("handle");
      f.setAccessible(true);
      return (Pointer) f.get(h);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this pcap4j has no PcapHandle.handle field: " + e, e);
    }
  }

  /**
   * Reads what is waiting, at most {@code max} packets, into the ring (a full ring drops and counts;
   * this never waits). Returns the number of packets read, or -1 when the handle failed (then
   * {@link #failure} says why and this interface is no longer read).
   *
   * <p>Per packet: one {@code pcap_next_ex} (libpcap copies the frame out of its mmap ring into its
   * one-shot buffer), four loads from the header, one copy into the ring's slot. No allocation.
   */
  public int read(Ingest ingest, int max) {
    int n = 0;
    while (n < max) {
      int r = LibPcap.pcap_next_ex(pcap, outHeader, outData);
      if (r == 0) {
        break;
      }
      if (r < 0) {
        fail(r);
        return n == 0 ? -1 : n;
      }
      long hdr = U.getLong(outAddress);
      long dataAddress = U.getLong(outAddress + 8);
      long sec = U.getLong(hdr + HDR_SEC);
      long frac = U.getLong(hdr + HDR_FRAC);
      int capLen = U.getInt(hdr + HDR_CAPLEN);
      int wireLen = U.getInt(hdr + HDR_LEN);
      long ts = sec * 1_000_000_000L + (nanoTimestamps ? frac : frac * 1000L);
      packetsCaptured++;
      bytesCaptured += capLen;
      byte[] slot = ingest.tryClaim(capLen);
      if (slot != null) {
        U.copyMemory(null, dataAddress, slot, BYTE_BASE, capLen);
        ingest.commit(ts, linkType, capLen, wireLen);
      }
      n++;
    }
    return n;
  }

  private void fail(int code) {
    String why;
    try {
      why = handle.getError();
    } catch (NotOpenException e) {
      why = "handle closed";
    }
    failure = (code == -2 ? "capture ended" : firstLine(why));
  }

  /**
   * Reads pcap_stats and adds what changed to the totals. libpcap's counters are 32-bit and wrap
   * (at 1 Mpps after 71 minutes): differences are taken modulo 2^32, so reading once a second keeps
   * the totals exact.
   */
  public void refreshStats() {
    PcapStat s;
    try {
      s = handle.getStats();
    } catch (PcapNativeException | NotOpenException e) {
      return;
    }
    long recv = s.getNumPacketsReceived() & 0xffffffffL;
    long drop = s.getNumPacketsDropped() & 0xffffffffL;
    long ifdrop = s.getNumPacketsDroppedByIf() & 0xffffffffL;
    kernelReceived += (recv - lastRecv) & 0xffffffffL;
    kernelDrops += (drop - lastDrop) & 0xffffffffL;
    interfaceDrops += (ifdrop - lastIfDrop) & 0xffffffffL;
    lastRecv = recv;
    lastDrop = drop;
    lastIfDrop = ifdrop;
  }

  /** The filter now in force. */
  public String filter() {
    return filter;
  }

  /** Replaces the BPF filter (capture thread only). Returns null, or libpcap's complaint (old filter kept). */
  public String setFilter(String f) {
    try {
      handle.setFilter(f.isBlank() ? "" : f, BpfProgram.BpfCompileMode.OPTIMIZE);
      filter = f;
      return null;
    } catch (PcapNativeException | NotOpenException e) {
      return firstLine(e.getMessage());
    }
  }

  @Override
  public void close() {
    handle.close();
  }

  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
