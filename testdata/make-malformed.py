#!/usr/bin/python3
"""Writes the hostile-input corpus, testdata/malformed/*.pcap[.gz]: one capture per kind of damage.

    python3 testdata/make-malformed.py          # (re)writes every file; standard library only

Every capture holds the valid connection of testdata/tcp-sf.pcap (a curl GET, handshake to FINs) with
its own timestamps, and the hostile packets between its packets, on other addresses (198.18.66.x,
fd00:66::x). So the test beside them (sensor MalformedCorpusTest) can check both what the damage
does (counters, and notices once the application layer is wired) and that the valid connection
still gives exactly its record of testdata/tcp-sf.expected.jsonl. Regenerate after tcp-sf.pcap is.

Hostile TCP conversations are written whole (handshake, data cut at 1448 bytes, acks, FINs) with
valid checksums, so the one thing wrong in each is the thing meant. Captures over 64 KiB are
gzipped (the reader reads .gz; it also keeps the repository small).
"""
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcapkit as pk  # noqa: E402

OUT = os.path.join(HERE, "malformed")
C4, S4 = "198.18.66.1", "198.18.66.2"
C6, S6 = "fd00:66::1", "fd00:66::2"


def valid():
    """tcp-sf.pcap's frames: [(ts, frame)]."""
    _, recs = pk.read_pcap(os.path.join(HERE, "tcp-sf.pcap"))
    return [(sec + usec / 1e6, frame) for sec, usec, frame, _ in recs]


