package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Ack;
import dev.nsm.proto.v1.CollectorGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sensor collect}: a Collector.Push server that stores what sensors send in a
 * {@link CollectorStore} and acks it once durable.
 *
 * <pre>
 *   gRPC event loop                         writer thread (one)
 *   Push stream: onNext(Batch) ──queue──►   take every queued batch ─► write non-duplicate lines
 *   (request(n) only after a batch is                                ─► one commit (fsync, state)
 *    committed: at most WINDOW batches                               ─► per batch: Ack(hwm of its
 *    of a stream in memory)                                             sensor), request(1) more
 * </pre>
 *
 * gRPC callbacks never block: they queue and return; the flow-control window (WINDOW batches per
 * stream) bounds the queue, and a collector that stores slowly makes its sensors send slowly.
 */
public final class CollectorServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CollectorServer.class);
  /** Batches a stream may have received and not yet had committed. */
  static final int WINDOW = 4;

  private final CollectorStore store;
  private final Server server;
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final long ackDelayNanos;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private volatile long received;

  /** One queued thing for the writer: a batch of a stream (a Batch's wire bytes), or the end of a stream (null). */
  private record Item(Peer peer, byte[] batch) {}

  /** One Push stream's response side: used by the writer thread only (plus the cancel flag). */
  private static final class Peer {
    final ServerCallStreamObserver<Ack> out;
    volatile boolean cancelled;
    String bad;

    Peer(ServerCallStreamObserver<Ack> out) {
      this.out = out;
    }
  }

  /**
   * @param tls null: plaintext (only when asked for explicitly)
   * @param ackDelay extra wait before each commit's acks (a slow collector, for tests and benchmarks)
   */
  public CollectorServer(InetSocketAddress listen, SslContext tls, Path out, Duration ackDelay) throws IOException {
    this.store = CollectorStore.open(out);
    this.ackDelayNanos = ackDelay.toNanos();
    NettyServerBuilder b = NettyServerBuilder.forAddress(listen)
        .addService(ServerServiceDefinition.builder(CollectorGrpc.SERVICE_NAME)
            .addMethod(RAW_PUSH, ServerCalls.asyncBidiStreamingCall(this::push))
            .build())
        .maxInboundMessageSize(16 << 20)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(false)
        .keepAliveTime(60, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS);
    if (tls != null) {
      b.sslContext(tls);
    }
    this.server = b.build();
    this.writer = new Thread(this::writeLoop, "collector-writer");
  }

  public CollectorServer start() throws IOException {
    writer.start();
    try {
      server.start();
    } catch (IOException e) {
      stopping = true;
      writer.interrupt();
      store.close();
      throw e;
    }
    return this;
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Collector/Push with the Batch taken as its wire bytes: the writer reads the events out of them
   * itself ({@link CollectorStore#write}), with no message objects in between.
   */
  static final MethodDescriptor<byte[], Ack> RAW_PUSH = CollectorGrpc.getPushMethod().toBuilder(new MethodDescriptor.Marshaller<byte[]>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("reading a batch: " + e.getMessage()).asRuntimeException();
      }
    }
  }, ProtoUtils.marshaller(Ack.getDefaultInstance())).build();

  private StreamObserver<byte[]> push(StreamObserver<Ack> responses) {
      ServerCallStreamObserver<Ack> call = (ServerCallStreamObserver<Ack>) responses;
      Peer peer = new Peer(call);
      call.setOnCancelHandler(() -> peer.cancelled = true);
      call.disableAutoRequest();
      call.request(WINDOW);
      return new StreamObserver<>() {
        @Override
        public void onNext(byte[] batch) {
          received++;
          queue.add(new Item(peer, batch));
        }

        @Override
        public void onError(Throwable t) {
          peer.cancelled = true;
        }

        @Override
        public void onCompleted() {
          queue.add(new Item(peer, null));
        }
      };
  }

  private void writeLoop() {
    List<Item> items = new ArrayList<>();
    Set<String> touched = new LinkedHashSet<>();
    List<Set<String>> perItem = new ArrayList<>();
    try {
      while (!stopping || !queue.isEmpty()) {
        Item first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        items.add(first);
        queue.drainTo(items, 255);
        perItem.clear();
        for (Item it : items) {
          Set<String> s = new LinkedHashSet<>();
          if (it.batch() != null) {
            try {
              store.write(it.batch(), s);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
              // a sender's bug: say so on its stream (it reconnects and resends from its last ack)
              LOG.warn("collector: a malformed batch: {}", e.getMessage());
              s = null;
              it.peer().bad = e.getMessage();
            }
          }
          perItem.add(s);
        }
        store.commit();
        if (ackDelayNanos > 0) {
          Thread.sleep(ackDelayNanos / 1_000_000L, (int) (ackDelayNanos % 1_000_000L));
        }
        for (int i = 0; i < items.size(); i++) {
          Item it = items.get(i);
          Peer p = it.peer();
          if (p.cancelled) {
            continue;
          }
          try {
            if (p.bad != null) {
              p.cancelled = true;
              p.out.onError(Status.INVALID_ARGUMENT.withDescription("malformed Batch: " + p.bad).asRuntimeException());
              continue;
            }
            if (it.batch() == null) {
              p.out.onCompleted();
              continue;
            }
            for (String sid : perItem.get(i)) {
              p.out.onNext(Ack.newBuilder().setSeq(store.hwm(sid)).setSensorId(sid).build());
            }
            p.out.request(1);
          } catch (RuntimeException e) {
            p.cancelled = true; // the stream went away meanwhile: its sensor resends what it lacks
          }
        }
        items.clear();
        touched.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      failure = e;
      LOG.error("collector: cannot store records in {}: {}", store.file(), e.toString());
      // nothing more is acked; every stream is ended so that sensors keep their records
      server.shutdownNow();
    }
  }

  /** Why the writer stopped (a disk error), or null. */
  public Throwable failure() {
    return failure;
  }

  /** Batches received. */
  public long received() {
    return received;
  }

  public long stored() {
    return store.stored();
  }

  public long duplicates() {
    return store.duplicates();
  }

  public Server server() {
    return server;
  }

  /** Stops listening, ends the streams, commits and acks what was queued, closes the file. */
  @Override
  public void close() throws IOException {
    server.shutdown();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
    stopping = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
    if (failure != null) {
      throw new IOException("collector store failed: " + failure, failure);
    }
  }

  static Status unavailable(String why) {
    return Status.UNAVAILABLE.withDescription(why);
  }
}
