package dev.nsm.sensor.flow;

import dev.nsm.parsers.packet.DecodedPacket;

/**
 * The uids of the tunnels' outer flows, known to the thread that decodes (the ingest thread), so that
 * an inner flow can name its parent whatever worker owns it: no locks, no messages between workers.
 *
 * <p>Why it agrees with the flow tables: an outer flow's uid is a function of its first packet (time,
 * tuple as seen, VLANs, tunnel key; {@link Uid}), and an outer (UDP or other-IP) flow ends only by
 * inactivity, when packet time reaches its last packet plus its timeout. The ingest thread sees every
 * packet, in the order the workers do, and the workers' clock is the maximum packet time of all slots,
 * which this mirror keeps too ({@link #advanceTime}). So replaying the start/last-seen of each outer
 * key here gives the uid the owning worker's {@link FlowTable} gives the same flow. Where they can
 * part: a flow the owning table evicts when full (counted there as {@code flows_evicted}), or an entry
 * this mirror could not keep ({@link #full}, counted).
 *
 * <p>Memory: open addressing over parallel arrays, linear probing; entries whose flow has timed out
 * are reused in place, and when the table is three quarters full it is rebuilt with the live entries
 * only (twice as large if more than half of them are still live), up to {@link #MAX_CAPACITY}.
 */
public final class TunnelUids {
  static final int INITIAL_CAPACITY = 1 << 12;
  static final int MAX_CAPACITY = 1 << 22;

  private final FlowConfig config;
  private long now = Long.MIN_VALUE;

  private long[] aHi, aLo, bHi, bLo, tunnel, last, uid, timeout;
  private int[] ports; // aPort << 16 | bPort
  private int[] meta; // 1 (used) | version << 8 | proto << 16
  private int used;
  private int mask;

  /** Outer flows not tracked because the mirror was at {@link #MAX_CAPACITY}: their inner flows may name a wrong parent. */
  public long full;

  public TunnelUids(FlowConfig config) {
    this.config = config;
    allocate(INITIAL_CAPACITY);
  }

  /** The previous arrays, kept to rebuild into at the same capacity without allocating. */
  private long[] sHiA, sLoA, sbHi, sbLo, sTunnel, sLast, sUid, sTimeout;
  private int[] sPorts, sMeta;

  private void allocate(int cap) {
    if (sMeta != null && sMeta.length == cap) { // reuse the spare set (cleared)
      long[][] ls = {sHiA, sLoA, sbHi, sbLo, sTunnel, sLast, sUid, sTimeout};
      for (long[] a : ls) {
        java.util.Arrays.fill(a, 0L);
      }
      java.util.Arrays.fill(sPorts, 0);
      java.util.Arrays.fill(sMeta, 0);
      long[] t;
      int[] ti;
      t = aHi; aHi = sHiA; sHiA = t;
      t = aLo; aLo = sLoA; sLoA = t;
      t = bHi; bHi = sbHi; sbHi = t;
      t = bLo; bLo = sbLo; sbLo = t;
      t = tunnel; tunnel = sTunnel; sTunnel = t;
      t = last; last = sLast; sLast = t;
      t = uid; uid = sUid; sUid = t;
      t = timeout; timeout = sTimeout; sTimeout = t;
      ti = ports; ports = sPorts; sPorts = ti;
      ti = meta; meta = sMeta; sMeta = ti;
      mask = cap - 1;
      used = 0;
      return;
    }
    // keep the current arrays (if any) as the spare set: the next rebuild at this capacity swaps
    sHiA = aHi; sLoA = aLo; sbHi = bHi; sbLo = bLo; sTunnel = tunnel; sLast = last; sUid = uid;
    sTimeout = timeout; sPorts = ports; sMeta = meta;
    aHi = new long[cap];
    aLo = new long[cap];
    bHi = new long[cap];
    bLo = new long[cap];
    tunnel = new long[cap];
    last = new long[cap];
    uid = new long[cap];
    timeout = new long[cap];
    ports = new int[cap];
    meta = new int[cap];
    mask = cap - 1;
    used = 0;
  }

  /** Packet time moved on (any packet or tick the workers see). */
  public void advanceTime(long nanos) {
    if (nanos > now) {
      now = nanos;
    }
  }

