#!/usr/bin/python3
"""Writes the seed corpora of the Jazzer fuzz targets from the project's own captures (testdata/*.pcap).

    python3 bench/fuzz-seeds.py            # (re)writes every seed-* file; crash-* files are left alone

Each target reads its inputs from src/test/resources/<package>/<Class>Inputs/<method>/ (Jazzer's
convention): in `mvn verify` every file there is one regression test; when fuzzing they are the
starting corpus. Sequences (packets, segments, stream pieces) use the framing of
dev.nsm.parsers.FuzzChunks:  head (1) | length (2, big-endian) | bytes, repeated.  What `head` means
is written next to each target below and in its Java class. Standard library only.
"""
import glob
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "testdata"))
import pcapkit  # noqa: E402

PARSERS = os.path.join(ROOT, "protocol-parsers/src/test/resources/dev/nsm/parsers")
SENSOR = os.path.join(ROOT, "sensor/src/test/resources/dev/nsm/sensor")


def target(base, cls, method):
    d = os.path.join(base, cls + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.remove(f)
    return d


def put(d, name, data):
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(bytes(data))


def chunk(head, data):
    data = bytes(data)
    assert len(data) <= 0xFFFF
    return bytes([head]) + struct.pack("!H", len(data)) + data


def captures():
    out = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "testdata", "*.pcap"))):
        name = os.path.basename(path)[:-5]
        out[name] = pcapkit.read_pcap(path)[1]
    return out


def strip_ether(frame):
    """(ethertype, bytes after Ethernet and VLAN tags)."""
    p = 12
    et = struct.unpack("!H", frame[p:p + 2])[0]
    p += 2
    while et in (0x8100, 0x88A8):
        et = struct.unpack("!H", frame[p + 2:p + 4])[0]
        p += 4
    return et, frame[p:]


def interesting(recs, n):
    """Up to n frames of a capture: the first ones, then those with the most bytes."""
    picked = [r[2] for r in recs[:2]]
    for r in sorted(recs[2:], key=lambda r: -len(r[2])):
        if len(picked) >= n:
            break
        picked.append(r[2])
    return picked


