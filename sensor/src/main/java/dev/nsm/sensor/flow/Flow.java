package dev.nsm.sensor.flow;

/**
 * One connection in a {@link FlowTable}: its key, its two {@link Endpoint}s, Zeek's history and
 * connection-level TCP state, its timers and its links in the table's lists. Mutable and reused
 * (the table keeps a pool), so the per-packet path allocates nothing.
 *
 * <p>Key: side A and side B are the two (address, port) endpoints in canonical order (A < B by
 * address bytes, then port), except one-way ICMP types whose key keeps the packet's direction, as
 * Zeek's. Addresses are held as two longs each (IPv4 in the low 32 bits of {@code lo}). For ICMP the
 * "ports" are Zeek's: the type, and the counterpart type or the code.
 */
public final class Flow {
  static final int KIND_TCP = 1;
  static final int KIND_UDP = 2;
  static final int KIND_ICMP = 3;
  static final int KIND_OTHER = 4;

  // Timer kinds (Zeek's analyzer timers; the session inactivity timer is kept apart).
  static final byte TIMER_EXPIRE = 1;
  static final byte TIMER_ATTEMPT = 2;
  static final byte TIMER_DELETE = 3;
  static final int MAX_TIMERS = 8;

  static final int MAX_HISTORY = 128;

  // Zeek's first_packet_seen bits.
  static final int ORIG = 1;
  static final int RESP = 2;

  // ---- key
  int ipVersion;
  int ipProto;
  int kind;
  long aHi;
  long aLo;
  long bHi;
  long bLo;
  int aPort;
  int bPort;
  /** VLAN ids in the key (0 unless {@link FlowConfig#vlanInKey}). */
  int keyVlanCount;
  int keyVlan0;
  int keyVlan1;
  int hash;
  /** VLAN ids of the first packet (what the record shows). */
  int vlanCount;
  int vlan0;
  int vlan1;

  // ---- identity
  long serial;
  long uidHash;
  /** Whether side A is the originator now (false after a flip if A was the first sender). */
  boolean origIsA;
  Endpoint orig = new Endpoint();
  Endpoint resp = new Endpoint();

  /** Estimated heap counted for this flow by its table (FlowConfig.FLOW_BYTES [+ APP_STATE_BYTES]). */
  int weight;

  // ---- times (Zeek's start_time and last_time)
  long startNanos;
  long lastNanos;

  /**
   * A packet of this flow at {@code t}: last_time moves forward only. Zeek sets last_time to each
   * packet's own time (Session::SetLastTime(current_timestamp), the raw packet time, while its
   * network_time never goes back), so a capture whose clock steps back gives Zeek a last_time before
   * start_time: a negative duration, and inactivity timers counted from the past. Here a packet older
   * than the flow's last one leaves it: duration >= 0 and timers never move back (a deliberate
   * difference, only visible when packet time goes backwards inside one flow).
   */
  void seen(long t) {
    if (t > lastNanos) {
      lastNanos = t;
    }
  }

  // ---- Zeek's history
  /** Grows (16, 32, ... {@link #MAX_HISTORY}) and stays with the pooled flow. */
  byte[] history = new byte[16];
  int historyLen;
  int histSeen;
  long missedBytes;

  // ---- TCP connection state (TCPSessionAdapter)
  boolean isActive;
  boolean isPartial;
  int firstPacketSeen;
  boolean closeDeferred;
  boolean deferredGenEvent;
  /** Set while a packet is processed when Zeek would raise connection_established. */
  boolean establishedEvent;

  // ---- timers
  long inactivityTimeout;
  /** When the session inactivity timer next looks at this flow. */
  long inactivityCheck;
  /** Zeek's analyzer timers (TCP only: allocated on the first one, kept with the pooled flow). */
  long[] timerAt;
  byte[] timerKind;
  int nTimers;
  long heapKey;
  int heapIndex = -1;

  // ---- application layer (see FlowObserver)
  /** The observer's per-flow state; null until it allocates some. Cleared when the flow ends. */
  Object app;
  /** Small per-flow flags of the observer (what it already looked at), 0 for a new flow. */
  int appBits;
  /** Services detected by content ({@link #SERVICE_DNS} ...), shown in the record. */
  int services;
  /** The first packet of the connection was a SYN or a SYN-ACK (Zeek: not a partial connection). */
  boolean startedWithSyn;

