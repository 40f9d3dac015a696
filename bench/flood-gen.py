#!/usr/bin/python3
"""Writes the flood captures of bench/flood-bench.sh (standard library only).

    python3 bench/flood-gen.py OUTDIR [SCALE]     SCALE 1.0 = the sizes below; 0.01 for a quick try

  syn-flood.pcap   10^6 SYNs, each from its own address and port (10^6 flows), in 2 s
  dns-flood.pcap   10^6 DNS queries nobody answers: 4 resolvers x 64512 ports, random names, random ids, in 2 s
  gap-flood.pcap   10^5 TCP connections, each with a hole in its client's data (the server acks past it), in 4 s

Every capture also holds four legit captures of testdata/ at their own times (tcp-sf, dns-udp, tls12,
http-8080: TCP, DNS, TLS and HTTP); the flood starts 0.5 s before the first of them, so the first
legit connection runs inside the flood and the others come after it. flood-bench.sh checks that their
records are those of the testdata/*.expected.jsonl files.
"""
import os
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "testdata"))
import pcapkit as pk  # noqa: E402

LEGIT = ["tcp-sf", "dns-udp", "tls12", "http-8080"]


def legit():
    out = []
    for name in LEGIT:
        _, recs = pk.read_pcap(os.path.join(ROOT, "testdata", name + ".pcap"))
        out += [(sec + usec / 1e6, frame) for sec, usec, frame, _ in recs]
    out.sort(key=lambda r: r[0])
    return out


def write(path, flood, n, start, duration):
    """Merges the flood generator (yields frames, n of them, spread over duration from start) with the legit frames."""
    good = legit()
    w = pk.PcapWriter(path)
    gi = 0
    for i, frame in enumerate(flood):
        ts = start + duration * i / n
        while gi < len(good) and good[gi][0] <= ts:
            w.write(*good[gi])
            gi += 1
        w.write(ts, frame)
    for g in good[gi:]:
        w.write(*g)
    w.close()
    print("%s: %d packets (%d legit)" % (path, w.count, len(good)), flush=True)


def ipv4_header(src, dst, proto, payload_len, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident & 0xFFFF, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", pk.csum(h)) + h[12:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    c = pk.csum(src + dst + struct.pack("!xBH", 6, len(h)) + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


ETH_C = pk.MAC_S + pk.MAC_C + b"\x08\x00"  # to the server
ETH_S = pk.MAC_C + pk.MAC_S + b"\x08\x00"  # to the client


def syn_flood(n, rnd):
    dst = bytes([198, 18, 77, 1])
    for i in range(n):
        # 10.x.y.z, ports 1024..65535: address and port both from i, so every SYN is its own flow
        src = bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
        sport = 1024 + (i * 7919) % 64512
        t = tcp_segment(src, dst, sport, 80, rnd.getrandbits(32), 0, 0x02)
        yield ETH_C + ipv4_header(src, dst, 6, len(t), i) + t


def dns_flood(n, rnd):
    server = bytes([198, 18, 77, 53])
    resolvers = [bytes([10, 53, 0, k]) for k in range(1, 5)]
    labels = b"abcdefghijklmnopqrstuvwxyz0123456789"
    for i in range(n):
        src = resolvers[i % 4]
        sport = 1024 + (i // 4) % 64512
        sub = bytes(labels[rnd.randrange(36)] for _ in range(12))
        q = struct.pack("!HHHHHH", rnd.getrandbits(16), 0x0100, 1, 0, 0, 0)
        q += bytes([12]) + sub + b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
        u = struct.pack("!HHHH", sport, 53, 8 + len(q), 0) + q  # UDP checksum 0: none (allowed over IPv4)
        yield ETH_C + ipv4_header(src, server, 17, len(u), i) + u


def gap_flood(n, rnd):
    """Per connection: SYN, SYN-ACK, ACK, data 0..100, data 200..300 (100..200 never captured), the
    server's ack of 300 (the hole is acked: missed bytes), FIN, FIN, ACK. Connections interleave 8 at
    a time so their packets mix as on a link."""
    server = bytes([198, 18, 77, 80])
    live = []
    made = 0
    req = b"x" * 100
    while made < n or live:
        while len(live) < 8 and made < n:
            i = made
            made += 1
            src = bytes([10, 80 + ((i >> 16) & 0x3F), (i >> 8) & 0xFF, i & 0xFF])
            sport = 1024 + (i * 7919) % 64512
            c, s = rnd.getrandbits(31), rnd.getrandbits(31)
            steps = [
                (True, c, 0, 0x02, b""), (False, s, c + 1, 0x12, b""), (True, c + 1, s + 1, 0x10, b""),
                (True, c + 1, s + 1, 0x18, req), (True, c + 201, s + 1, 0x18, req),
                (False, s + 1, c + 301, 0x10, b""), (True, c + 301, s + 1, 0x11, b""),
                (False, s + 1, c + 302, 0x11, b""), (True, c + 302, s + 2, 0x10, b""),
            ]
            live.append([src, sport, steps, 0])
        k = rnd.randrange(len(live))
        src, sport, steps, at = live[k]
        fc, seq, ack, flags, payload = steps[at]
        if fc:
            t = tcp_segment(src, server, sport, 80, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, payload)
            yield ETH_C + ipv4_header(src, server, 6, len(t), at) + t
        else:
            t = tcp_segment(server, src, 80, sport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, payload)
            yield ETH_S + ipv4_header(server, src, 6, len(t), at) + t
        live[k][3] += 1
        if live[k][3] == len(steps):
            live.pop(k)


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(7)
    start = legit()[0][0] - 0.5
    n = int(1_000_000 * scale)
    write(os.path.join(out, "syn-flood.pcap"), syn_flood(n, rnd), n, start, 2.0)
    write(os.path.join(out, "dns-flood.pcap"), dns_flood(n, rnd), n, start, 2.0)
    g = int(100_000 * scale)
    write(os.path.join(out, "gap-flood.pcap"), gap_flood(g, rnd), 9 * g, start, 4.0)


if __name__ == "__main__":
    main()
