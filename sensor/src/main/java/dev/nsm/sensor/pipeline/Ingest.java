package dev.nsm.sensor.pipeline;

import com.lmax.disruptor.RingBuffer;
import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.parsers.packet.TunnelSettings;
import dev.nsm.sensor.capture.PacketHandler;
import dev.nsm.sensor.flow.FlowConfig;
import dev.nsm.sensor.flow.FlowCounters;
import dev.nsm.sensor.flow.FlowTable;
import java.nio.ByteBuffer;

/**
 * The producer side of the packet ring, run by the reading (or capturing) thread: claims a slot,
 * copies the packet in once, decodes layers 2-4 there (so that fragments are put together in one
 * place, in input order, and the flow hash that picks the worker is known) and publishes.
 *
 * <p>Replay claims with {@link RingBuffer#next()}, which waits for a free slot: nothing is lost. Live
 * capture uses {@link #tryOnPacket}, which drops and counts when the ring is full.
 */
public final class Ingest implements PacketHandler {
  private final RingBuffer<PacketSlot> ring;
  private final int workers;
  private final PacketDecoder decoder;
  private final IpDefragmenter defrag;
  private final PipelineCounters counters;
  /** The sequence claimed by {@link #tryClaim}, until {@link #commit}. */
  private long claimed = -1;

  /**
   * The tunnels' outer flows (VXLAN, GENEVE, Teredo, AYIYA, GTP-U over UDP; GRE, ERSPAN, IP-in-IP),
   * and every flow that could be one ({@code DecodedPacket.tunnelCandidate}: a tunnel's UDP port,
   * GRE, IP-in-IP), kept by this thread: it has just decoded each of their packets, and it names the
   * parent uid of the layer each one carries from the flow it counted the packet on. See DESIGN.md,
   * "Tunnels".
   */
  private final FlowTable tunnelFlows;
  private final FlowCounters tunnelCounters = new FlowCounters();

  public Ingest(RingBuffer<PacketSlot> ring, int workers, IpDefragmenter defrag, PipelineCounters counters,
      RecordSink sink) {
    this(ring, workers, defrag, counters, TunnelSettings.defaults(), FlowConfig.defaults(), sink);
  }

  /**
   * @param tunnels what the decoder decapsulates
   * @param flowConfig the bounds and timeouts of the outer tunnel flows' table (as one worker's)
   * @param sink where the outer flows' records go
   */
  public Ingest(RingBuffer<PacketSlot> ring, int workers, IpDefragmenter defrag, PipelineCounters counters,
      TunnelSettings tunnels, FlowConfig flowConfig, RecordSink sink) {
    this.ring = ring;
    this.workers = workers;
    this.defrag = defrag;
    this.decoder = new PacketDecoder(defrag, tunnels);
    this.counters = counters;
    this.tunnelFlows = new FlowTable(flowConfig, sink, tunnelCounters);
  }

  /** The decoder (its tunnel counters have this ingest's thread as only writer). */
  public PacketDecoder decoder() {
    return decoder;
  }

  /** The outer tunnel flows' table (this thread's). */
  public FlowTable tunnelFlows() {
    return tunnelFlows;
  }

  /** Its counters (a racy snapshot from another thread). */
  public FlowCounters tunnelCounters() {
    return tunnelCounters;
  }

