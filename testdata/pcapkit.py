"""Small pcap/packet toolkit, Python standard library only.

Used by testdata/make-malformed.py (the hostile-input corpus), bench/fuzz-seeds.py (Jazzer seed
corpora) and bench/flood-bench.sh (flood captures). It reads and writes classic pcap (and writes
pcapng), and builds Ethernet / IPv4 / IPv6 / TCP / UDP frames with correct checksums, so that what
is *meant* to be malformed in a capture is the only thing wrong with it.
"""
import struct

LINKTYPE_ETHERNET = 1

# ---------------------------------------------------------------- pcap files


def read_pcap(path):
    """Returns (linktype, [(ts_sec, ts_usec, frame_bytes, wire_len)]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        e = "<"
    elif magic == 0xD4C3B2A1:
        e = ">"
    else:
        raise ValueError(path + ": not a classic microsecond pcap")
    _, _, _, _, _, linktype = struct.unpack(e + "HHiIII", data[4:24])
    out = []
    p = 24
    while p + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack(e + "IIII", data[p:p + 16])
        out.append((sec, usec, data[p + 16:p + 16 + caplen], wirelen))
        p += 16 + caplen
    return linktype, out


def pcap_header(linktype=LINKTYPE_ETHERNET, snaplen=262144, magic=0xA1B2C3D4, version=(2, 4)):
    return struct.pack("<IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)


def pcap_record(ts, frame, wire_len=None, caplen=None):
    """One record; ts in seconds (float). caplen/wire_len may be given to make them lie."""
    sec = int(ts)
    usec = int(round((ts - sec) * 1e6))
    if usec >= 1000000:
        sec, usec = sec + 1, usec - 1000000
    return struct.pack("<IIII", sec, usec, len(frame) if caplen is None else caplen,
                       len(frame) if wire_len is None else wire_len) + frame


class PcapWriter:
    """Classic pcap, microseconds, little-endian; streams to a file (for captures of millions of packets)."""

    def __init__(self, path, linktype=LINKTYPE_ETHERNET, snaplen=262144):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(pcap_header(linktype, snaplen))
        self.count = 0

    def write(self, ts, frame):
        self.f.write(pcap_record(ts, frame))
        self.count += 1

    def raw(self, b):
        self.f.write(b)

    def close(self):
        self.f.close()


def write_pcap(path, records, linktype=LINKTYPE_ETHERNET):
    """records: [(ts, frame)] or raw bytes (a record made by hand, to lie in its header)."""
    w = PcapWriter(path, linktype)
    for r in records:
        if isinstance(r, (bytes, bytearray)):
            w.raw(r)
        else:
            w.write(*r)
    w.close()


def pcapng(records, linktype=LINKTYPE_ETHERNET, snaplen=0, tsresol=None):
    """A pcapng file (bytes): SHB, one IDB, one EPB per (ts, frame)."""

    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    out += block(1, struct.pack("<HHI", linktype, 0, snaplen) + opts)
    for ts, frame in records:
        t = int(round(ts * 1e6))
        out += block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(frame), len(frame)) + frame)
    return out


# ---------------------------------------------------------------- packets


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")


def ether(payload, ethertype=0x0800, src=MAC_C, dst=MAC_S):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=1, flags_frag=0x4000, ttl=64, total_len=None, ihl=5, options=b""):
    """IPv4 header (+ options) + payload. total_len/ihl may be given to make them lie."""
    hl = 20 + len(options)
    tl = hl + len(payload) if total_len is None else total_len
    h = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, tl, ident, flags_frag, ttl, proto, 0, ip4(src), ip4(dst))
    h += options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload) if plen is None else plen, nh, hlim,
                       ip6(src), ip6(dst)) + payload


def _pseudo(src, dst, proto, length, v6):
    if v6:
        return ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, proto)
    return ip4(src) + ip4(dst) + struct.pack("!xBH", proto, length)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, options=b"", v6=False, doff=None):
    """A TCP segment with a valid checksum. flags: a string of S A F R P U letters."""
    fl = 0
    for ch, bit in (("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16), ("U", 32)):
        if ch in flags:
            fl |= bit
    options += b"\0" * (-len(options) % 4)
    off = (20 + len(options)) // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, fl, window, 0, 0)
    seg = h + options + payload
    c = csum(_pseudo(src, dst, 6, len(seg), v6) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, v6=False, length=None):
    ln = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + payload
    c = csum(_pseudo(src, dst, 17, 8 + len(payload), v6) + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp4_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", **kw):
    reverse = kw.pop("reverse", False)
    seg = tcp(src, dst, sport, dport, seq, ack, flags, payload, **kw)
    return ether(ipv4(src, dst, 6, seg), src=MAC_S if reverse else MAC_C, dst=MAC_C if reverse else MAC_S)


def udp4_frame(src, dst, sport, dport, payload, reverse=False):
    return ether(ipv4(src, dst, 17, udp(src, dst, sport, dport, payload)),
                 src=MAC_S if reverse else MAC_C, dst=MAC_C if reverse else MAC_S)


# ---------------------------------------------------------------- flows of a capture


def tcp_flows(records):
    """Groups the TCP segments of an Ethernet/IPv4-or-IPv6 capture by connection.

    Returns [{'client': (addr, port), 'segs': [(from_client, seq, ack, flags_byte, payload)]}],
    the client being the sender of the first SYN (else of the first packet), segments in capture order.
    """
    flows = {}
    order = []
    for _, _, frame, _ in records:
        d = parse_l4(frame)
        if d is None or d["proto"] != 6:
            continue
        a = (d["src"], d["sport"])
        b = (d["dst"], d["dport"])
        key = tuple(sorted([a, b]))
        if key not in flows:
            flows[key] = {"client": a, "segs": []}
            order.append(key)
        f = flows[key]
        if not f["segs"] and d["flags"] & 0x12 == 0x12:
            f["client"] = b  # the first packet is a SYN-ACK: the other side is the client
        f["segs"].append((a == f["client"], d["seq"], d["ack"], d["flags"], d["payload"]))
    return [flows[k] for k in order]


def parse_l4(frame):
    """Ethernet (with 802.1Q/ad tags) -> IPv4/IPv6 -> TCP/UDP; None for anything else or a fragment."""
    p = 12
    et = struct.unpack("!H", frame[p:p + 2])[0]
    p += 2
    while et in (0x8100, 0x88A8):
        et = struct.unpack("!H", frame[p + 2:p + 4])[0]
        p += 4
    if et == 0x0800:
        ihl = (frame[p] & 0x0F) * 4
        tl = struct.unpack("!H", frame[p + 2:p + 4])[0]
        if struct.unpack("!H", frame[p + 6:p + 8])[0] & 0x3FFF:
            return None
        proto = frame[p + 9]
        src, dst = frame[p + 12:p + 16], frame[p + 16:p + 20]
        end = p + tl
        p += ihl
    elif et == 0x86DD:
        plen = struct.unpack("!H", frame[p + 4:p + 6])[0]
        proto = frame[p + 6]
        src, dst = frame[p + 8:p + 24], frame[p + 24:p + 40]
        end = p + 40 + plen
        p += 40
    else:
        return None
    d = {"proto": proto, "src": src, "dst": dst}
    if proto == 6:
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", frame[p:p + 14])
        d.update(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, payload=frame[p + (off >> 4) * 4:end])
    elif proto == 17:
        sport, dport = struct.unpack("!HH", frame[p:p + 4])
        d.update(sport=sport, dport=dport, payload=frame[p + 8:end], flags=0)
    else:
        return None
    return d
