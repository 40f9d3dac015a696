package dev.nsm.sensor.pipeline;

import com.lmax.disruptor.RingBuffer;
import dev.nsm.parsers.packet.DecodeResult;
import dev.nsm.parsers.packet.DecodedPacket;
import dev.nsm.parsers.packet.IpDefragmenter;
import dev.nsm.parsers.packet.PacketDecoder;
import dev.nsm.sensor.capture.PacketHandler;
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

  public Ingest(RingBuffer<PacketSlot> ring, int workers, IpDefragmenter defrag, PipelineCounters counters) {
    this.ring = ring;
    this.workers = workers;
    this.defrag = defrag;
    this.decoder = new PacketDecoder(defrag);
    this.counters = counters;
  }

  @Override
  public void onPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    long seq = ring.next();
    fill(ring.get(seq), tsNanos, linkType, buf, offset, capLen, wireLen);
    ring.publish(seq);
  }

  /** Live capture: never waits. Returns false (and counts a ring drop) when the ring is full. */
  public boolean tryOnPacket(long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    long seq;
    try {
      seq = ring.tryNext();
    } catch (com.lmax.disruptor.InsufficientCapacityException e) {
      counters.packetsRead++;
      counters.ringDrops++;
      return false;
    }
    fill(ring.get(seq), tsNanos, linkType, buf, offset, capLen, wireLen);
    ring.publish(seq);
    return true;
  }

  private void fill(PacketSlot slot, long tsNanos, int linkType, ByteBuffer buf, int offset, int capLen, int wireLen) {
    counters.packetsRead++;
    counters.bytesRead += capLen;
    if (tsNanos > counters.lastTsNanos) {
      counters.lastTsNanos = tsNanos;
    }
    slot.ensureCapacity(capLen);
    buf.get(offset, slot.data, 0, capLen);
    slot.capLen = capLen;
    slot.wireLen = wireLen;
    slot.linkType = linkType;
    slot.tsNanos = tsNanos;
    slot.packetNumber = counters.packetsRead;
    DecodedPacket p = slot.decoded;
    DecodeResult r = decoder.decode(slot.data, capLen, wireLen, linkType, tsNanos, p);
    if (r == DecodeResult.OK && p.reassembled) {
      // the datagram lives in the defragmenter's buffer until the next decode: copy it into the slot
      int len = p.ipLen;
      slot.ensureCapacity(len);
      System.arraycopy(defrag.buffer(), 0, slot.data, 0, len);
      p.buf = slot.data;
    }
    slot.result = r;
    counters.byResult[r.ordinal()]++;
    if (r == DecodeResult.OK) {
      counters.packetsDecoded++;
      slot.shard = (p.flowHash & 0x7fffffff) % workers;
    } else {
      if (r == DecodeResult.NOT_IP) {
        counters.packetsNotIp++;
      } else if (r == DecodeResult.FRAGMENT_HELD) {
        counters.fragmentsHeld++;
      }
      slot.shard = -1;
    }
  }
}