  @Override
  public void onPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    long seq = ring.next();
    fill(ring.get(seq), tsNanos, linkType, buf, offset, capLen, wireLen);
    ring.publish(seq);
  }

  /** Live capture: never waits. Returns false (and counts a ring drop) when the ring is full. */
  public boolean tryOnPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    byte[] dst = tryClaim(capLen);
    if (dst == null) {
      return false;
    }
    buf.get(offset, dst, 0, capLen);
    commit(tsNanos, linkType, capLen, wireLen);
    return true;
  }

  /**
   * Live capture from native memory, step 1 of 2: claims the next slot without waiting and returns
   * its byte array (at least {@code capLen} long) for the caller to copy the packet into, or null
   * when the ring is full (the packet is then counted as read and as a ring drop). A non-null return
   * must be followed by {@link #commit} before the next claim.
   *
   * <p>Why two steps: libpcap hands over a pointer to native memory; copying from it straight into
   * the slot saves the intermediate byte[] (or ByteBuffer view) that a one-call API would need.
   */
  public byte[] tryClaim(int capLen) {
    long seq;
    try {
      seq = ring.tryNext();
    } catch (com.lmax.disruptor.InsufficientCapacityException e) { // a preallocated singleton: no cost
      counters.packetsRead++;
      counters.ringDrops++;
      return null;
    }
    claimed = seq;
    PacketSlot slot = ring.get(seq);
    slot.ensureCapacity(capLen);
    return slot.data;
  }

  /** Step 2 of 2: the claimed slot holds the packet's bytes; decode them there and publish. */
  public void commit(long tsNanos, int linkType, int capLen, int wireLen) {
    long seq = claimed;
    claimed = -1;
    decodeInSlot(ring.get(seq), tsNanos, linkType, capLen, wireLen);
    ring.publish(seq);
  }

  /**
   * Live capture's clock while links are idle: publishes, if a slot is free, a slot that no worker
   * owns (shard -1) carrying {@code nowNanos}. Every worker advances its flow table's time with every
   * slot, so flows whose timers are due are written even when no packet comes. Not counted as a
   * packet. Returns false when the ring was full (the next tick tries again).
   */
  public boolean tryTick(long nowNanos) {
    long seq;
    try {
      seq = ring.tryNext();
    } catch (com.lmax.disruptor.InsufficientCapacityException e) {
      return false;
    }
    PacketSlot slot = ring.get(seq);
    slot.tsNanos = nowNanos;
    slot.capLen = 0;
    slot.wireLen = 0;
    slot.result = null;
    slot.shard = -1;
    slot.decoded.tunnelDepth = 0;
    tunnelFlows.advanceTime(nowNanos);
    ring.publish(seq);
    return true;
  }

  private void fill(PacketSlot slot, long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    slot.ensureCapacity(capLen);
    buf.get(offset, slot.data, 0, capLen);
    decodeInSlot(slot, tsNanos, linkType, capLen, wireLen);
  }

  /** The slot's data holds the packet: count it, decode it in place, pick its worker. */
  private void decodeInSlot(PacketSlot slot, long tsNanos, int linkType, int capLen, int wireLen) {
    counters.packetsRead++;
    counters.bytesRead += capLen;
    if (tsNanos > counters.lastTsNanos) {
      counters.lastTsNanos = tsNanos;
    }
    slot.capLen = capLen;
    slot.wireLen = wireLen;
    slot.linkType = linkType;
    slot.tsNanos = tsNanos;
    slot.packetNumber = counters.packetsRead;
    DecodedPacket p = slot.decoded;
    tunnelFlows.advanceTime(tsNanos);
    DecodeResult r = decoder.decode(slot.data, capLen, wireLen, linkType, tsNanos, p);
    if (r == DecodeResult.OK && p.reassembled) {
      // the datagram lives in the defragmenter's buffer until the next decode: copy it into the slot
      byte[] from = defrag.buffer();
      int len = p.reassembledLen;
      slot.ensureCapacity(len);
      System.arraycopy(from, 0, slot.data, 0, len);
      p.buf = slot.data;
      for (int i = 0; i < p.tunnelDepth; i++) {
        if (p.outer[i].buf == from) {
          p.outer[i].buf = slot.data; // reassembled before this tunnel: same offsets in the copy
        } // else its payload was cleared by the decoder (payloadCaptured 0)
      }
    }
    slot.result = r;
    counters.byResult[r.ordinal()]++;
    if (r == DecodeResult.OK) {
      counters.packetsDecoded++;
      if (p.tunnelDepth > 0) {
        tunnelParents(p);
      }
      if (p.tunnelTransport) {
        slot.shard = -1; // stayed on a mirror transport's outer layer (its inner not decodable): nobody's
      } else if (p.tunnelCandidate) {
        // a packet of a flow that is (or may be) a tunnel's outer flow, though it carried no tunnel
        // itself (VXLAN with ARP inside, a malformed header): counted on that flow, here
        tunnelFlows.onPacket(p);
        slot.shard = -1;
      } else {
        slot.shard = (p.flowHash & 0x7fffffff) % workers;
      }
    } else {
      if (r == DecodeResult.NOT_IP) {
        counters.packetsNotIp++;
      } else if (r == DecodeResult.FRAGMENT_HELD) {
        counters.fragmentsHeld++;
      }
      // a malformed packet whose flow key is known (TCP options cut) still makes its flow, as Zeek;
      // not inside a tunnel (its layers' flows and parents are made for decoded packets only)
      slot.shard = p.keyOnly && p.tunnelDepth == 0 ? (p.flowHash & 0x7fffffff) % workers : -1;
    }
  }

  /** Each tunnel layer's flow, counted here; its uid is the parent of the layer it carries. */
  private void tunnelParents(DecodedPacket p) {
    long parent = 0;
    for (int i = 0; i < p.tunnelDepth; i++) {
      DecodedPacket o = p.outer[i];
      o.parentUid = parent;
      if (!o.tunnelTransport) {
        tunnelFlows.onPacket(o);
        parent = tunnelFlows.lastFlowUid();
      }
    }
    p.parentUid = parent;
  }

  /** End of input: the outer flows still open are written (before the workers flush theirs). */
  void flushTunnels() {
    tunnelFlows.flushAll();
  }
}