  // ---- tunnels
  /** Key part: which tunnel the flow came through ({@code DecodedPacket.tunnelKey}), 0 for none. */
  long tunnelKey;
  /** Tunnels this flow's payload was (bit per {@code TunnelType} ordinal): its service names. */
  int tunnelServices;
  /** Sides that sent valid Teredo (1 originator, 2 responder): Teredo is named once both did. */
  int teredoSides;
  /** Uid hashes of the enclosing tunnels' flows (Zeek's tunnel_parents: a set, in order of arrival). */
  final long[] parents = new long[MAX_PARENTS];
  int nParents;
  static final int MAX_PARENTS = 4;
  /** The enclosing tunnel's uid hash of the last packet (Zeek's connection encapsulation). */
  long encap;
  /** Changes of {@link #encap} (Zeek's tunnel_changes, bounded by Tunnel::max_changes_per_connection). */
  int tunnelChanges;
  /** Zeek's {@code Tunnel::max_changes_per_connection}: past it, 'X' in the history. */
  static final int MAX_TUNNEL_CHANGES = 5;
  /** History mask of Zeek's HIST_ANALYZER_LIMIT_REACHED ('X', once). */
  static final int HIST_ANALYZER_LIMIT_REACHED = 0x8000;

  public static final int SERVICE_DNS = 1;
  public static final int SERVICE_HTTP = 2;
  public static final int SERVICE_SSL = 4;
  public static final int SERVICE_QUIC = 8;

  // ---- table links
  Flow lruPrev;
  Flow lruNext;
  int slot = -1;
  Flow nextFree;

  Flow() {
    orig.peer = resp;
    resp.peer = orig;
  }

  void reset() {
    orig.reset();
    resp.reset();
    orig.isOrig = true;
    resp.isOrig = false;
    origIsA = true;
    historyLen = 0;
    histSeen = 0;
    missedBytes = 0;
    isActive = true;
    isPartial = false;
    firstPacketSeen = 0;
    closeDeferred = false;
    deferredGenEvent = false;
    establishedEvent = false;
    nTimers = 0;
    heapIndex = -1;
    lruPrev = null;
    lruNext = null;
    slot = -1;
    nextFree = null;
    app = null;
    appBits = 0;
    services = 0;
    startedWithSyn = false;
    tunnelKey = 0;
    tunnelServices = 0;
    teredoSides = 0;
    nParents = 0;
    encap = 0;
    tunnelChanges = 0;
  }

  /** Adds an enclosing tunnel's uid hash; false when the set is full (the uid is then not kept). */
  boolean addParent(long uidHash) {
    for (int i = 0; i < nParents; i++) {
      if (parents[i] == uidHash) {
        return true;
      }
    }
    if (nParents == MAX_PARENTS) {
      return false;
    }
    parents[nParents++] = uidHash;
    return true;
  }

  boolean isTcp() {
    return kind == KIND_TCP;
  }

  /**
   * Zeek's {@code Connection::FlipRoles}: the responder becomes the originator. The endpoints keep
   * their counters and TCP state (Zeek swaps them together with the ConnSize counts), and the
   * history gets a '^'.
   */
  void flipRoles(FlowCounters counters) {
    origIsA = !origIsA;
    Endpoint t = orig;
    orig = resp;
    resp = t;
    orig.isOrig = true;
    resp.isOrig = false;
    firstPacketSeen = ((firstPacketSeen & ORIG) != 0 ? RESP : 0) | ((firstPacketSeen & RESP) != 0 ? ORIG : 0);
    isPartial = false;
    addHistory('^', counters);
  }

  // ---- history (Zeek's Session history)

  void addHistory(char c, FlowCounters counters) {
    if (historyLen == history.length) {
      if (historyLen == MAX_HISTORY) {
        counters.historyTruncated++;
        return;
      }
      history = java.util.Arrays.copyOf(history, historyLen * 2);
    }
    history[historyLen++] = (byte) c;
  }

  /** Zeek's {@code Session::CheckHistory}: adds {@code code} the first time {@code mask} is seen. */
  boolean checkHistory(int mask, char code, FlowCounters counters) {
    if ((histSeen & mask) == 0) {
      histSeen |= mask;
      addHistory(code, counters);
      return false;
    }
    return true;
  }

  boolean historyIsSingle(char c) {
    return historyLen == 1 && history[0] == (byte) c;
  }

  void replaceHistory(String h) {
    historyLen = 0;
    for (int i = 0; i < h.length() && i < history.length; i++) {
      history[historyLen++] = (byte) h.charAt(i);
    }
  }