def write(name, hostile, gz=False):
    """hostile: [(ts or None, frame, wire_len or None)] placed between the valid frames (None: spread evenly)."""
    legit = valid()
    t0, t1 = legit[0][0], legit[-1][0]
    # hostile packets go after the handshake (3rd valid packet) and before the last one, evenly
    lo = legit[2][0] + 0.000001
    hi = t1 - 0.000001
    n = max(1, len(hostile))
    recs = []
    for i, h in enumerate(hostile):
        ts, frame, wire = h
        if ts is None:
            ts = lo + (hi - lo) * i / n
        recs.append((ts, 1, frame, wire))
    recs += [(ts, 0, frame, None) for ts, frame in legit]
    recs.sort(key=lambda r: (r[0], r[1]))
    data = pk.pcap_header() + b"".join(pk.pcap_record(ts, f, wire_len=w) for ts, _, f, w in recs)
    path = os.path.join(OUT, name + (".pcap.gz" if gz else ".pcap"))
    if gz:
        data = gzip.compress(data, 9, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    print("%-36s %4d packets (%d hostile) %8d bytes" % (os.path.basename(path), len(recs), len(hostile), len(data)))


def h(frame, wire=None, ts=None):
    return (ts, frame, wire)


def conversation(cport, sport, exchanges, client=C4, server=S4, mss=1448):
    """A whole TCP connection: [(from_client, bytes)] in order -> [frame] (handshake, data+acks, FINs)."""
    v6 = ":" in client
    cseq, sseq = 1000, 5000

    def seg(from_client, seq, ack, flags, payload=b""):
        src, dst, sp, dp = (client, server, cport, sport) if from_client else (server, client, sport, cport)
        t = pk.tcp(src, dst, sp, dp, seq, ack, flags, payload, v6=v6)
        if v6:
            ip = pk.ipv6(src, dst, 6, t)
            return pk.ether(ip, 0x86DD, *((pk.MAC_C, pk.MAC_S) if from_client else (pk.MAC_S, pk.MAC_C)))
        ip = pk.ipv4(src, dst, 6, t)
        return pk.ether(ip, 0x0800, *((pk.MAC_C, pk.MAC_S) if from_client else (pk.MAC_S, pk.MAC_C)))

    out = [seg(True, cseq, 0, "S"), seg(False, sseq, cseq + 1, "SA"), seg(True, cseq + 1, sseq + 1, "A")]
    cseq += 1
    sseq += 1
    for from_client, data in exchanges:
        for i in range(0, len(data), mss):
            piece = data[i:i + mss]
            if from_client:
                out.append(seg(True, cseq, sseq, "PA", piece))
                cseq += len(piece)
                out.append(seg(False, sseq, cseq, "A"))
            else:
                out.append(seg(False, sseq, cseq, "PA", piece))
                sseq += len(piece)
                out.append(seg(True, cseq, sseq, "A"))
    out += [seg(True, cseq, sseq, "FA"), seg(False, sseq, cseq + 1, "FA"), seg(True, cseq + 1, sseq + 1, "A")]
    return out


def udp4(sport, dport, payload, src=C4, dst=S4):
    return pk.ether(pk.ipv4(src, dst, 17, pk.udp(src, dst, sport, dport, payload)))


# ---------------------------------------------------------------- the cases


def truncated_headers():
    """A frame cut inside each header the decoder reads: one of each *_truncated counter."""
    full_tcp = pk.ether(pk.ipv4(C4, S4, 6, pk.tcp(C4, S4, 40001, 80, 1, 0, "S")))
    full_udp = udp4(40002, 53, b"x" * 20)
    icmp = pk.ether(pk.ipv4(C4, S4, 1, struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"))
    v6 = pk.ether(pk.ipv6(C6, S6, 17, pk.udp(C6, S6, 40003, 53, b"y" * 8, v6=True)), 0x86DD)
    v6_hbh = pk.ether(pk.ipv6(C6, S6, 0, bytes([17, 0]) + b"\x01\x04\0\0\0\0"), 0x86DD)
    eth = pk.MAC_S + pk.MAC_C
    cases = [
        eth[:10],                                              # l2_truncated: 10 bytes of Ethernet
        eth + b"\x81\x00" + b"\x00\x64",                       # vlan_truncated: 2 of the tag's 4 bytes
        eth + b"\x88\x47" + b"\x00\x01",                       # mpls_truncated: half a label
        eth + b"\x88\x64" + b"\x11\x00\x00\x01",               # pppoe_truncated: 4 of 6 + protocol
        eth + b"\x88\xe7" + b"\x00" * 10,                      # shim_truncated: PBB I-TAG cut
        full_udp[:14 + 12],                                    # ipv4_truncated: 12 bytes of IPv4
        v6[:14 + 30],                                          # ipv6_truncated: 30 bytes of IPv6
        v6_hbh[:14 + 40 + 4],                                  # ipv6_ext_truncated: hop-by-hop cut
        full_tcp[:14 + 20 + 10],                               # tcp_truncated: 10 bytes of TCP
        full_udp[:14 + 20 + 4],                                # udp_truncated: 4 bytes of UDP
        icmp[:14 + 20 + 2],                                    # icmp_truncated: type and code only
    ]
    # each as captured with a small snaplen: caplen < wire length
    full = [60, 64, 64, 64, 64, len(full_udp), len(v6), len(v6_hbh), len(full_tcp), len(full_udp), len(icmp)]
    write("truncated-headers", [h(f, wire=max(w, len(f))) for f, w in zip(cases, full)])


def lying_lengths():
    """Length fields that lie, in every header that has one."""
    def v4(payload, proto=17, **kw):
        return pk.ether(pk.ipv4(C4, S4, proto, payload, **kw))

    u = pk.udp(C4, S4, 40010, 9999, b"z" * 32)
    t = pk.tcp(C4, S4, 40011, 80, 1, 0, "S")
    cases = [
        v4(u, ihl=3),                                                 # ipv4_bad_header_length: IHL 3
        v4(u, total_len=10),                                          # ipv4_bad_total_length: 10 < 20
        v4(u, ihl=15),                                                # ipv4_truncated: a 60-byte header in 60 bytes
        v4(t[:12] + bytes([0x30]) + t[13:], proto=6),                 # tcp_bad_data_offset: 3 words
        v4(t[:12] + bytes([0xF0]) + t[13:], proto=6),                 # tcp_bad_data_offset: 15 words in 20 bytes
        v4(pk.udp(C4, S4, 40012, 9999, b"a" * 32, length=4)),         # UDP length 4 < 8: the IP length counts
        v4(pk.udp(C4, S4, 40013, 9999, b"b" * 32, length=4000)),      # UDP length past the datagram: idem
        v4(pk.udp(C4, S4, 40014, 9999, b"c" * 32), total_len=1500),   # IPv4 total length past the capture
        pk.ether(pk.ipv6(C6, S6, 17, pk.udp(C6, S6, 40015, 9999, b"d" * 16, v6=True), plen=2000), 0x86DD),
    ]
    hostile = [h(f) for f in cases]
    hostile.append(h(udp4(40016, 9999, b"e" * 32), wire=10))          # pcap wire length below caplen
    write("lying-lengths", hostile)


def dns_names():
    """Compression pointer loops (to itself, back into the name) and forward, a chain of 65 pointers, names past
    255 bytes (5 labels of 60; 200 labels of 1), a 64-byte label."""
    def msg(ident, qname_wire, flags=0x0100, an=b"", ancount=0):
        return struct.pack("!HHHHHH", ident, flags, 1, ancount, 0, 0) + qname_wire + struct.pack("!HH", 1, 1) + an

    loop = msg(1, b"\x01a\xc0\x0c")                     # 'a' then a pointer back to 'a': a loop
    self_ptr = msg(2, b"\xc0\x0c")                      # a pointer to itself
    long5 = msg(3, b"".join(b"\x3c" + b"x" * 60 for _ in range(5)) + b"\0")   # 305 bytes
    many = msg(4, b"\x01a" * 200 + b"\0")               # 200 labels, 401 bytes
    label64 = msg(5, b"\x40" + b"L" * 64 + b"\0")       # a 64-byte label
    forward = msg(7, b"\xc0\x14" + b"\0" * 4 + b"\x01b\0")   # a pointer forward, to a name after it
    # a chain of 65 pointers: the first answer's rdata (type NULL) holds pointers each to the previous
    # one; the second answer's owner points to the last: 66 jumps
    chain = b""
    base = 12 + 3 + 4 + 2 + 10  # question 'a' (3) + type/class, first answer's owner (2) + fixed part
    prev = 12
    for i in range(65):
        chain += struct.pack("!H", 0xC000 | prev)
        prev = base + 2 * i
    an = b"\xc0\x0c" + struct.pack("!HHIH", 10, 1, 60, len(chain)) + chain
    an += struct.pack("!H", 0xC000 | prev) + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x7f\0\0\1"
    pointers = msg(6, b"\x01a\0", flags=0x8180, an=an, ancount=2)
    cases = [loop, self_ptr, long5, many, label64, forward]
    hostile = [h(udp4(41000 + i, 53, m)) for i, m in enumerate(cases)]
    hostile.append(h(udp4(53, 41010, pointers, src=S4, dst=C4)))
    write("dns-pointers-and-long-names", hostile)


def client_hello_body():
    """The ClientHello handshake message (type + length + body) of tls12.pcap."""
    _, recs = pk.read_pcap(os.path.join(HERE, "tls12.pcap"))
    flow = pk.tcp_flows(recs)[0]
    stream = b"".join(s[4] for s in flow["segs"] if s[0])
    assert stream[0] == 22
    ln = struct.unpack("!H", stream[3:5])[0]
    return stream[5:5 + ln]


def server_stream():
    _, recs = pk.read_pcap(os.path.join(HERE, "tls12.pcap"))
    flow = pk.tcp_flows(recs)[0]
    return b"".join(s[4] for s in flow["segs"] if not s[0])


def tls_lengths():
    """A handshake message claiming 2^24 - 1 bytes; a record of 65535 bytes (over 2^14 + 2048)."""
    hello = client_hello_body()
    huge = bytes([1]) + b"\xff\xff\xff" + hello[4:]
    client = bytes([22, 3, 1]) + struct.pack("!H", len(huge)) + huge
    server = bytes([23, 3, 3, 0xFF, 0xFF]) + b"\x42" * 65535
    frames = conversation(44301, 443, [(True, client), (False, server)])
    write("tls-length-2p24", [h(f) for f in frames], gz=True)


def tls_one_byte_records():
    """tls12.pcap's ClientHello cut into 1-byte handshake records; its real server answer."""
    hello = client_hello_body()
    client = b"".join(bytes([22, 3, 1, 0, 1, b]) for b in hello)
    frames = conversation(44302, 443, [(True, client), (False, server_stream())])
    write("tls-1-byte-records", [h(f) for f in frames])


def http_big_header():
    req = b"GET /big HTTP/1.1\r\nHost: www.nsm.test\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    resp = b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n"
    frames = conversation(48001, 80, [(True, req), (False, resp)])
    write("http-header-1mb", [h(f) for f in frames], gz=True)


def http_many_headers():
    req = b"GET /many HTTP/1.1\r\nHost: www.nsm.test\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n"
    resp = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    frames = conversation(48002, 80, [(True, req), (False, resp)])
    write("http-10000-headers", [h(f) for f in frames], gz=True)


def http_chunk_overflow():
    req = b"GET /chunked HTTP/1.1\r\nHost: www.nsm.test\r\n\r\n"
    resp = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
            b"4\r\nabcd\r\nffffffffffffffffffffffff\r\nefgh\r\n0\r\n\r\n")
    frames = conversation(48003, 80, [(True, req), (False, resp)])
    write("http-chunk-size-overflow", [h(f) for f in frames])


def teardrop():
    """Teardrop: a last fragment ending inside data already held (refused); and a datagram whose second
    fragment overlaps the first by 8 bytes (first copy wins), reassembled."""
    def frag(ident, off, more, data):
        return pk.ether(pk.ipv4(C4, S4, 17, data, ident=ident, flags_frag=(0x2000 if more else 0) | (off // 8)))

    u1 = pk.udp(C4, S4, 40020, 9999, b"T" * 28)          # 36 bytes
    u2 = pk.udp(C4, S4, 40021, 9999, b"O" * 40)          # 48 bytes
    write("ipv4-teardrop", [
        h(frag(0x1001, 0, True, u1)),                     # 0..36, more
        h(frag(0x1001, 24, False, u1[24:28])),            # 24..28, last: ends inside 0..36
        h(frag(0x1002, 0, True, u2[:24])),                # 0..24
        h(frag(0x1002, 16, True, u2[16:40])),             # 16..40: 8 bytes overlap
        h(frag(0x1002, 40, False, u2[40:])),              # 40..48: complete
    ])


def ipv6_ext_headers():
    """100 destination options headers before UDP (refused); 16 (the most the decoder follows) pass."""
    def dst_opts(n, sport):
        payload = pk.udp(C6, S6, sport, 9999, b"six", v6=True)
        for i in range(n):
            nh = 17 if i == 0 else 60
            payload = bytes([nh, 0, 1, 4, 0, 0, 0, 0]) + payload   # PadN of 4 bytes
        return pk.ether(pk.ipv6(C6, S6, 60, payload), 0x86DD)

    write("ipv6-100-ext-headers", [h(dst_opts(100, 40030)), h(dst_opts(16, 40031))])


def tcp_bogus_options():
    """Three connections whose SYN and SYN-ACK carry broken options: they must be tracked all the same."""
    def conn(cport, opts):
        out = []
        def seg(fc, seq, ack, fl, o=b""):
            src, dst, sp, dp = (C4, S4, cport, 80) if fc else (S4, C4, 80, cport)
            return pk.ether(pk.ipv4(src, dst, 6, pk.tcp(src, dst, sp, dp, seq, ack, fl, options=o)),
                            0x0800, *((pk.MAC_C, pk.MAC_S) if fc else (pk.MAC_S, pk.MAC_C)))
        out += [seg(True, 100, 0, "S", opts), seg(False, 900, 101, "SA", opts), seg(True, 101, 901, "A"),
                seg(True, 101, 901, "FA"), seg(False, 901, 102, "FA"), seg(True, 102, 902, "A")]
        return out

    frames = []
    frames += conn(40040, b"\x02\x00\x05\xb4" + b"\x01" * 4)                  # MSS with length 0
    frames += conn(40041, b"\x02\x04\x05\xb4\x03\x28\x07")                    # window scale running past the header
    frames += conn(40042, b"\x02\x03\x05\x03\x03\xc8\x04\x0a\x63\x02\x00\xff\xff\xff")  # MSS len 3, wscale 200, SACK-ok len 10, kind 99, EOL + junk
    write("tcp-bogus-options", [h(f) for f in frames])


def main():
    os.makedirs(OUT, exist_ok=True)
    truncated_headers()
    lying_lengths()
    dns_names()
    tls_lengths()
    tls_one_byte_records()
    http_big_header()
    http_many_headers()
    http_chunk_overflow()
    teardrop()
    ipv6_ext_headers()
    tcp_bogus_options()


if __name__ == "__main__":
    main()
