package dev.nsm.proto.v1;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A buf-style breaking-change check between two descriptor sets: the last release's (the committed
 * baseline) and this build's. What breaks a reader or writer of the old schema, on the wire or as
 * JSON (the sensor's JSON lines use the field names), is reported; additions are allowed.
 *
 * <p>Rules (buf's FILE category, restricted to what this project uses):
 *
 * <pre>
 *   file        removed; package or java_package changed
 *   message     removed (nested ones too)
 *   field       removed without reserving its number AND its name; number reused with another
 *               name, json_name, type, message/enum type, label (repeated or not), presence
 *               (proto3 optional) or oneof
 *   reserved    a reserved number or name no longer reserved
 *   enum        removed; a value removed without reserving its number; a number renamed
 *   service     removed; a method removed; a method's request/response type or streaming changed
 * </pre>
 */
final class DescriptorCompatibility {
  private DescriptorCompatibility() {}

  /** Every breaking difference of {@code current} against {@code baseline}, one line each; empty: compatible. */
  static List<String> check(FileDescriptorSet baseline, FileDescriptorSet current) {
    List<String> problems = new ArrayList<>();
    Map<String, FileDescriptorProto> now = new HashMap<>();
    for (FileDescriptorProto f : current.getFileList()) {
      now.put(f.getName(), f);
    }
    for (FileDescriptorProto old : baseline.getFileList()) {
      FileDescriptorProto cur = now.get(old.getName());
      if (cur == null) {
        problems.add(old.getName() + ": file removed");
        continue;
      }
      String where = old.getName() + ": ";
      if (!old.getPackage().equals(cur.getPackage())) {
        problems.add(where + "package changed from " + old.getPackage() + " to " + cur.getPackage());
      }
      if (!old.getOptions().getJavaPackage().equals(cur.getOptions().getJavaPackage())) {
        problems.add(where + "java_package changed from " + old.getOptions().getJavaPackage() + " to "
            + cur.getOptions().getJavaPackage());
      }
      String pkg = old.getPackage().isEmpty() ? "" : old.getPackage() + ".";
      messages(where, pkg, old.getMessageTypeList(), cur.getMessageTypeList(), problems);
      enums(where, pkg, old.getEnumTypeList(), cur.getEnumTypeList(), problems);
      services(where, pkg, old.getServiceList(), cur.getServiceList(), problems);
    }
    return problems;
  }

  private static void messages(String where, String prefix, List<DescriptorProto> olds, List<DescriptorProto> curs,
      List<String> problems) {
    Map<String, DescriptorProto> byName = new HashMap<>();
    for (DescriptorProto m : curs) {
      byName.put(m.getName(), m);
    }
    for (DescriptorProto old : olds) {
      String name = prefix + old.getName();
      DescriptorProto cur = byName.get(old.getName());
      if (cur == null) {
        problems.add(where + "message " + name + " removed");
        continue;
      }
      fields(where + name, old, cur, problems);
      messages(where, name + ".", old.getNestedTypeList(), cur.getNestedTypeList(), problems);
      enums(where, name + ".", old.getEnumTypeList(), cur.getEnumTypeList(), problems);
    }
  }

  private static void fields(String where, DescriptorProto old, DescriptorProto cur, List<String> problems) {
    Map<Integer, FieldDescriptorProto> byNumber = new HashMap<>();
    for (FieldDescriptorProto f : cur.getFieldList()) {
      byNumber.put(f.getNumber(), f);
    }
    for (FieldDescriptorProto o : old.getFieldList()) {
      FieldDescriptorProto c = byNumber.get(o.getNumber());
      String f = where + "." + o.getName() + " (" + o.getNumber() + ")";
      if (c == null) {
        boolean numberReserved = reservedNumber(cur, o.getNumber());
        boolean nameReserved = cur.getReservedNameList().contains(o.getName());
        if (!numberReserved || !nameReserved) {
          problems.add(f + ": field removed without reserving its " + (numberReserved ? "name" : nameReserved ? "number" : "number and name"));
        }
        continue;
      }
      if (!o.getName().equals(c.getName())) {
        problems.add(f + ": renamed to " + c.getName() + " (JSON readers use the name)");
      }
      if ((o.hasJsonName() || c.hasJsonName()) && !jsonName(o).equals(jsonName(c))) {
        problems.add(f + ": json_name changed from " + jsonName(o) + " to " + jsonName(c));
      }
      if (o.getType() != c.getType() || !o.getTypeName().equals(c.getTypeName())) {
        problems.add(f + ": type changed from " + typeOf(o) + " to " + typeOf(c));
      }
      if (o.getLabel() != c.getLabel()) {
        problems.add(f + ": label changed from " + o.getLabel() + " to " + c.getLabel());
      }
      if (o.getProto3Optional() != c.getProto3Optional()) {
        problems.add(f + ": presence changed (proto3 optional " + o.getProto3Optional() + " -> " + c.getProto3Optional() + ")");
      }
      String oo = oneofOf(old, o);
      String co = oneofOf(cur, c);
      if (!o.getProto3Optional() && !oo.equals(co)) {
        problems.add(f + ": oneof changed from '" + oo + "' to '" + co + "'");
      }
    }
    for (DescriptorProto.ReservedRange r : old.getReservedRangeList()) {
      for (int n = r.getStart(); n < r.getEnd() && n < r.getStart() + 1000; n++) {
        if (!reservedNumber(cur, n)) {
          problems.add(where + ": reserved number " + n + " no longer reserved");
          break;
        }
      }
    }
    for (String n : old.getReservedNameList()) {
      if (!cur.getReservedNameList().contains(n)) {
        problems.add(where + ": reserved name \"" + n + "\" no longer reserved");
      }
    }
  }

  /** The field's JSON name: explicit, or protoc's lowerCamelCase of its name (descriptors built into classes omit it). */
  private static String jsonName(FieldDescriptorProto f) {
    if (f.hasJsonName()) {
      return f.getJsonName();
    }
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char ch : f.getName().toCharArray()) {
      if (ch == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(ch) : ch);
        up = false;
      }
    }
    return b.toString();
  }

  private static boolean reservedNumber(DescriptorProto m, int n) {
    for (DescriptorProto.ReservedRange r : m.getReservedRangeList()) {
      if (n >= r.getStart() && n < r.getEnd()) { // end is exclusive in descriptors
        return true;
      }
    }
    return false;
  }

  private static String oneofOf(DescriptorProto m, FieldDescriptorProto f) {
    return f.hasOneofIndex() ? m.getOneofDecl(f.getOneofIndex()).getName() : "";
  }

  private static String typeOf(FieldDescriptorProto f) {
    String t = f.getType().name().substring("TYPE_".length()).toLowerCase(java.util.Locale.ROOT);
    return f.getTypeName().isEmpty() ? t : t + " " + f.getTypeName();
  }

  private static void enums(String where, String prefix, List<EnumDescriptorProto> olds, List<EnumDescriptorProto> curs,
      List<String> problems) {
    Map<String, EnumDescriptorProto> byName = new HashMap<>();
    for (EnumDescriptorProto e : curs) {
      byName.put(e.getName(), e);
    }
    for (EnumDescriptorProto old : olds) {
      String name = prefix + old.getName();
      EnumDescriptorProto cur = byName.get(old.getName());
      if (cur == null) {
        problems.add(where + "enum " + name + " removed");
        continue;
      }
      Map<Integer, EnumValueDescriptorProto> byNumber = new HashMap<>();
      for (EnumValueDescriptorProto v : cur.getValueList()) {
        byNumber.putIfAbsent(v.getNumber(), v);
      }
      for (EnumValueDescriptorProto v : old.getValueList()) {
        EnumValueDescriptorProto c = byNumber.get(v.getNumber());
        if (c == null) {
          boolean reserved = cur.getReservedRangeList().stream()
              .anyMatch(r -> v.getNumber() >= r.getStart() && v.getNumber() <= r.getEnd()); // enum ranges: end inclusive
          if (!reserved) {
            problems.add(where + name + "." + v.getName() + " (" + v.getNumber() + "): enum value removed without reserving its number");
          }
        } else if (!c.getName().equals(v.getName())) {
          problems.add(where + name + "." + v.getName() + " (" + v.getNumber() + "): renamed to " + c.getName());
        }
      }
    }
  }

  private static void services(String where, String prefix, List<ServiceDescriptorProto> olds,
      List<ServiceDescriptorProto> curs, List<String> problems) {
    Map<String, ServiceDescriptorProto> byName = new HashMap<>();
    for (ServiceDescriptorProto s : curs) {
      byName.put(s.getName(), s);
    }
    for (ServiceDescriptorProto old : olds) {
      String name = prefix + old.getName();
      ServiceDescriptorProto cur = byName.get(old.getName());
      if (cur == null) {
        problems.add(where + "service " + name + " removed");
        continue;
      }
      Map<String, MethodDescriptorProto> methods = new HashMap<>();
      for (MethodDescriptorProto m : cur.getMethodList()) {
        methods.put(m.getName(), m);
      }
      for (MethodDescriptorProto o : old.getMethodList()) {
        MethodDescriptorProto c = methods.get(o.getName());
        String m = where + name + "/" + o.getName();
        if (c == null) {
          problems.add(m + ": method removed");
          continue;
        }
        if (!o.getInputType().equals(c.getInputType())) {
          problems.add(m + ": request type changed from " + o.getInputType() + " to " + c.getInputType());
        }
        if (!o.getOutputType().equals(c.getOutputType())) {
          problems.add(m + ": response type changed from " + o.getOutputType() + " to " + c.getOutputType());
        }
        if (o.getClientStreaming() != c.getClientStreaming() || o.getServerStreaming() != c.getServerStreaming()) {
          problems.add(m + ": streaming changed from " + streaming(o) + " to " + streaming(c));
        }
      }
    }
  }

  private static String streaming(MethodDescriptorProto m) {
    return (m.getClientStreaming() ? "stream " : "") + "request, " + (m.getServerStreaming() ? "stream " : "") + "response";
  }
}
