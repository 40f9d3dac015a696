package dev.nsm.sensor.app;

import dev.nsm.parsers.dns.DnsMessage;
import dev.nsm.parsers.dns.DnsNames;
import dev.nsm.parsers.dns.DnsRecord;
import dev.nsm.parsers.dns.DnsResult;
import dev.nsm.proto.v1.Dns;
import dev.nsm.proto.v1.Event;
import dev.nsm.sensor.flow.Flow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DNS over one flow (UDP datagrams, or the messages of both directions of a TCP stream) turned into
 * dns records with Zeek's semantics (base/protocols/dns/main.zeek and src/analyzer/protocol/dns/DNS.cc
 * at zeek/zeek a13de64f, the corpus' reference):
 *
 * <ul>
 *   <li>Pairing: a query waits in a first-in first-out queue per transaction id; a response takes the
 *       oldest query of its id, or waits in a queue of responses for a query of its id. The pair is
 *       written when its second message has been read; what still waits is written when the flow
 *       ends (unanswered queries, responses to no query). Per flow at most 50 ids wait, and 50
 *       messages per id (Zeek's max_pending_query_ids and max_pending_msgs): past that the waiting
 *       ones are written unpaired. Messages to a multicast address (mDNS, LLMNR) are never paired.
 *   <li>Fields: see {@link Dns}. rtt runs from the pair's first message to the first response that
 *       carries a logged answer; 0 is no rtt (a response alone).
 *   <li>A flow whose first DNS message is a response from its originator has its roles flipped (a
 *       capture that missed the query), unless the responder is a multicast address.
 *   <li>Opcodes other than query, notify and update are counted and noticed, not recorded (except on
 *       NetBIOS, port 137, whose registrations use them).
 *   <li>The flow's service becomes "dns" once a message's question and answer sections parse (Zeek's
 *       analyzer confirmation).
 * </ul>
 *
 * The question name is the parser's text of it, lower-cased; on port 137 a NetBIOS-encoded name is
 * decoded as Zeek decodes it. One addition to Zeek's fields: a response written without a query
 * takes qtype, qclass (and query, when no answer named one) from its own question section, where
 * Zeek's log has nothing.
 */
final class DnsState {
  /** Zeek's DNS::max_pending_query_ids and DNS::max_pending_msgs. */
  static final int MAX_PENDING_IDS = 50;
  static final int MAX_PENDING_PER_ID = 50;

  /** One row of dns.log being filled. */
  static final class Txn {
    long tsNanos;
    int transId;
    long rttNanos = -1;
    String query;
    int qclass = -1;
    int qtype = -1;
    String qtypeName;
    int rcode = -1;
    boolean aa;
    boolean tc;
    boolean rd;
    boolean ra;
    /** AA and RA were taken from a response. */
    boolean replyBits;
    int z;
    List<String> answers;
    List<Long> ttls;
    boolean rejected;
    int opcode = -1;
    boolean sawQuery;
    boolean sawReply;
    int ednsUdpSize = -1;
    boolean ednsDo;
    String ecs;
    List<dev.nsm.proto.v1.DnsRecord> records;
    // ---- the worker's list of pending messages (DnsPending); pendingOwner != null while linked
    DnsState pendingOwner;
    Txn prevPending;
    Txn nextPending;
    int pendingBytes;
  }

  private final AppLayer layer;
  private final AppFlow owner;
  private final boolean tcp;
  private final boolean netbios;
  private boolean firstMessage = true;
  private Map<Integer, ArrayDeque<Txn>> queries;
  private Map<Integer, ArrayDeque<Txn>> replies;

  DnsState(AppLayer layer, AppFlow owner, boolean tcp) {
    this.layer = layer;
    this.owner = owner;
    this.tcp = tcp;
    Flow f = owner.flow;
    this.netbios = f.origPort() == 137 || f.respPort() == 137;
  }

  /**
   * One message of the flow.
   *
   * @param isQuery Zeek's is_query argument: 1 from the originator, 0 from the responder, 2 unknown
   *     (a message cut short at the end of a TCP stream)
   */
  void message(byte[] buf, int off, int len, int isQuery, long tsNanos) {
    Flow flow = owner.flow;
    AppCounters c = layer.counters;
    DnsMessage m = layer.dnsMessage;
    DnsResult r = layer.dnsParser.parse(buf, off, len, m);
    c.inc(AppCounter.DNS_MESSAGES);
    int dir = isQuery == 2 ? -1 : isQuery;
    if (r.isMalformed()) {
      c.dnsResults[r.ordinal()]++;
      c.inc(AppCounter.DNS_MESSAGES_MALFORMED);
      owner.notice(tsNanos, weirdName(r), r.meaning(), "dns", dir);
    }
    if (r == DnsResult.HEADER_TRUNCATED) {
      return;
    }
    if (m.opcode != 0 && m.opcode != 4 && m.opcode != 5 && !netbios) {
      c.inc(AppCounter.DNS_UNTRACKED_OPCODE);
      owner.notice(tsNanos, "DNS_unknown_opcode", "opcode " + m.opcode, "dns", dir);
      return;
    }
    if (firstMessage && m.qr && isQuery == 1 && !flow.respIsMulticast()) {
      layer.flipRoles(flow); // the query was missed: the sender of the response is the server
    }
    firstMessage = false;

    Txn t = setSession(m, tsNanos);
    if (r == DnsResult.TOO_MANY_QUESTIONS) {
      end(t, m.qr);
      return;
    }
    if (!m.qr && m.questionsParsed > 0) {
      // dns_request
      t.rd = m.rd;
      t.tc = m.tc;
      t.qclass = m.qclass;
      t.qtype = m.qtype;
      t.qtypeName = DnsNames.qtype(m.qtype);
      t.z = m.z;
      String q = m.zeekQuery();
      if (netbios && flow.respPort() == 137) {
        String decoded = decodeNetbiosName(q);
        if (!decoded.isEmpty()) {
          q = decoded;
        }
        if (m.qtype == 33) {
          t.qtypeName = "NBSTAT";
        }
      }
      t.query = q;
      if (m.edns) {
        t.ednsUdpSize = m.ednsUdpSize;
        t.ednsDo = m.ednsDo;
        if (m.ecsAddress != null) {
          t.ecs = m.ecsAddress + "/" + m.ecsSourcePrefix;
        }
      }
    }
    if (m.qr) {
      if (m.questionsParsed > 0 && m.anCount == 0 && m.nsCount == 0 && m.arCount == 0) {
        t.rejected = true; // dns_rejected
      }
      int n = m.zeekAnswerCount();
      if (!t.sawQuery && !t.replyBits) {
        // no query seen: RD is the query's as the response copies it (RFC 1035 4.1.1); Zeek reads
        // RD only from a query and logs F
        t.rd = m.rd;
      }
      if (!t.replyBits) {
        // AA and RA as the response's header says: the fields' documented meaning (Zeek's script
        // sets them only in DNS::do_reply, so its log says F for a response without answers, e.g.
        // an NXDOMAIN; DESIGN.md counts what this choice costs against each oracle)
        t.aa = m.aa;
        t.ra = m.ra;
        t.replyBits = true;
      }
      if (n > 0) {
        // DNS::do_reply for each answer Zeek renders
        if (t.query == null) {
          t.query = m.zeekQueryFromAnswers();
        }
        t.aa = m.aa;
        t.ra = m.ra;
        if (t.rttNanos < 0 && tsNanos != t.tsNanos) {
          t.rttNanos = tsNanos - t.tsNanos;
        }
        if (t.answers == null) {
          t.answers = new ArrayList<>(n);
          t.ttls = new ArrayList<>(n);
        }
        for (int i = 0; i < n; i++) {
          t.answers.add(m.zeekAnswer(i));
          t.ttls.add(m.zeekTtl(i));
        }
      }
      if (!t.sawQuery && t.qtype < 0 && m.questionsParsed > 0) {
        // a response with no query seen (yet): its question says what was asked (Zeek leaves these
        // empty; a query that comes later still fills them as Zeek does)
        t.qclass = m.qclass;
        t.qtype = m.qtype;
        t.qtypeName = DnsNames.qtype(m.qtype);
        if (t.query == null) {
          t.query = m.zeekQuery();
        }
      }
      int rc = m.recordCount();
      if (rc > 0 && t.records == null) {
        t.records = new ArrayList<>(rc);
        for (int i = 0; i < rc; i++) {
          t.records.add(record(m.record(i)));
        }
      }
    }
    // Zeek confirms its analyzer once the question and answer sections parsed
    if (r == DnsResult.OK || m.stopSection == DnsRecord.SECTION_AUTHORITY
        || m.stopSection == DnsRecord.SECTION_ADDITIONAL) {
      if ((flow.services() & Flow.SERVICE_DNS) == 0) {
        flow.addService(Flow.SERVICE_DNS);
      }
    }
    end(t, m.qr);
  }

  /** Zeek's set_session hook: which row this message fills. */
  private Txn setSession(DnsMessage m, long tsNanos) {
    Txn t;
    Flow flow = owner.flow;
    if (flow.respIsMulticast()) {
      t = newTxn(m.id, tsNanos);
      t.sawQuery = true; // written at the end of this message: nothing will pair with it
      t.sawReply = true;
    } else if (!m.qr) {
      t = taken(pop(replies, m.id));
      if (t == null) {
        t = newTxn(m.id, tsNanos);
        queries = enqueue(queries, m.id, t, true);
      }
    } else {
      t = taken(pop(queries, m.id));
      if (t == null) {
        t = newTxn(m.id, tsNanos);
        replies = enqueue(replies, m.id, t, false);
      }
    }
    if (m.qr) {
      t.rcode = m.rcode;
      if (m.rcode != 0 && m.qdCount == 0) {
        t.rejected = true;
      }
    }
    t.opcode = m.opcode;
    return t;
  }

  /** Zeek's dns_end: the row is written once it saw a query and a response. */
  private void end(Txn t, boolean qr) {
    if (qr) {
      t.sawReply = true;
    } else {
      t.sawQuery = true;
    }
    if (t.sawQuery && t.sawReply) {
      write(t);
    } else if (t.pendingOwner == null && !owner.flow.respIsMulticast()) {
      layer.dnsPending.add(this, t); // it waits in queries or replies: the worker's caps count it
    }
  }

  /**
   * The worker's pending cap took {@code t} (off its list already): written now, unpaired, as at the
   * flow's end, and the flow noticed once.
   */
  void evicted(Txn t) {
    boolean query = t.sawQuery;
    Map<Integer, ArrayDeque<Txn>> table = query ? queries : replies;
    if (table != null) {
      ArrayDeque<Txn> q = table.get(t.transId);
      if (q != null) {
        q.remove(t); // identity (Txn has no equals): at most 51 entries
        if (q.isEmpty()) {
          table.remove(t.transId);
        }
      }
    }
    layer.counters.inc(query ? AppCounter.DNS_UNANSWERED : AppCounter.DNS_UNMATCHED_REPLIES);
    owner.notice(t.tsNanos, "DNS_pending_evicted", "the worker's pending DNS cap was reached", "dns", -1);
    write(t);
  }

  /** The flow's state is dropped without records (a parser failed): its messages stop waiting. */
  void discard() {
    for (Map<Integer, ArrayDeque<Txn>> table : java.util.Arrays.asList(queries, replies)) {
      if (table != null) {
        for (ArrayDeque<Txn> q : table.values()) {
          for (Txn t : q) {
            layer.dnsPending.remove(t);
          }
        }
      }
    }
    queries = null;
    replies = null;
  }

  private static Txn newTxn(int id, long tsNanos) {
    Txn t = new Txn();
    t.transId = id;
    t.tsNanos = tsNanos;
    return t;
  }

  private static Txn pop(Map<Integer, ArrayDeque<Txn>> table, int id) {
    if (table == null) {
      return null;
    }
    ArrayDeque<Txn> q = table.get(id);
    if (q == null) {
      return null;
    }
    Txn t = q.poll();
    if (q.isEmpty()) {
      table.remove(id);
    }
    return t;
  }

  /** A message that waited is taken (paired, or written at a bound): off the worker's list. */
  private Txn taken(Txn t) {
    if (t != null) {
      layer.dnsPending.remove(t);
    }
    return t;
  }

  /** Zeek's enqueue_new_msg, with its bounds. */
  private Map<Integer, ArrayDeque<Txn>> enqueue(Map<Integer, ArrayDeque<Txn>> table, int id, Txn t, boolean query) {
    if (table == null) {
      table = new LinkedHashMap<>();
    }
    ArrayDeque<Txn> q = table.get(id);
    if (q == null) {
      if (table.size() > MAX_PENDING_IDS) {
        for (ArrayDeque<Txn> all : table.values()) {
          flushQueue(all, query, true);
        }
        table.clear();
      }
      q = new ArrayDeque<>(2);
      table.put(id, q);
    } else if (q.size() > MAX_PENDING_PER_ID) {
      flushQueue(q, query, true);
    }
    q.add(t);
    return table;
  }

  private void flushQueue(ArrayDeque<Txn> q, boolean queries, boolean early) {
    for (Txn t; (t = q.poll()) != null; ) {
      layer.dnsPending.remove(t);
      layer.counters.inc(queries ? AppCounter.DNS_UNANSWERED : AppCounter.DNS_UNMATCHED_REPLIES);
      if (early) {
        layer.counters.inc(AppCounter.DNS_PENDING_FLUSHED);
      }
      write(t);
    }
  }

  /** The flow ends: every waiting query and response is written (Zeek's finalize_dns). */
  void finish() {
    if (queries != null) {
      for (Iterator<ArrayDeque<Txn>> it = queries.values().iterator(); it.hasNext(); ) {
        flushQueue(it.next(), true, false);
      }
      queries = null;
    }
    if (replies != null) {
      for (Iterator<ArrayDeque<Txn>> it = replies.values().iterator(); it.hasNext(); ) {
        flushQueue(it.next(), false, false);
      }
      replies = null;
    }
  }

  private void write(Txn t) {
    Flow f = owner.flow;
    Dns.Builder b = Dns.newBuilder()
        .setUid(f.uid())
        .setTs(AppRecords.ts(t.tsNanos))
        .setOrigH(f.origAddress())
        .setOrigP(f.origPort())
        .setRespH(f.respAddress())
        .setRespP(f.respPort())
        .setProto(tcp ? "tcp" : "udp")
        .setTransId(t.transId);
    if (t.rttNanos > 0) {
      b.setRtt(AppRecords.duration(t.rttNanos));
    }
    if (t.query != null) {
      b.setQuery(t.query);
    }
    if (t.qclass >= 0) {
      b.setQclass(t.qclass);
      b.setQclassName(DnsNames.qclass(t.qclass));
    }
    if (t.qtype >= 0) {
      b.setQtype(t.qtype);
      b.setQtypeName(t.qtypeName);
    }
    if (t.rcode >= 0) {
      b.setRcode(t.rcode);
      b.setRcodeName(DnsNames.rcode(t.rcode));
    }
    b.setAA(t.aa).setTC(t.tc).setRD(t.rd).setRA(t.ra).setZ(t.z);
    if (t.answers != null) {
      b.addAllAnswers(t.answers);
      for (long ttl : t.ttls) {
        b.addTTLs((int) ttl);
      }
    }
    b.setRejected(t.rejected);
    if (t.records != null) {
      b.addAllRecords(t.records);
    }
    if (t.opcode >= 0) {
      b.setOpcode(t.opcode);
      b.setOpcodeName(DnsNames.opcode(t.opcode));
    }
    if (t.ednsUdpSize >= 0) {
      b.setEdnsUdpSize(t.ednsUdpSize);
      b.setEdnsDo(t.ednsDo);
    }
    if (t.ecs != null) {
      b.setEdnsClientSubnet(t.ecs);
    }
    b.setSawQuery(t.sawQuery).setSawReply(t.sawReply);
    layer.emit(Event.newBuilder().setDns(b).build(), AppCounter.RECORDS_DNS);
  }

  private static dev.nsm.proto.v1.DnsRecord record(DnsRecord r) {
    dev.nsm.proto.v1.DnsRecord.Builder b = dev.nsm.proto.v1.DnsRecord.newBuilder()
        .setSection(r.section == DnsRecord.SECTION_ANSWER ? "answer"
            : r.section == DnsRecord.SECTION_AUTHORITY ? "authority" : "additional")
        .setName(r.name == null ? "" : r.name)
        .setType(r.type)
        .setTypeName(r.typeName())
        .setData(r.data == null ? "" : r.data);
    if (r.type != 41) { // OPT's TTL field holds EDNS flags, shown in data
      b.setTtl((int) r.ttl);
    }
    return b.build();
  }

  /** Zeek's weird for each malformation (DNS.cc), or a name of the same style where Zeek has none. */
  static String weirdName(DnsResult r) {
    switch (r) {
      case HEADER_TRUNCATED: return "DNS_truncated_len_lt_hdr_len";
      case TOO_MANY_QUESTIONS: return "DNS_Conn_count_too_large";
      case QUESTION_TRUNCATED: return "DNS_truncated_quest_too_short";
      case NAME_TRUNCATED: return "dns_invalid_name";
      case LABEL_TOO_LONG: return "DNS_label_too_long";
      case NAME_TOO_LONG: return "DNS_NAME_too_long";
      case NAME_POINTER_FORWARD: return "DNS_label_forward_compress_offset";
      case NAME_POINTER_OUT_OF_BOUNDS: return "DNS_label_pointer_out_of_bounds";
      case NAME_POINTER_LOOP: return "DNS_label_pointer_loop";
      case NAME_TOO_MANY_POINTERS: return "DNS_max_compression_chain_depth_exceeded";
      case RR_TRUNCATED: return "DNS_truncated_ans_too_short";
      case RDATA_TRUNCATED: return "DNS_truncated_RR_rdlength_lt_len";
      case RDATA_MALFORMED: return "DNS_RR_bad_length";
      case TOO_MANY_RECORDS: return "DNS_too_many_records";
      default: return "DNS_" + r.counterName();
    }
  }

  /** Zeek's decode_netbios_name: 32 letters A..P, two per byte; "" when it is not such a name. */
  static String decodeNetbiosName(String name) {
    if (name == null || name.length() != 32) {
      return "";
    }
    byte[] buf = new byte[16];
    int length = 0;
    for (int i = 0, j = 0; i < 16; i++) {
      int c0 = Character.toUpperCase(name.charAt(j++));
      int c1 = Character.toUpperCase(name.charAt(j++));
      if (c0 < 'A' || c0 > 'P' || c1 < 'A' || c1 > 'P') {
        return "";
      }
      int v = ((c0 - 'A') << 4) + (c1 - 'A');
      buf[i] = (byte) v;
      boolean printable = (v >= '0' && v <= '9') || (v >= 'A' && v <= 'Z') || (v >= 'a' && v <= 'z')
          || (v > 32 && v < 127) || v == ' ' || v < 3;
      if (printable) {
        length++;
      } else {
        break;
      }
    }
    if (length == 16) {
      length = 15; // the 16th byte is the name's type
    }
    while (length > 0 && (buf[length - 1] == ' ' || buf[length - 1] == 0)) {
      length--;
    }
    return new String(buf, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
