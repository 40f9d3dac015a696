package dev.nsm.sensor.delivery;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.RingStatus;
import dev.nsm.proto.v1.SensorGrpc;
import dev.nsm.proto.v1.SpoolStatus;
import dev.nsm.proto.v1.StatusReply;
import dev.nsm.proto.v1.StatusRequest;
import dev.nsm.proto.v1.SubscribeRequest;
import dev.nsm.sensor.spool.Spool;
import dev.nsm.sensor.spool.SpoolEntry;
import dev.nsm.sensor.spool.SpoolReader;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sensor's own gRPC service (the {@code subscribe:} listener): {@code Subscribe} streams the
 * spool to a consumer from any retained seq and then follows it live; {@code Status} is a snapshot
 * of the ring, the spool and every collector's position.
 *
 * <p>Each Subscribe stream has a thread of its own with its own {@link SpoolReader} (at most
 * {@code maxSubscribers} at once). It sends while gRPC says the stream is ready and parks when it is
 * not (the onReady handler wakes it) or when it has caught up with the spool: a slow consumer only
 * falls behind in the spool. One that falls further behind than retention keeps records is ended
 * with OUT_OF_RANGE naming the oldest retained seq, so it never misses records silently.
 */
public final class SensorService extends SensorGrpc.SensorImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(SensorService.class);
  private static final List<FieldDescriptor> RECORD_FIELDS = Event.getDescriptor().getOneofs().stream()
      .filter(o -> o.getName().equals("record")).findFirst().orElseThrow().getFields();

  private final Spool spool;
  private final Supplier<List<Exporter>> exporters;
  private final Supplier<RingStatus> ring;
  private final int maxSubscribers;
  private final AtomicInteger subscribers = new AtomicInteger();
  private volatile boolean stopping;

  public SensorService(Spool spool, Supplier<List<Exporter>> exporters, Supplier<RingStatus> ring, int maxSubscribers) {
    this.spool = spool;
    this.exporters = exporters;
    this.ring = ring;
    this.maxSubscribers = maxSubscribers;
  }

  /** Serves this service on {@code listen}; {@code tls} null = plaintext (only when configured so). */
  public Server serve(InetSocketAddress listen, SslContext tls) throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(listen)
        .addService(this)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .keepAliveTime(60, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS);
    if (tls != null) {
      b.sslContext(tls);
    }
    return b.build().start();
  }

  /**
   * Ends every Subscribe stream (at shutdown): each first sends what is already in the spool, then
   * ends with UNAVAILABLE naming the seq to resume from. Waits for them at most {@code bound}.
   */
  public void stop(java.time.Duration bound) {
    stopping = true;
    long deadline = System.nanoTime() + bound.toNanos();
    while (subscribers.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(5_000_000L);
    }
  }

  public int subscribers() {
    return subscribers.get();
  }

  @Override
  public void subscribe(SubscribeRequest req, StreamObserver<Event> responses) {
    BitSet wanted = null;
    if (req.getRecordTypesCount() > 0) {
      wanted = new BitSet();
      for (String t : req.getRecordTypesList()) {
        FieldDescriptor f = RECORD_FIELDS.stream().filter(x -> x.getName().equals(t)).findFirst().orElse(null);
        if (f == null) {
          responses.onError(Status.INVALID_ARGUMENT.withDescription("no record type \"" + t + "\"; the types are "
              + RECORD_FIELDS.stream().map(FieldDescriptor::getName).toList()).asRuntimeException());
          return;
        }
        wanted.set(f.getNumber());
      }
    }
    long first = spool.firstSeq();
    if (req.getFromSeq() < first) {
      responses.onError(outOfRange(req.getFromSeq(), first));
      return;
    }
    if (subscribers.incrementAndGet() > maxSubscribers) {
      subscribers.decrementAndGet();
      responses.onError(Status.RESOURCE_EXHAUSTED.withDescription(maxSubscribers + " subscribers at once at most").asRuntimeException());
      return;
    }
    ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) responses;
    BitSet types = wanted;
    Thread t = new Thread(() -> follow(req.getFromSeq(), types, call), "subscribe-" + subscribers.get());
    t.setDaemon(true);
    call.setOnReadyHandler(() -> LockSupport.unpark(t));
    call.setOnCancelHandler(() -> LockSupport.unpark(t));
    t.start();
  }

  private static RuntimeException outOfRange(long from, long oldest) {
    return Status.OUT_OF_RANGE.withDescription("seq " + from + " is older than the spool's retention; the oldest retained seq is "
        + oldest).asRuntimeException();
  }

  private void follow(long from, BitSet types, ServerCallStreamObserver<Event> call) {
    try (SpoolReader reader = spool.reader()) {
      reader.seek(from);
      while (!call.isCancelled()) {
        long first = spool.firstSeq();
        if (reader.wanted() < first) {
          call.onError(outOfRange(reader.wanted(), first)); // fell behind retention: say so, do not skip
          return;
        }
        if (!call.isReady()) {
          LockSupport.parkNanos(this, 20_000_000L);
          continue;
        }
        if (!reader.next()) {
          if (stopping) {
            call.onError(Status.UNAVAILABLE.withDescription("the sensor is stopping; resume from seq " + reader.wanted())
                .asRuntimeException());
            return;
          }
          LockSupport.parkNanos(this, 2_000_000L); // caught up: new records within a few ms
          continue;
        }
        if (types != null && !types.get(SpoolEntry.recordField(reader.entry(), 0, reader.length()))) {
          continue;
        }
        call.onNext(Event.parseFrom(com.google.protobuf.ByteString.copyFrom(reader.entry(), 0, reader.length())));
      }
    } catch (InvalidProtocolBufferException e) {
      LOG.error("subscribe: a spool entry is not an Event", e);
      call.onError(Status.INTERNAL.withDescription("damaged spool entry").asRuntimeException());
    } catch (RuntimeException e) {
      if (!call.isCancelled()) {
        LOG.warn("subscribe stream ended: {}", e.toString());
      }
    } finally {
      subscribers.decrementAndGet();
    }
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusReply> responses) {
    responses.onNext(snapshot());
    responses.onCompleted();
  }

  /** The status reply (also what the metrics read). */
  public StatusReply snapshot() {
    long now = System.currentTimeMillis();
    StatusReply.Builder b = StatusReply.newBuilder()
        .setSensorId(spool.sensorId())
        .setTime(Timestamp.newBuilder().setSeconds(now / 1000).setNanos((int) (now % 1000) * 1_000_000))
        .setSpool(SpoolStatus.newBuilder()
            .setDir(spool.dir().toString())
            .setFirstSeq(spool.firstSeq())
            .setNextSeq(spool.nextSeq())
            .setBytes(spool.bytes())
            .setMaxBytes(spool.maxBytes())
            .setRecordsAppended(spool.appended())
            .setRecordsDeleted(spool.deleted())
            .setCycles(spool.cycles()))
        .setSubscribers(subscribers.get());
    RingStatus r = ring == null ? null : ring.get();
    if (r != null) {
      b.setRing(r);
    }
    for (Exporter e : exporters.get()) {
      b.addCollectors(e.status());
    }
    return b.build();
  }
}