def main():
    caps = captures()

    # ---- PacketDecoderFuzzTest: a frame; for the multi-type families a first byte picks the type
    eth = target(PARSERS, "packet/PacketDecoderFuzzTest", "ethernet")
    raw = target(PARSERS, "packet/PacketDecoderFuzzTest", "rawIp")
    loop = target(PARSERS, "packet/PacketDecoderFuzzTest", "loopback")
    cooked = target(PARSERS, "packet/PacketDecoderFuzzTest", "linuxCooked")
    ppp = target(PARSERS, "packet/PacketDecoderFuzzTest", "ppp")
    for name, recs in caps.items():
        for i, frame in enumerate(interesting(recs, 3)):
            tag = "%s-%d" % (name, i)
            put(eth, tag, frame)
            et, ip = strip_ether(frame)
            if i != 2 or et not in (0x0800, 0x86DD):  # the other link types: one (large) frame per capture
                continue
            v6 = et == 0x86DD
            put(raw, tag, bytes([4 if v6 else 3]) + ip)  # IPV6 / IPV4 link types
            put(raw, tag + "-raw", bytes([0]) + ip)  # LINKTYPE_RAW
            put(loop, tag, bytes([0]) + struct.pack("<I", 10 if v6 else 2) + ip)  # NULL, host order
            put(loop, tag + "-loop", bytes([1]) + struct.pack(">I", 24 if v6 else 2) + ip)  # LOOP
            put(cooked, tag, bytes([0]) + struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", et) + ip)
            put(cooked, tag + "-v2", bytes([1]) + struct.pack("!HHIHBB8s", et, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + ip)
            put(ppp, tag, bytes([0]) + b"\xff\x03" + struct.pack("!H", 0x57 if v6 else 0x21) + ip)
            put(ppp, tag + "-hdlc", bytes([1]) + b"\xff\x03" + struct.pack("!H", 0x57 if v6 else 0x21) + ip)
            put(ppp, tag + "-chdlc", bytes([2]) + b"\x0f\x00" + struct.pack("!H", et) + ip)

    # ---- TunnelDecoderFuzzTest: the tunnel part of a packet (the test writes the outer Ethernet/IPv4
    # and, for UDP tunnels, the UDP header): UDP payload, GRE header onward, or for ipInIp a first byte
    # (even: protocol 4, odd: 41) and the inner packet. From testdata/tunnel-*.pcap, and for Teredo,
    # AYIYA and GTP-U (no Linux device) headers written from RFC 4380, draft-massar-v6ops-ayiya and
    # 3GPP TS 29.281 around packets of the project's captures (as sensor/.../RfcTunnelFrames.java).
    tun = {m: target(PARSERS, "packet/TunnelDecoderFuzzTest", m)
           for m in ("vxlan", "geneve", "teredo", "ayiya", "gtpu", "gre", "ipInIp")}
    for name, recs in caps.items():
        if not name.startswith("tunnel-") or name.endswith("-plain"):
            continue
        for i, frame in enumerate(interesting(recs, 3)):
            tag = "%s-%d" % (name, i)
            et, ip = strip_ether(frame)
            if et == 0x0800:
                proto, l4 = ip[9], ip[(ip[0] & 0x0F) * 4:]
            elif et == 0x86DD:
                proto, l4 = ip[6], ip[40:]
            else:
                continue
            if proto == 17:
                port = struct.unpack("!H", l4[2:4])[0]
                method = {4789: "vxlan", 6081: "geneve"}.get(port)
                if method:
                    put(tun[method], tag, l4[8:])
            elif proto == 47:
                put(tun["gre"], tag, l4)
            elif proto in (4, 41):
                put(tun["ipInIp"], tag, bytes([0 if proto == 4 else 1]) + l4)
    pptp = struct.pack("!HHHHI", 0x3001, 0x880B, 0, 0x4000, 7)  # enhanced GRE (RFC 2637): K, S, version 1; no PPP payload
    put(tun["gre"], "pptp-empty", pptp)
    for src in ("ipv6-http", "tls13", "dns-udp"):
        for i, frame in enumerate(interesting(caps[src], 3)):
            et, ip = strip_ether(frame)
            v6 = et == 0x86DD
            tag = "%s-%d" % (src, i)
            if v6:  # Teredo: IPv6 only; origin indication (and, on the first, authentication) before it
                origin = struct.pack("!HH4s", 0, 0xFFFF ^ 40001, bytes(b ^ 0xFF for b in (192, 0, 2, 1)))
                auth = b"\0\1\0\0" + bytes(range(1, 9)) + b"\0"
                put(tun["teredo"], tag, (auth if i == 0 else b"") + origin + ip)
                put(tun["teredo"], tag + "-bare", ip)
            put(tun["ayiya"], tag, bytes([0x41, 0x52, 0x11, 41 if v6 else 4]) + struct.pack("!I", 1700000000)
                + bytes(16) + b"\x5a" * 20 + ip)
            put(tun["gtpu"], tag, struct.pack("!BBHI", 0x30, 0xFF, len(ip), 0x1001) + ip)
            ext = b"\x01\x10\x09\x00"  # PDU session container, length 1, QFI 9, no next
            put(tun["gtpu"], tag + "-ext", struct.pack("!BBHIHBB", 0x36, 0xFF, 4 + len(ext) + len(ip), 0x2002, i, 0, 0x85)
                + ext + ip)

    # ---- IpDefragmenterFuzzTest: chunks of (head = time step, Ethernet frame)
    frag = target(PARSERS, "packet/IpDefragmenterFuzzTest", "fragments")
    for name in ("ipv4-frag", "ipv6-frag"):
        recs = caps[name]
        put(frag, name, b"".join(chunk(1, r[2]) for r in recs))
        put(frag, name + "-first3", b"".join(chunk(1, r[2]) for r in recs[:3]))
        put(frag, name + "-reversed", b"".join(chunk(1, r[2]) for r in reversed(recs[:3])))

    # ---- TcpReassemblerFuzzTest: chunks; head bit 0 direction (1 = client), bits 1-2 op (0 segment,
    # 1 ack of the OTHER direction's stream, 2 close), 3 SYN, 4 FIN, 5 RST, 6 ack counts as missed,
    # 7 a 10 s time jump; a segment is seq (4) + payload (its bytes are regenerated from seq), an ack is ack (4)
    tcpd = target(PARSERS, "tcp/TcpReassemblerFuzzTest", "segments")
    for name, recs in caps.items():
        for k, f in enumerate(pcapkit.tcp_flows(recs)):
            out = b""
            for from_client, seq, ack, flags, payload in f["segs"]:
                d = 1 if from_client else 0
                if flags & 0x10:
                    out += chunk((1 - d) | (1 << 1) | (1 << 6), struct.pack("!I", ack))
                head = d | (8 if flags & 2 else 0) | (16 if flags & 1 else 0) | (32 if flags & 4 else 0)
                out += chunk(head, struct.pack("!I", seq) + payload[:1500])
            if len(out) < 20000:
                put(tcpd, "%s-%d" % (name, k), out)

    # ---- DnsFuzzTest: message = one DNS message; tcpStream = chunks (head bit 0: a gap of len bytes)
    msg = target(PARSERS, "dns/DnsFuzzTest", "message")
    stream = target(PARSERS, "dns/DnsFuzzTest", "tcpStream")
    for name in ("dns-udp", "dns-unanswered", "dns-tcp", "dns-tcp-2msgs"):
        n = 0
        for _, _, frame, _ in caps[name]:
            d = pcapkit.parse_l4(frame)
            if d and d["proto"] == 17 and d["payload"]:
                put(msg, "%s-%d" % (name, n), d["payload"])
                n += 1
        for k, f in enumerate(pcapkit.tcp_flows(caps[name])):
            for side in (True, False):
                pieces = [s[4] for s in f["segs"] if s[0] == side and s[4]]
                if not pieces:
                    continue
                put(stream, "%s-%d-%s" % (name, k, "client" if side else "server"), b"".join(chunk(0, p) for p in pieces))
                whole = b"".join(pieces)
                p = 0
                while p + 2 <= len(whole):  # each message alone, for the parser
                    ln = struct.unpack("!H", whole[p:p + 2])[0]
                    put(msg, "%s-%d-%s-%d" % (name, k, "c" if side else "s", p), whole[p + 2:p + 2 + ln])
                    p += 2 + ln

    # ---- TlsFuzzTest: connection = chunks (head bit 0 from client, bit 1 a gap of len bytes);
    # certificate = one DER certificate (from the TLS 1.2 capture, the one sent in clear)
    conn = target(PARSERS, "tls/TlsFuzzTest", "connection")
    certs = target(PARSERS, "tls/TlsFuzzTest", "certificate")
    for name in ("tls12", "tls13", "tls-8443", "tls-split-clienthello"):
        for k, f in enumerate(pcapkit.tcp_flows(caps[name])):
            segs = [(s[0], s[4]) for s in f["segs"] if s[4]]
            put(conn, "%s-%d" % (name, k), b"".join(chunk(1 if c else 0, p) for c, p in segs))
            server = b"".join(p for c, p in segs if not c)
            for i, der in enumerate(certificates(server)):
                put(certs, "%s-%d-%d" % (name, k, i), der)

    # ---- HttpConnectionFuzzTest: conversation = chunks (head bit 0 from client, bit 1 a gap)
    http = target(PARSERS, "http/HttpConnectionFuzzTest", "conversation")
    for name in ("http-8080", "http-pipelining", "http-chunked", "tcp-sf", "ipv6-http", "tcp-rsto", "tcp-s1", "tcp-s3",
                 "tcp-midstream", "tcp-oth"):
        for k, f in enumerate(pcapkit.tcp_flows(caps[name])):
            segs = [(s[0], s[4]) for s in f["segs"] if s[4]]
            if segs:
                # at most 4 KiB: the parser is byte-granular, and small inputs keep the fuzzer fast
                put(http, "%s-%d" % (name, k), b"".join(chunk(1 if c else 0, p[:1500]) for c, p in segs)[:4096])

    # ---- CaptureFuzzTest: pcap = a classic pcap file; pcapng = a pcapng file
    pcap = target(SENSOR, "capture/CaptureFuzzTest", "pcap")
    ng = target(SENSOR, "capture/CaptureFuzzTest", "pcapng")
    for name, recs in caps.items():
        small = recs[:6]
        put(pcap, name, pcapkit.pcap_header() + b"".join(pcapkit.pcap_record(r[0] + r[1] / 1e6, r[2]) for r in small))
        put(ng, name, pcapkit.pcapng([(r[0] + r[1] / 1e6, r[2]) for r in small]))
    sf = [(r[0] + r[1] / 1e6, r[2]) for r in caps["tcp-sf"][:4]]
    put(pcap, "variant-big-endian", big_endian_pcap(sf))
    put(pcap, "variant-nanoseconds", pcapkit.pcap_header(magic=0xA1B23C4D) + b"".join(pcapkit.pcap_record(t, f) for t, f in sf))
    put(pcap, "variant-modified", pcapkit.pcap_header(magic=0xA1B2CD34)
        + b"".join(pcapkit.pcap_record(t, f)[:16] + b"\0" * 8 + f for t, f in sf))
    put(pcap, "variant-v2.2-snaplen-64", pcapkit.pcap_header(snaplen=64, version=(2, 2))
        + b"".join(struct.pack("<IIII", int(t), 0, len(f), len(f)) + f for t, f in sf))
    put(ng, "variant-tsresol-ns", pcapkit.pcapng(sf, tsresol=9, snaplen=128))
    put(ng, "variant-tsresol-2pow", pcapkit.pcapng(sf, tsresol=0x80 | 20))
    put(ng, "variant-spb-pb-unknown", pcapng_variants(sf))

    # ---- FlowPathFuzzTest: chunks (head: time step, see the class), an Ethernet frame each
    flow = target(SENSOR, "pipeline/FlowPathFuzzTest", "packets")
    for name, recs in caps.items():
        out = b""
        prev = None
        for sec, usec, frame, _ in recs:
            t = sec + usec / 1e6
            step = 0 if prev is None else min(249, int((t - prev) * 100))  # 10 ms units
            prev = t
            out += chunk(step, frame[:3000])
        put(flow, name, out[:30000])


def certificates(server_stream):
    """DER certificates of the first Certificate handshake message in a server's TLS byte stream."""
    hs = b""
    p = 0
    while p + 5 <= len(server_stream):
        ctype, _, ln = struct.unpack("!BHH", server_stream[p:p + 5])
        if ctype == 22:
            hs += server_stream[p + 5:p + 5 + ln]
        p += 5 + ln
    out = []
    q = 0
    while q + 4 <= len(hs):
        mtype = hs[q]
        ln = int.from_bytes(hs[q + 1:q + 4], "big")
        if mtype == 11:
            body = hs[q + 4:q + 4 + ln]
            r = 3
            while r + 3 <= len(body):
                cl = int.from_bytes(body[r:r + 3], "big")
                out.append(body[r + 3:r + 3 + cl])
                r += 3 + cl
            break
        q += 4 + ln
    return out


def big_endian_pcap(recs):
    out = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for t, f in recs:
        out += struct.pack(">IIII", int(t), int((t % 1) * 1e6), len(f), len(f)) + f
    return out


def pcapng_variants(recs):
    """SHB, IDB, an unknown block, a Simple Packet Block, an obsolete Packet Block, then a big-endian section."""

    def block(btype, body, e="<"):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)

    (t0, f0), (t1, f1) = recs[0], recs[1]
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 0))
    out += block(0x0BAD, b"custom")
    out += block(3, struct.pack("<I", len(f0)) + f0)
    ts = int(t1 * 1e6)
    out += block(2, struct.pack("<HHIIII", 0, 0, ts >> 32, ts & 0xFFFFFFFF, len(f1), len(f1)) + f1)
    out += block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1), ">")
    out += block(1, struct.pack(">HHI", 1, 0, 0), ">")
    out += block(6, struct.pack(">IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f0), len(f0)) + f0, ">")
    return out


if __name__ == "__main__":
    main()
