package dev.nsm.sensor.flow;

import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.TunnelType;
import dev.nsm.proto.v1.EndReason;
import dev.nsm.sensor.pipeline.RecordSink;
import java.util.Arrays;
import java.util.Comparator;

/**
 * One worker's connections, tracked as Zeek tracks them (conn.log semantics): who is the originator,
 * {@code conn_state}, {@code history}, sizes from TCP sequence numbers, packets and IP bytes each way,
 * timeouts on packet time. See {@link TcpSession} for TCP and {@link FlowConfig} for the timers.
 *
 * <pre>
 *   slots[]  open addressing, linear probing, backward-shift delete; 2 x maxFlows slots
 *     │        key = (ip version, proto, side A, side B [, VLAN ids]), sides in canonical order
 *     ▼
 *   Flow ◄──► Flow ◄──► Flow      LRU list by last packet: head = least recently active (evicted
 *                                  first when the table is full)
 *   heap[]   min-heap of flows by their next timer (Zeek's inactivity, attempt, expire and close
 *            timers); advanceTime() pops only what is due, so it is O(1) when nothing expires
 *   free     pool of finished Flow objects, reused: no allocation per packet, none per flow once warm
 *   bytes    estimated heap of the open flows: FLOW_BYTES each, + APP_STATE_BYTES while the
 *            application layer holds state for one (re-weighed after it saw the packet)
 * </pre>
 *
 * <p>Two bounds, both enforced by evicting the least recently active flows (written with
 * END_REASON_EVICTED, counted in flowsEvicted; flowsEvictedMemory for the byte cap): at most
 * {@link FlowConfig#maxFlows} flows, at most {@link FlowConfig#maxBytes} of estimated heap.
 *
 * <p>Time is packet time: timers fire in {@link #advanceTime} at the first packet (of any worker)
 * past them, as Zeek fires its timers before processing the packet that moved network time on.
 * Single-threaded: one table per worker.
 */
public final class FlowTable {
  private final FlowConfig config;
  private final RecordSink sink;
  /** Whether the sink takes flow records as JSON lines ({@link RecordSink#takesJsonLines}). */
  private final boolean jsonLines;
  private final FlowCounters counters;
  private final TcpSession tcp;
  private final FlowObserver observer;
  private final FlowRecords records = new FlowRecords();

  private final Flow[] slots;
  private final int mask;
  private int size;

  private final Flow[] heap;
  private int heapSize;

  /** Estimated heap of the open flows (the sum of their weights). */
  private long bytes;

  private Flow lruHead;
  private Flow lruTail;
  private Flow free;

  private long networkTime = Long.MIN_VALUE;
  private long nextSerial;

  // ---- the current packet's key (scratch, reused)
  private int kKind;
  private int kProto;
  private int kVersion;
  private long sHi;
  private long sLo;
  private long dHi;
  private long dLo;
  private int sPort;
  private int dPort;
  private boolean oneWay;
  private long aHi;
  private long aLo;
  private long bHi;
  private long bLo;
  private int aPort;
  private int bPort;
  private boolean srcIsA;
  private int pVlanCount;
  private int pVlan0;
  private int pVlan1;
  private int kVlanCount;
  private int kVlan0;
  private int kVlan1;
  private int kHash;
  private long kTunnel;

  public FlowTable(FlowConfig config, RecordSink sink, FlowCounters counters) {
    this(config, sink, counters, FlowObserver.NONE);
  }

  /** A table that tells {@code observer} (the application layer) of every segment, datagram and end. */
  public FlowTable(FlowConfig config, RecordSink sink, FlowCounters counters, FlowObserver observer) {
    this.config = config;
    this.sink = sink;
    this.jsonLines = sink.takesJsonLines();
    this.counters = counters;
    this.observer = observer;
    this.tcp = new TcpSession(this, config, counters);
    int cap = Integer.highestOneBit(Math.max(4, config.maxFlows) * 2 - 1) << 1;
    this.slots = new Flow[cap];
    this.mask = cap - 1;
    this.heap = new Flow[config.maxFlows];
    observer.attach(this);
  }