  String historyString() {
    return new String(history, 0, historyLen, java.nio.charset.StandardCharsets.US_ASCII);
  }

  // ---- timers

  /** Adds an analyzer timer; false (and nothing) when the list is full. */
  boolean addTimer(byte kind, long at) {
    if (timerAt == null) {
      timerAt = new long[MAX_TIMERS];
      timerKind = new byte[MAX_TIMERS];
    }
    if (nTimers == MAX_TIMERS) {
      return false;
    }
    timerAt[nTimers] = at;
    timerKind[nTimers] = kind;
    nTimers++;
    return true;
  }

  void removeTimer(int i) {
    nTimers--;
    for (int j = i; j < nTimers; j++) {
      timerAt[j] = timerAt[j + 1];
      timerKind[j] = timerKind[j + 1];
    }
  }

  /** The earliest time any timer of this flow wants to run. */
  long nextDeadline() {
    long t = inactivityCheck;
    for (int i = 0; i < nTimers; i++) {
      if (timerAt[i] < t) {
        t = timerAt[i];
      }
    }
    return t;
  }

  // ---- what the application layer may read and set (no allocation unless it says so)

  /** The observer's state for this flow, or null. */
  public Object appState() {
    return app;
  }

  public void appState(Object state) {
    app = state;
  }

  public int appBits() {
    return appBits;
  }

  public void appBits(int bits) {
    appBits = bits;
  }

  /** Adds a detected service ({@link #SERVICE_DNS}, {@link #SERVICE_HTTP}, {@link #SERVICE_SSL}). */
  public void addService(int service) {
    services |= service;
  }

  public void removeService(int service) {
    services &= ~service;
  }

  public int services() {
    return services;
  }

  public boolean tcp() {
    return kind == KIND_TCP;
  }

  public boolean udp() {
    return kind == KIND_UDP;
  }

  /** Zeek's not-partial: the connection's first packet was a SYN or a SYN-ACK. */
  public boolean startedWithSyn() {
    return startedWithSyn;
  }

  /** Whether side A of the key (see {@link FlowObserver}) is the originator now. */
  public boolean originatorIsA() {
    return origIsA;
  }

  /** The flow's uid ("C" + base62; allocates). */
  public String uid() {
    return Uid.format(uidHash);
  }

  /** Originator's address as text (allocates). */
  public String origAddress() {
    return AddressFormat.format(ipVersion, origHi(), origLo());
  }

  public String respAddress() {
    return AddressFormat.format(ipVersion, respHi(), respLo());
  }

  /** Whether the responder's address is multicast (IPv4 224.0.0.0/4, IPv6 ff00::/8). */
  public boolean respIsMulticast() {
    if (ipVersion == 6) {
      return (respHi() >>> 56) == 0xff;
    }
    return (respLo() & 0xf0000000L) == 0xe0000000L;
  }

  /**
   * Whether side A ({@code fromA}) has sent a SYN, and then the SYN's sequence number in
   * {@link #synSeq(boolean)}. Sides, not roles: they do not change when the roles flip.
   */
  public boolean sawSyn(boolean fromA) {
    return side(fromA).sawSyn;
  }

  public long synSeq(boolean fromA) {
    return side(fromA).synSeq;
  }

  /**
   * Zeek's {@code established_or_cleanly_closing} for content gaps: each endpoint ESTABLISHED, or
   * CLOSED after ESTABLISHED.
   */
  public boolean cleanlyEstablished() {
    return clean(orig) && clean(resp);
  }

  private static boolean clean(Endpoint e) {
    return e.state == Endpoint.ESTABLISHED || (e.state == Endpoint.CLOSED && e.prevState == Endpoint.ESTABLISHED);
  }

  /** Whether either side reset the connection. */
  public boolean wasReset() {
    return orig.state == Endpoint.RESET || resp.state == Endpoint.RESET;
  }

  private Endpoint side(boolean a) {
    return a == origIsA ? orig : resp;
  }

  // ---- orientation helpers for records

  long origHi() {
    return origIsA ? aHi : bHi;
  }

  long origLo() {
    return origIsA ? aLo : bLo;
  }

  long respHi() {
    return origIsA ? bHi : aHi;
  }

  long respLo() {
    return origIsA ? bLo : aLo;
  }

  public int origPort() {
    return origIsA ? aPort : bPort;
  }

  public int respPort() {
    return origIsA ? bPort : aPort;
  }
}
