package dev.nsm.proto.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The public contract may only grow: this build's descriptors (records.proto, delivery.proto) are
 * compared with the committed baseline of the last release, {@code src/test/resources/nsm/v1/baseline.binpb}
 * (a FileDescriptorSet), and any removed, renumbered, renamed or retyped field, message, enum value,
 * service or method fails the build (see {@link DescriptorCompatibility} for the rules).
 *
 * <p>At a release, after reading the diff of the .proto files like code:
 * {@code mvn -B -pl proto test -Dtest=ProtoDescriptorCompatibilityTest -Dproto.baseline.update=true}
 * rewrites the baseline from this build (then commit it).
 */
class ProtoDescriptorCompatibilityTest {
  private static final String BASELINE = "nsm/v1/baseline.binpb";

  /** This build's files, as protoc described them (the nsm/v1 ones; google/protobuf are not ours). */
  static FileDescriptorSet current() {
    FileDescriptorSet.Builder b = FileDescriptorSet.newBuilder();
    for (FileDescriptor f : List.of(RecordsProto.getDescriptor(), DeliveryProto.getDescriptor())) {
      b.addFile(f.toProto());
    }
    return b.build();
  }

  static FileDescriptorSet baseline() throws IOException {
    try (InputStream in = ProtoDescriptorCompatibilityTest.class.getClassLoader().getResourceAsStream(BASELINE)) {
      assertTrue(in != null, "no baseline " + BASELINE + ": make it with -Dproto.baseline.update=true");
      return FileDescriptorSet.parseFrom(in);
    }
  }

  @Test
  void thisBuildIsCompatibleWithTheBaseline() throws IOException {
    if (Boolean.getBoolean("proto.baseline.update")) {
      Path out = Path.of(System.getProperty("proto.basedir", "."), "src/test/resources", BASELINE);
      Files.createDirectories(out.getParent());
      Files.write(out, current().toByteArray());
      System.out.println("rewrote " + out);
      return;
    }
    FileDescriptorSet base = baseline();
    List<String> problems = DescriptorCompatibility.check(base, current());
    assertEquals(List.of(), problems, "breaking changes against " + BASELINE
        + " (reserve removed numbers and names; never reuse or retype a number)");
    // the baseline is the real thing, not an empty set that passes everything
    assertTrue(base.getFileList().stream().anyMatch(f -> f.getName().equals("nsm/v1/delivery.proto")));
    assertTrue(base.getFileList().stream().anyMatch(f -> f.getName().equals("nsm/v1/records.proto")));
  }

  // ------------------------------------------------------------ the checker catches what it must

  @Test
  void addingFieldsMessagesAndMethodsIsAllowed() {
    FileDescriptorSet cur = edit("nsm/v1/delivery.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      b.addMessageType(DescriptorProto.newBuilder().setName("NewThing"));
      DescriptorProto.Builder ack = msg(b, "Ack");
      ack.addField(FieldDescriptorProto.newBuilder().setName("extra").setJsonName("extra").setNumber(99)
          .setType(FieldDescriptorProto.Type.TYPE_STRING).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
      b.getServiceBuilder(0).addMethod(b.getService(0).getMethod(0).toBuilder().setName("PushAgain"));
      return b.build();
    });
    assertEquals(List.of(), DescriptorCompatibility.check(current(), cur));
  }

  @Test
  void removedFieldIsBrokenUnlessNumberAndNameAreReserved() {
    FileDescriptorSet removed = edit("nsm/v1/delivery.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      msg(b, "Ack").removeField(1); // sensor_id = 2
      return b.build();
    });
    assertEquals(List.of("nsm/v1/delivery.proto: nsm.v1.Ack.sensor_id (2): field removed without reserving its number and name"),
        DescriptorCompatibility.check(current(), removed));

    FileDescriptorSet reserved = edit("nsm/v1/delivery.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      msg(b, "Ack").removeField(1).addReservedRange(DescriptorProto.ReservedRange.newBuilder().setStart(2).setEnd(3))
          .addReservedName("sensor_id");
      return b.build();
    });
    assertEquals(List.of(), DescriptorCompatibility.check(current(), reserved));
  }

  @Test
  void renumberedRetypedRenamedFieldsAreBroken() {
    FileDescriptorSet cur = edit("nsm/v1/records.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      DescriptorProto.Builder flow = msg(b, "Flow");
      for (FieldDescriptorProto.Builder fb : flow.getFieldBuilderList()) {
        if (fb.getName().equals("orig_p")) {
          fb.setType(FieldDescriptorProto.Type.TYPE_UINT64); // retyped
        } else if (fb.getName().equals("uid")) {
          fb.setNumber(100); // renumbered: 1 is gone
        } else if (fb.getName().equals("history")) {
          fb.setName("hist").setJsonName("hist");
        }
      }
      return b.build();
    });
    assertEquals(List.of(
        "nsm/v1/records.proto: nsm.v1.Flow.uid (1): field removed without reserving its number and name",
        "nsm/v1/records.proto: nsm.v1.Flow.orig_p (6): type changed from uint32 to uint64",
        "nsm/v1/records.proto: nsm.v1.Flow.history (15): renamed to hist (JSON readers use the name)",
        "nsm/v1/records.proto: nsm.v1.Flow.history (15): json_name changed from history to hist"),
        DescriptorCompatibility.check(current(), cur));
  }

  @Test
  void unreservingAndEnumAndServiceChangesAreBroken() {
    FileDescriptorSet records = edit("nsm/v1/records.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      msg(b, "Stats").clearReservedRange().clearReservedName();
      b.getEnumTypeBuilder(0).removeValue(4); // END_REASON_EVICTED = 4
      return b.build();
    });
    assertEquals(List.of(
        "nsm/v1/records.proto: nsm.v1.Stats: reserved number 12 no longer reserved",
        "nsm/v1/records.proto: nsm.v1.Stats: reserved name \"workers\" no longer reserved",
        "nsm/v1/records.proto: nsm.v1.EndReason.END_REASON_EVICTED (4): enum value removed without reserving its number"),
        DescriptorCompatibility.check(current(), records));

    FileDescriptorSet delivery = edit("nsm/v1/delivery.proto", f -> {
      FileDescriptorProto.Builder b = f.toBuilder();
      b.getServiceBuilder(0).getMethodBuilder(0).setClientStreaming(false); // Collector/Push
      b.getServiceBuilder(1).removeMethod(1); // Sensor/Status
      return b.build();
    });
    assertEquals(List.of(
        "nsm/v1/delivery.proto: nsm.v1.Collector/Push: streaming changed from stream request, stream response to request, stream response",
        "nsm/v1/delivery.proto: nsm.v1.Sensor/Status: method removed"),
        DescriptorCompatibility.check(current(), delivery));
  }

  private static DescriptorProto.Builder msg(FileDescriptorProto.Builder b, String name) {
    for (DescriptorProto.Builder m : b.getMessageTypeBuilderList()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new AssertionError("no message " + name);
  }

  private static FileDescriptorSet edit(String file, UnaryOperator<FileDescriptorProto> change) {
    FileDescriptorSet.Builder b = current().toBuilder();
    for (int i = 0; i < b.getFileCount(); i++) {
      if (b.getFile(i).getName().equals(file)) {
        b.setFile(i, change.apply(b.getFile(i)));
      }
    }
    return b.build();
  }
}