  /** The uid hash of the flow the last {@link #onPacket} went to (0: none), as its tunnel_parents name it. */
  private long lastUid;

  /** The uid hash of the flow the last {@link #onPacket} counted its packet on; 0 if it made none. */
  public long lastFlowUid() {
    return lastUid;
  }

  /** Flows open now. */
  public int size() {
    return size;
  }

  // ------------------------------------------------------------------ packets

  /** One decoded IP packet (p.ipVersion != 0) owned by this worker. Fragments arrive reassembled. */
  public void onPacket(DecodedPacket p) {
    lastUid = 0;
    if (p.ipVersion == 0) {
      return;
    }
    if (p.keyOnly) {
      keyOnly(p);
      return;
    }
    counters.packets++;
    long t = p.tsNanos;
    advanceTime(t);
    if (!keyOf(p)) {
      counters.packetsWithoutTransport++;
      return;
    }
    Flow f = find();
    if (f != null && kKind == Flow.KIND_TCP && TcpSession.isReuse(f, p.tcpFlags, p.seq)) {
      counters.flowsReused++;
      finish(f, EndReason.END_REASON_CLOSED);
      f = null;
    }
    if (f == null) {
      f = create(p, t);
    }
    boolean isOrig;
    if (f.aPort == f.bPort && f.aHi == f.bHi && f.aLo == f.bLo) {
      isOrig = true; // both ends the same: Zeek compares with the originator's address and port
    } else {
      isOrig = srcIsA == f.origIsA;
    }
    Endpoint sender = isOrig ? f.orig : f.resp;
    if (p.parentUid != 0 && !f.addParent(p.parentUid)) {
      counters.tunnelParentsDropped++;
    }
    if (f.encap != p.parentUid) {
      // Zeek's Connection::CheckEncapsulation: a connection whose packets come through another
      // tunnel connection than the last one (VXLAN's two directions are two UDP connections)
      if (f.tunnelChanges >= Flow.MAX_TUNNEL_CHANGES) {
        f.checkHistory(Flow.HIST_ANALYZER_LIMIT_REACHED, 'X', counters); // and the encapsulation stays
      } else {
        f.tunnelChanges++;
        f.encap = p.parentUid;
      }
    }
    if (p.carries != null) {
      if (p.carries == TunnelType.TEREDO) {
        // Zeek's Teredo analyzer confirms (names the service) once both sides sent valid Teredo
        // (Tunnel::delay_teredo_confirmation); it decapsulates every valid packet meanwhile
        f.teredoSides |= isOrig ? 1 : 2;
        if (f.teredoSides == 3) {
          f.tunnelServices |= 1 << TunnelType.TEREDO.ordinal();
        }
      } else {
        f.tunnelServices |= 1 << p.carries.ordinal();
      }
    }
    switch (f.kind) {
      case Flow.KIND_TCP:
        tcp.process(f, isOrig, t, p.tcpFlags, p.seq, p.ack, p.window, p.payloadLen, p.payloadCaptured);
        if (f.establishedEvent) {
          f.establishedEvent = false;
          onEstablished(f);
        }
        break;
      case Flow.KIND_UDP:
        f.seen(t);
        if (isOrig) {
          f.checkHistory(0x1, 'D', counters);
        } else {
          f.checkHistory(0x2, 'd', counters);
        }
        addPayload(sender, p.payloadLen);
        break;
      case Flow.KIND_ICMP:
        f.seen(t);
        addPayload(sender, p.ipLen - (p.l4Offset - p.ipOffset) - 8);
        break;
      default:
        f.seen(t);
        break;
    }
    sender.pkts++;
    sender.ipBytes += p.ipLen;
    lruTouch(f);
    lastUid = f.uidHash;
    // the application layer last: whatever it does, the flow's own accounting is done
    if (f.kind == Flow.KIND_TCP) {
      observer.onTcp(f, srcIsA, p);
    } else if (f.kind == Flow.KIND_UDP && p.carries == null) {
      // a tunnel's outer datagram: its payload is the tunnel (decoded already), not DNS or QUIC
      observer.onUdp(f, srcIsA, p);
    }
    if (f.slot >= 0) {
      reweigh(f);
    }
  }

