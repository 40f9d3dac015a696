#!/usr/bin/env python3
"""vxlan-wrap.py IN OUT: rewrite a pcap so that every frame travels in VXLAN, as a cloud mirror
(AWS VPC Traffic Mirroring, Azure virtual network TAP) delivers it to a sensor.

    bench/vxlan-wrap.py /work/bench-data/bench.pcap /work/bench-data/bench-vxlan.pcap

Each input frame becomes the payload of

    +----------------+-------------------+----------------+-------------------+----------------+
    | Ethernet (14)  | IPv4 (20)         | UDP (8)        | VXLAN (8)         | original frame |
    | 02:00:99:00:00:01 -> :02, 0x0800 | 10.99.0.1 ->     | sport: per flow   | flags 0x08     |                |
    |                | 10.99.0.2, DF,    | dport 4789,    | (I), VNI 4242     |                |
    |                | TTL 64, id++      | checksum 0     |                   |                |
    +----------------+-------------------+----------------+-------------------+----------------+

50 bytes more per frame; timestamps, order and the captured/original lengths of the inner frame are
kept (a truncated snapshot stays truncated: the outer lengths count the original frame). All
frames go one way, mirror source to mirror target, as a mirror session sends them; the UDP source
port is a hash of the inner addresses and ports (49152-65535), the same both ways, as the Linux
VXLAN device chooses it (skb_get_hash, symmetric), so the outer side has a few thousand flows rather than one.

Input: classic pcap (either byte order, microsecond or nanosecond), link type Ethernet (1) or raw
IP (101, 228, 229: an Ethernet header is put in front, 0x0800 or 0x86DD). Output: classic pcap,
same byte order and time resolution, link type Ethernet. Python standard library only; streams
(the 1.2 GB bench capture takes about a minute). Errors: one line on stderr, exit 2.
"""
import struct
import sys
import zlib

VXLAN_PORT = 4789
VNI = 4242
OUTER_SRC_MAC = bytes.fromhex("020099000001")
OUTER_DST_MAC = bytes.fromhex("020099000002")
OUTER_SRC_IP = bytes([10, 99, 0, 1])
OUTER_DST_IP = bytes([10, 99, 0, 2])
INNER_MACS = bytes.fromhex("020099000102") + bytes.fromhex("020099000101")  # dst, src for raw IP input
ETHERNET, RAW, IPV4, IPV6 = 1, 101, 228, 229
OVERHEAD = 14 + 20 + 8 + 8


def die(msg):
    sys.stderr.write("vxlan-wrap: " + msg + "\n")
    sys.exit(2)


def ip_checksum_base():
    """The one's complement sum of the outer IPv4 header's constant words (all but length, id, checksum)."""
    words = [0x4500, 0x4000, (64 << 8) | 17]
    words += struct.unpack("!HH", OUTER_SRC_IP) + struct.unpack("!HH", OUTER_DST_IP)
    return sum(words)


def flow_port(frame, off, ethertype):
    """UDP source port from the inner addresses and ports, the same for both directions of a flow:
    Linux's VXLAN device takes it from skb_get_hash(), whose flow_hash_consistentify() orders the
    two (address, port) ends first, so a connection's two directions share one outer flow."""
    if ethertype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        a, b = frame[off + 12:off + 16], frame[off + 16:off + 20]
        proto = frame[off + 9:off + 10]
        pa, pb = frame[off + ihl:off + ihl + 2], frame[off + ihl + 2:off + ihl + 4]
    elif ethertype == 0x86DD and len(frame) >= off + 40:
        a, b = frame[off + 8:off + 24], frame[off + 24:off + 40]
        proto = frame[off + 6:off + 7]
        pa, pb = frame[off + 40:off + 42], frame[off + 42:off + 44]
    else:
        return 49152 + (zlib.crc32(frame[:14]) & 0x3FFF)
    if (b, pb) < (a, pa):
        a, b, pa, pb = b, a, pb, pa
    return 49152 + (zlib.crc32(a + b + proto + pa + pb) & 0x3FFF)


def main(argv):
    if len(argv) != 3:
        die("usage: vxlan-wrap.py IN OUT")
    src, dst = argv[1], argv[2]
    try:
        fin = open(src, "rb", buffering=1 << 22)
    except OSError as e:
        die(f"cannot read {src}: {e.strerror}")
    head = fin.read(24)
    if len(head) < 24:
        die(f"{src}: not a pcap file (shorter than its header)")
    magic = head[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        die(f"{src}: not a classic pcap file (pcapng: convert with editcap -F pcap first)")
    vmaj, vmin, zone, sigfigs, snaplen, linktype = struct.unpack(e + "HHiIII", head[4:])
    linktype &= 0x0FFFFFFF
    if linktype not in (ETHERNET, RAW, IPV4, IPV6):
        die(f"{src}: link type {linktype} is not Ethernet or raw IP")
    try:
        fout = open(dst, "wb", buffering=1 << 22)
    except OSError as ex:
        die(f"cannot write {dst}: {ex.strerror}")
    fout.write(magic + struct.pack(e + "HHiIII", vmaj, vmin, zone, sigfigs, min(snaplen + OVERHEAD + 14, 0xFFFFFFFF), ETHERNET))

    rec = struct.Struct(e + "IIII")
    outer_eth = OUTER_DST_MAC + OUTER_SRC_MAC + b"\x08\x00"
    vxlan = struct.pack("!II", 0x08000000, VNI << 8)
    base = ip_checksum_base()
    ip_id = 0
    n = 0
    read = fin.read
    write = fout.write
    pack_ip = struct.Struct("!HHHHBBH4s4s").pack
    pack_udp = struct.Struct("!HHHH").pack
    while True:
        h = read(16)
        if not h:
            break
        if len(h) < 16:
            die(f"{src}: cut inside record header {n + 1}")
        sec, frac, caplen, wirelen = rec.unpack(h)
        frame = read(caplen)
        if len(frame) < caplen:
            die(f"{src}: cut inside record {n + 1}")
        if linktype == ETHERNET:
            off = 14
            ethertype = (frame[12] << 8 | frame[13]) if caplen >= 14 else 0
        else:
            ethertype = 0x86DD if (caplen and frame[0] >> 4 == 6) else 0x0800
            frame = INNER_MACS + struct.pack("!H", ethertype) + frame
            caplen += 14
            wirelen += 14
            off = 14
        total = 20 + 8 + 8 + wirelen
        if total > 0xFFFF:  # a reassembled or GRO'd giant in the input: cap the length field
            total = 0xFFFF
        ip_id = (ip_id + 1) & 0xFFFF
        s = base + total + ip_id
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        ip = pack_ip(0x4500, total, ip_id, 0x4000, 64, 17, ~s & 0xFFFF, OUTER_SRC_IP, OUTER_DST_IP)
        udp = pack_udp(flow_port(frame, off, ethertype), VXLAN_PORT, total - 20, 0)
        write(rec.pack(sec, frac, caplen + OVERHEAD, wirelen + OVERHEAD))
        write(outer_eth)
        write(ip)
        write(udp)
        write(vxlan)
        write(frame)
        n += 1
    fout.close()
    sys.stderr.write(f"vxlan-wrap: {n} frames wrapped into {dst}\n")


if __name__ == "__main__":
    main(sys.argv)
