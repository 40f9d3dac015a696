package dev.nsm.sensor.delivery;

import dev.nsm.proto.v1.Ack;
import dev.nsm.proto.v1.CollectorGrpc;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A {@code nsm.v1.Batch} already in protobuf's wire format, built straight from spool entries without
 * parsing them: each spool entry is an Event's bytes, and a Batch is its events as field 1, so
 *
 * <pre>
 *   Batch = ( 0x0A | varint(len(entry)) | entry )*        one per event, in seq order
 * </pre>
 *
 * The exporter sends it on a {@link #PUSH} method that is Collector/Push with this marshaller for
 * requests (the collector sees a plain Batch). gRPC drains the stream synchronously inside
 * {@code onNext}, so the exporter reuses one array for every batch.
 */
final class RawBatch {
  byte[] bytes = new byte[64 * 1024];
  int length;
  int count;
  long firstSeq = -1;
  long lastSeq = -1;

  void clear() {
    length = 0;
    count = 0;
    firstSeq = -1;
    lastSeq = -1;
  }

  /** Appends one spool entry (an Event's bytes) as a Batch.events element. */
  void add(byte[] entry, int len, long seq) {
    int need = length + 1 + 5 + len;
    if (bytes.length < need) {
      bytes = java.util.Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
    }
    bytes[length++] = 0x0A;
    int v = len;
    while ((v & ~0x7f) != 0) {
      bytes[length++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes[length++] = (byte) v;
    System.arraycopy(entry, 0, bytes, length, len);
    length += len;
    if (count++ == 0) {
      firstSeq = seq;
    }
    lastSeq = seq;
  }

  /** Collector/Push with Batch requests written from {@link RawBatch}. */
  static final MethodDescriptor<RawBatch, Ack> PUSH = CollectorGrpc.getPushMethod().toBuilder(new Marshaller(),
      ProtoUtils.marshaller(Ack.getDefaultInstance())).build();

  private static final class Marshaller implements MethodDescriptor.Marshaller<RawBatch> {
    @Override
    public InputStream stream(RawBatch b) {
      return new Stream(b.bytes, b.length);
    }

    @Override
    public RawBatch parse(InputStream stream) {
      throw new UnsupportedOperationException("the sensor only sends batches");
    }
  }

  /** What gRPC's framer drains: known length, written out in one call. */
  private static final class Stream extends ByteArrayInputStream implements KnownLength, Drainable {
    Stream(byte[] b, int len) {
      super(b, 0, len);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