  /** The flow's weight after the application layer took or dropped state for it; over the cap: evict. */
  private void reweigh(Flow f) {
    int w = FlowConfig.FLOW_BYTES + (f.appState() != null ? FlowConfig.APP_STATE_BYTES : 0);
    if (w == f.weight) {
      return;
    }
    bytes += w - f.weight;
    f.weight = w;
    counters.flowBytes = bytes;
    while (bytes > config.maxBytes && lruHead != f) {
      counters.flowsEvicted++;
      counters.flowsEvictedMemory++;
      finish(lruHead, EndReason.END_REASON_EVICTED);
    }
  }

  /** Estimated heap of the open flows, in bytes. */
  public long bytes() {
    return bytes;
  }

  /**
   * A malformed TCP packet whose ports are known (its options cut, counted by the decoder): Zeek's
   * session manager makes the connection before its TCP analyzer drops the packet, so conn.log has
   * it with no packet, no byte and no history (OTH). Same here: the flow is made or kept alive,
   * nothing is counted on it and no parser sees the packet.
   */
  private void keyOnly(DecodedPacket p) {
    long t = p.tsNanos;
    advanceTime(t);
    if (!keyOf(p)) {
      return;
    }
    Flow f = find();
    if (f == null) {
      f = create(p, t);
    }
    lruTouch(f);
  }

  private static void addPayload(Endpoint e, long n) {
    e.payloadBytes = e.payloadBytes < 0 ? n : e.payloadBytes + n;
  }

  /** Zeek's Conn::port_inactivity_timeouts, applied on connection_established. */
  private void onEstablished(Flow f) {
    int port = f.respPort();
    if (f.orig.state == Endpoint.INACTIVE
        && !ServerPorts.likelyTcp(port)
        && ServerPorts.likelyTcp(f.origPort())) {
      port = f.origPort(); // half-established: the originator's well-known port
    }
    if (port == 21 || port == 22 || port == 23 || port == 513) {
      setInactivityTimeout(f, config.longInactivityNanos);
    }
  }

