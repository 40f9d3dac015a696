package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.SensorGrpc;
import dev.nsm.proto.v1.StatusReply;
import dev.nsm.proto.v1.StatusRequest;
import dev.nsm.proto.v1.SubscribeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A consumer of the sensor's gRPC service, as a SIEM would write it from the .proto files. */
final class Grpc {
  private Grpc() {}

  static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** Status, failing fast (UNAVAILABLE) when the connection cannot be made: for the refusal tests. */
  static StatusReply status(ManagedChannel ch) {
    return SensorGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
  }

  /** Status as a patient consumer asks it: waits (within the deadline) for the connection to be ready. */
  static StatusReply statusWaiting(ManagedChannel ch) {
    return SensorGrpc.newBlockingStub(ch).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
  }

  /** A Subscribe stream's events as they come, and how it ended. */
  static final class Subscription implements StreamObserver<Event> {
    final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final CountDownLatch ended = new CountDownLatch(1);
    volatile Status end;

    static Subscription start(ManagedChannel ch, long from, List<String> types) {
      Subscription s = new Subscription();
      SensorGrpc.newStub(ch).subscribe(SubscribeRequest.newBuilder().setFromSeq(from).addAllRecordTypes(types).build(), s);
      return s;
    }

    /** The next event within {@code ms}, or null. */
    Event next(long ms) throws InterruptedException {
      return events.poll(ms, TimeUnit.MILLISECONDS);
    }

    Status awaitEnd(long seconds) throws InterruptedException {
      ended.await(seconds, TimeUnit.SECONDS);
      return end;
    }

    @Override
    public void onNext(Event e) {
      events.add(e);
    }

    @Override
    public void onError(Throwable t) {
      end = Status.fromThrowable(t);
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      end = Status.OK;
      ended.countDown();
    }
  }
}