  /**
   * The uid hash of the flow {@code p} (a tunnel's outer layer) belongs to, as the owning flow table
   * computes it; records {@code p} as that flow's last packet.
   */
  public long uidOf(DecodedPacket p) {
    long t = p.tsNanos;
    advanceTime(t);
    int version = p.ipVersion;
    int proto = p.ipProto;
    long sHi = AddressFormat.hi(p.src, version);
    long sLo = AddressFormat.lo(p.src, version);
    long dHi = AddressFormat.hi(p.dst, version);
    long dLo = AddressFormat.lo(p.dst, version);
    boolean ported = proto == DecodedPacket.PROTO_UDP || proto == DecodedPacket.PROTO_TCP;
    int sPort = ported ? p.srcPort : 0;
    int dPort = ported ? p.dstPort : 0;
    int cmp = CommunityId.compareAddr(sHi, sLo, dHi, dLo);
    boolean srcIsA = cmp < 0 || (cmp == 0 && sPort <= dPort);
    long xaHi = srcIsA ? sHi : dHi;
    long xaLo = srcIsA ? sLo : dLo;
    long xbHi = srcIsA ? dHi : sHi;
    long xbLo = srcIsA ? dLo : sLo;
    int xPorts = srcIsA ? (sPort << 16) | dPort : (dPort << 16) | sPort;
    int pVlanCount = p.vlanCount;
    int pVlan0 = p.vlanCount > 0 ? p.vlans[0] : 0;
    int pVlan1 = p.vlanCount > 1 ? p.vlans[1] : 0;
    long key = p.tunnelKey;
    if (config.vlanInKey) { // VLANs in the key: folded into the tunnel part of this mirror's key
      key = key * 31 + (((long) pVlanCount << 40) | ((long) pVlan0 << 20) | pVlan1) + 1;
    }
    int m = 1 | (version << 8) | (proto << 16);
    long h = xaHi * 0x9E3779B97F4A7C15L;
    h = (h ^ xaLo) * 0xBF58476D1CE4E5B9L;
    h = (h ^ xbHi) * 0x94D049BB133111EBL;
    h = (h ^ xbLo) * 0x9E3779B97F4A7C15L;
    h = (h ^ (((long) xPorts << 24) ^ m ^ (key * 0xBF58476D1CE4E5B9L))) * 0x94D049BB133111EBL;
    int i = (int) mix(h) & mask;
    int reuse = -1;
    while (meta[i] != 0) {
      if (meta[i] == m && ports[i] == xPorts && aLo[i] == xaLo && bLo[i] == xbLo && aHi[i] == xaHi
          && bHi[i] == xbHi && tunnel[i] == key) {
        if (last[i] + timeout[i] <= now) { // the flow timed out: this packet starts the next one
          uid[i] = newUid(t, version, sHi, sLo, sPort, dHi, dLo, dPort, proto, pVlanCount, pVlan0, pVlan1, p);
        }
        last[i] = t;
        return uid[i];
      }
      if (reuse < 0 && last[i] + timeout[i] <= now) {
        reuse = i;
      }
      i = (i + 1) & mask;
    }
    long u = newUid(t, version, sHi, sLo, sPort, dHi, dLo, dPort, proto, pVlanCount, pVlan0, pVlan1, p);
    if (reuse >= 0) {
      i = reuse;
    } else {
      if (used + 1 > (mask + 1) * 3 / 4) {
        if (!rebuild()) {
          full++;
          return u;
        }
        return uidOf(p); // placed in the rebuilt table (t is already the last packet time: same uid)
      }
      used++;
    }
    meta[i] = m;
    ports[i] = xPorts;
    aHi[i] = xaHi;
    aLo[i] = xaLo;
    bHi[i] = xbHi;
    bLo[i] = xbLo;
    tunnel[i] = key;
    last[i] = t;
    uid[i] = u;
    timeout[i] = proto == DecodedPacket.PROTO_UDP ? config.udpInactivityNanos
        : proto == DecodedPacket.PROTO_TCP ? config.tcpInactivityNanos : config.otherInactivityNanos;
    return u;
  }

  private static long newUid(long t, int version, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort,
      int proto, int vc, int v0, int v1, DecodedPacket p) {
    return Uid.tunnel(Uid.hash(t, version, sHi, sLo, sPort, dHi, dLo, dPort, proto, vc, v0, v1), p.tunnelKey);
  }

  /**
   * MurmurHash3's 64-bit finaliser: every input bit reaches the low bits the table index takes. (A
   * product's low bits depend only on its factors' low bits: with the ports shifted left by 24, a
   * mirror session's flows, which differ only in one port, all fell on one slot of a small table and
   * every lookup walked one long cluster: 80 % of the ingest thread on a VXLAN-wrapped capture.)
   */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }

  /** Rebuilds without the timed-out entries; false when the live ones would not fit in MAX_CAPACITY. */
  private boolean rebuild() {
    int live = 0;
    for (int i = 0; i <= mask; i++) {
      if (meta[i] != 0 && last[i] + timeout[i] > now) {
        live++;
      }
    }
    int cap = mask + 1;
    if (live > cap / 2) {
      if (cap >= MAX_CAPACITY) {
        return false;
      }
      cap *= 2;
    }
    long[] oaHi = aHi, oaLo = aLo, obHi = bHi, obLo = bLo, oTunnel = tunnel, oLast = last, oUid = uid,
        oTimeout = timeout;
    int[] oPorts = ports, oMeta = meta;
    int oldCap = mask + 1;
    allocate(cap);
    for (int j = 0; j < oldCap; j++) {
      if (oMeta[j] == 0 || oLast[j] + oTimeout[j] <= now) {
        continue;
      }
      long h = oaHi[j] * 0x9E3779B97F4A7C15L;
      h = (h ^ oaLo[j]) * 0xBF58476D1CE4E5B9L;
      h = (h ^ obHi[j]) * 0x94D049BB133111EBL;
      h = (h ^ obLo[j]) * 0x9E3779B97F4A7C15L;
      h = (h ^ (((long) oPorts[j] << 24) ^ oMeta[j] ^ (oTunnel[j] * 0xBF58476D1CE4E5B9L))) * 0x94D049BB133111EBL;
      int i = (int) mix(h) & mask;
      while (meta[i] != 0) {
        i = (i + 1) & mask;
      }
      meta[i] = oMeta[j];
      ports[i] = oPorts[j];
      aHi[i] = oaHi[j];
      aLo[i] = oaLo[j];
      bHi[i] = obHi[j];
      bLo[i] = obLo[j];
      tunnel[i] = oTunnel[j];
      last[i] = oLast[j];
      uid[i] = oUid[j];
      timeout[i] = oTimeout[j];
      used++;
    }
    return true;
  }

  /** Entries in use (live or awaiting reuse). */
  public int size() {
    return used;
  }
}