  /** Fills the scratch key from the packet; false when the transport header is missing. */
  private boolean keyOf(DecodedPacket p) {
    kVersion = p.ipVersion;
    kProto = p.ipProto;
    sHi = AddressFormat.hi(p.src, kVersion);
    sLo = AddressFormat.lo(p.src, kVersion);
    dHi = AddressFormat.hi(p.dst, kVersion);
    dLo = AddressFormat.lo(p.dst, kVersion);
    oneWay = false;
    switch (kProto) {
      case DecodedPacket.PROTO_TCP:
      case DecodedPacket.PROTO_UDP:
        if (p.l4Offset < 0) {
          return false;
        }
        kKind = kProto == DecodedPacket.PROTO_TCP ? Flow.KIND_TCP : Flow.KIND_UDP;
        sPort = p.srcPort;
        dPort = p.dstPort;
        break;
      case DecodedPacket.PROTO_ICMP:
      case DecodedPacket.PROTO_ICMPV6:
        if (p.l4Offset < 0 || p.icmpType < 0) {
          return false;
        }
        kKind = Flow.KIND_ICMP;
        sPort = p.icmpType;
        int c = Icmp.counterpart(kProto == DecodedPacket.PROTO_ICMPV6, p.icmpType);
        if (c < 0) {
          oneWay = true;
          dPort = p.icmpCode;
        } else {
          dPort = c;
        }
        break;
      default:
        kKind = Flow.KIND_OTHER;
        sPort = 0;
        dPort = 0;
        break;
    }
    int cmp = CommunityId.compareAddr(sHi, sLo, dHi, dLo);
    srcIsA = oneWay || cmp < 0 || (cmp == 0 && sPort <= dPort);
    if (srcIsA) {
      aHi = sHi;
      aLo = sLo;
      aPort = sPort;
      bHi = dHi;
      bLo = dLo;
      bPort = dPort;
    } else {
      aHi = dHi;
      aLo = dLo;
      aPort = dPort;
      bHi = sHi;
      bLo = sLo;
      bPort = sPort;
    }
    pVlanCount = p.vlanCount;
    pVlan0 = p.vlanCount > 0 ? p.vlans[0] : 0;
    pVlan1 = p.vlanCount > 1 ? p.vlans[1] : 0;
    if (config.vlanInKey) {
      kVlanCount = pVlanCount;
      kVlan0 = pVlan0;
      kVlan1 = pVlan1;
    } else {
      kVlanCount = 0;
      kVlan0 = 0;
      kVlan1 = 0;
    }
    long h = aHi * 0x9E3779B97F4A7C15L;
    h = (h ^ aLo) * 0xBF58476D1CE4E5B9L;
    h = (h ^ bHi) * 0x94D049BB133111EBL;
    h = (h ^ bLo) * 0x9E3779B97F4A7C15L;
    h = (h ^ (((long) aPort << 16) | bPort | ((long) kProto << 32) | ((long) kVersion << 40))) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (((long) kVlan0 << 24) ^ kVlan1 ^ ((long) kVlanCount << 48))) * 0x94D049BB133111EBL;
    kTunnel = p.tunnelKey;
    if (kTunnel != 0) {
      h = (h ^ kTunnel) * 0x9E3779B97F4A7C15L;
    }
    h ^= h >>> 31;
    kHash = (int) (h ^ (h >>> 32));
    return true;
  }

  private Flow find() {
    int i = kHash & mask;
    while (true) {
      Flow f = slots[i];
      if (f == null) {
        return null;
      }
      if (f.hash == kHash
          && f.aLo == aLo && f.bLo == bLo && f.aPort == aPort && f.bPort == bPort
          && f.aHi == aHi && f.bHi == bHi && f.ipProto == kProto && f.ipVersion == kVersion
          && f.keyVlanCount == kVlanCount && f.keyVlan0 == kVlan0 && f.keyVlan1 == kVlan1
          && f.tunnelKey == kTunnel) {
        return f;
      }
      i = (i + 1) & mask;
    }
  }

  private Flow create(DecodedPacket p, long t) {
    if (size >= config.maxFlows) {
      counters.flowsEvicted++;
      finish(lruHead, EndReason.END_REASON_EVICTED);
    }
    while (lruHead != null && bytes + FlowConfig.FLOW_BYTES > config.maxBytes) {
      counters.flowsEvicted++;
      counters.flowsEvictedMemory++;
      finish(lruHead, EndReason.END_REASON_EVICTED);
    }
    Flow f = free;
    if (f != null) {
      free = f.nextFree;
    } else {
      f = new Flow();
    }
    f.reset();
    f.kind = kKind;
    f.ipProto = kProto;
    f.ipVersion = kVersion;
    f.aHi = aHi;
    f.aLo = aLo;
    f.bHi = bHi;
    f.bLo = bLo;
    f.aPort = aPort;
    f.bPort = bPort;
    f.keyVlanCount = kVlanCount;
    f.keyVlan0 = kVlan0;
    f.keyVlan1 = kVlan1;
    f.vlanCount = pVlanCount;
    f.vlan0 = pVlan0;
    f.vlan1 = pVlan1;
    f.hash = kHash;
    f.serial = nextSerial++;
    f.weight = FlowConfig.FLOW_BYTES;
    bytes += FlowConfig.FLOW_BYTES;
    counters.flowBytes = bytes;
    f.origIsA = srcIsA;
    f.startNanos = t;
    f.lastNanos = t;
    f.startedWithSyn = kKind == Flow.KIND_TCP && (p.tcpFlags & TcpSession.SYN) != 0;
    f.uidHash = Uid.tunnel(Uid.hash(t, kVersion, sHi, sLo, sPort, dHi, dLo, dPort, kProto, pVlanCount, pVlan0,
        pVlan1), kTunnel);
    f.tunnelKey = kTunnel;
    f.encap = p.parentUid;
    counters.flowsMade++;

    // slot
    int i = kHash & mask;
    while (slots[i] != null) {
      i = (i + 1) & mask;
    }
    slots[i] = f;
    f.slot = i;
    size++;
    // LRU tail
    f.lruPrev = lruTail;
    if (lruTail != null) {
      lruTail.lruNext = f;
    } else {
      lruHead = f;
    }
    lruTail = f;

    boolean flip = false;
    boolean respBroadcast = kVersion == 4 && dLo == 0xffffffffL;
    switch (kKind) {
      case Flow.KIND_TCP:
        flip = TcpSession.flipOnNew(p.tcpFlags, sPort, dPort);
        tcp.init(f, networkTime);
        break;
      case Flow.KIND_UDP:
        flip = ServerPorts.likelyUdp(sPort) && !ServerPorts.likelyUdp(dPort);
        f.inactivityTimeout = config.udpInactivityNanos;
        break;
      case Flow.KIND_ICMP:
        f.inactivityTimeout = config.icmpInactivityNanos;
        break;
      default:
        f.inactivityTimeout = config.otherInactivityNanos;
        break;
    }
    f.inactivityCheck = t + f.inactivityTimeout;
    if (flip && !respBroadcast) {
      f.flipRoles(counters);
    }
    f.heapKey = f.nextDeadline();
    heapInsert(f);
    return f;
  }

  // ------------------------------------------------------------------ time

  /**
   * Packet time advanced to {@code nowNanos} (any packet of the input, or an idle tick): flows whose
   * timers are due are written. Time never goes back here (Zeek's network time). O(1) when nothing is due.
   */
  public void advanceTime(long nowNanos) {
    if (nowNanos > networkTime) {
      networkTime = nowNanos;
    }
    while (heapSize > 0 && heap[0].heapKey <= networkTime) {
      fire(heap[0], networkTime);
    }
  }

  /** Runs the due timers of one flow, in time order; writes it if one of them ends it. */
  private void fire(Flow f, long now) {
    while (true) {
      int which = -2;
      long best = Long.MAX_VALUE;
      if (f.inactivityCheck <= now) {
        which = -1;
        best = f.inactivityCheck;
      }
      for (int i = 0; i < f.nTimers; i++) {
        if (f.timerAt[i] <= now && f.timerAt[i] < best) {
          best = f.timerAt[i];
          which = i;
        }
      }
      if (which == -2) {
        break;
      }
      if (which == -1) {
        if (f.lastNanos + f.inactivityTimeout <= now) {
          counters.flowsTimedOut++;
          finish(f, EndReason.END_REASON_TIMEOUT);
          return;
        }
        f.inactivityCheck = f.lastNanos + f.inactivityTimeout;
      } else {
        byte kind = f.timerKind[which];
        f.removeTimer(which);
        if (tcp.fireTimer(f, kind, now)) {
          if (kind == Flow.TIMER_DELETE) {
            counters.flowsClosed++;
            finish(f, EndReason.END_REASON_CLOSED);
          } else {
            counters.flowsTimedOut++;
            finish(f, EndReason.END_REASON_TIMEOUT);
          }
          return;
        }
      }
    }
    timersChanged(f);
  }

  /**
   * Zeek's {@code Connection::FlipRoles} asked for by an analyzer (the DNS analyzer flips a
   * connection whose first message is a response from the originator).
   */
  public void flipRoles(Flow f) {
    f.flipRoles(counters);
  }

  /** Zeek's Session::SetInactivityTimeout: the inactivity timer restarts from the last packet. */
  void setInactivityTimeout(Flow f, long timeout) {
    if (timeout == f.inactivityTimeout) {
      return;
    }
    f.inactivityTimeout = timeout;
    f.inactivityCheck = f.lastNanos + timeout;
    timersChanged(f);
  }

  /** A flow's timers changed: move it in the heap. */
  void timersChanged(Flow f) {
    if (f.heapIndex < 0) {
      return;
    }
    long k = f.nextDeadline();
    if (k == f.heapKey) {
      return;
    }
    boolean earlier = k < f.heapKey;
    f.heapKey = k;
    if (earlier) {
      siftUp(f.heapIndex);
    } else {
      siftDown(f.heapIndex);
    }
  }

  // ------------------------------------------------------------------ end of input

  /** End of input: writes every open flow (END_OF_INPUT), oldest first (then in creation order). */
  public void flushAll() {
    Flow[] open = new Flow[size];
    int n = 0;
    for (Flow f = lruHead; f != null; f = f.lruNext) {
      open[n++] = f;
    }
    Arrays.sort(open, 0, n, Comparator.comparingLong((Flow f) -> f.startNanos).thenComparingLong(f -> f.serial));
    for (int i = 0; i < n; i++) {
      counters.flowsFlushed++;
      finish(open[i], EndReason.END_REASON_END_OF_INPUT);
    }
  }

  // ------------------------------------------------------------------ removal

  /** Writes the flow's record and forgets it. */
  private void finish(Flow f, EndReason reason) {
    observer.onEnd(f, reason);
    f.app = null;
    counters.flowRecords++;
    byte[] line = jsonLines ? records.jsonLine(f, reason) : null;
    if (line != null) {
      sink.emitLine(line); // replay's JSON output: the line itself, no Event to build and print
    } else {
      sink.emit(records.toEvent(f, reason));
    }
    removeSlot(f);
    bytes -= f.weight;
    f.weight = 0;
    counters.flowBytes = bytes;
    if (f.lruPrev != null) {
      f.lruPrev.lruNext = f.lruNext;
    } else {
      lruHead = f.lruNext;
    }
    if (f.lruNext != null) {
      f.lruNext.lruPrev = f.lruPrev;
    } else {
      lruTail = f.lruPrev;
    }
    f.lruPrev = null;
    f.lruNext = null;
    heapRemove(f);
    f.nextFree = free;
    free = f;
  }

  private void removeSlot(Flow f) {
    int i = f.slot;
    slots[i] = null;
    f.slot = -1;
    size--;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      Flow g = slots[j];
      if (g == null) {
        return;
      }
      int home = g.hash & mask;
      // g may move to i unless its home lies cyclically in (i, j]
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots[i] = g;
        g.slot = i;
        slots[j] = null;
        i = j;
      }
    }
  }

  private void lruTouch(Flow f) {
    if (f == lruTail) {
      return;
    }
    // unlink
    if (f.lruPrev != null) {
      f.lruPrev.lruNext = f.lruNext;
    } else {
      lruHead = f.lruNext;
    }
    f.lruNext.lruPrev = f.lruPrev;
    // append
    f.lruPrev = lruTail;
    f.lruNext = null;
    lruTail.lruNext = f;
    lruTail = f;
  }

  // ------------------------------------------------------------------ heap (by heapKey, then serial)

  private static boolean before(Flow a, Flow b) {
    return a.heapKey < b.heapKey || (a.heapKey == b.heapKey && a.serial < b.serial);
  }

  private void heapInsert(Flow f) {
    heap[heapSize] = f;
    f.heapIndex = heapSize;
    heapSize++;
    siftUp(f.heapIndex);
  }

  private void heapRemove(Flow f) {
    int i = f.heapIndex;
    if (i < 0) {
      return;
    }
    f.heapIndex = -1;
    heapSize--;
    if (i == heapSize) {
      heap[i] = null;
      return;
    }
    Flow last = heap[heapSize];
    heap[heapSize] = null;
    heap[i] = last;
    last.heapIndex = i;
    siftUp(i);
    siftDown(last.heapIndex);
  }

  private void siftUp(int i) {
    Flow f = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Flow p = heap[parent];
      if (!before(f, p)) {
        break;
      }
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = f;
    f.heapIndex = i;
  }

  private void siftDown(int i) {
    Flow f = heap[i];
    while (true) {
      int l = 2 * i + 1;
      if (l >= heapSize) {
        break;
      }
      int c = l;
      if (l + 1 < heapSize && before(heap[l + 1], heap[l])) {
        c = l + 1;
      }
      if (!before(heap[c], f)) {
        break;
      }
      heap[i] = heap[c];
      heap[i].heapIndex = i;
      i = c;
    }
    heap[i] = f;
    f.heapIndex = i;
  }
}
