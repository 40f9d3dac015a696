#!/usr/bin/python3
"""User-space tunnel endpoints and an ERSPAN mirror for testdata/make-tunnel-captures.sh.

The kernel of this machine builds VXLAN devices but none of GRE, gretap, ip6gre, ERSPAN, IP-in-IP,
SIT or GENEVE (CONFIG_NET_IPGRE_DEMUX, CONFIG_NET_IPIP, CONFIG_IPV6_SIT, CONFIG_IPV6_TUNNEL and
CONFIG_GENEVE are all unset), so `ip link add ... type gre` fails with "Unknown device type". For
those, this helper is the tunnel device: it opens a TUN (layer 3) or TAP (layer 2) interface in its
namespace, and moves packets between it and the underlay:

    curl/dig/nginx/dnsmasq (real kernel stacks)
        |  inner packet or frame
    TUN/TAP interface  <->  this helper  <->  raw IP socket (proto 47, 4 or 41) or UDP socket 6081
                            (tunnel header,       (the kernel writes the outer IPv4/IPv6 header
                             RFC layout)           and routes it over the underlay veth)

The outer IP header, routing and checksums are the kernel's; only the tunnel header between outer
and inner is written here, field by field from its specification (the layouts are drawn above
each builder). `erspan-mirror` is a switch's remote SPAN in miniature: it copies every frame seen
on an interface (both directions, as a SPAN source port) into an ERSPAN session towards a
collector address.

Usage: tunnel_helpers.py endpoint KIND IFNAME LOCAL REMOTE     KIND: gre gretap ip6gre ipip sit geneve
       tunnel_helpers.py erspan-mirror VERSION IFNAME LOCAL COLLECTOR    VERSION: 1 2 3
Each prints "ready" once its interface exists (or its sockets are open).
"""
import fcntl
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
IPPROTO_GRE = 47
IPPROTO_IPIP = 4
IPPROTO_IPV6 = 41
GENEVE_PORT = 6081

GRE_KEY = 0x2A  # the tunnel key of the gre and gretap captures
GENEVE_VNI = 0x1234A


def ready():
    print("ready", flush=True)


def open_tun(name, tap):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = (IFF_TAP if tap else IFF_TUN) | IFF_NO_PI
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), flags))
    return fd


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---------------------------------------------------------------- GRE (RFC 2784, RFC 2890)
#
#  0                   1                   2                   3
#  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |C| |K|S| Reserved0       | Ver |         Protocol Type         |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |      Checksum (optional)      |       Reserved1 (Optional)    |   C
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |                         Key (optional)                        |   K
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |                 Sequence Number (Optional)                    |   S
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

def gre(proto, payload, csum=False, key=None, seq=None):
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    head = struct.pack("!HH", flags, proto)
    opt = b""
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq & 0xFFFFFFFF)
    if csum:
        c = checksum(head + b"\0\0\0\0" + opt + payload)  # over the GRE header and payload
        return head + struct.pack("!HH", c, 0) + opt + payload
    return head + opt + payload


def gre_payload(data):
    """(protocol type, payload) of a GRE packet, its optional fields skipped."""
    flags, proto = struct.unpack("!HH", data[:4])
    off = 4 + 4 * (bool(flags & 0x8000) + bool(flags & 0x2000) + bool(flags & 0x1000))
    return proto, data[off:]


# ---------------------------------------------------------------- GENEVE (RFC 8926)
#
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |        Virtual Network Identifier (VNI)       |    Reserved   |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |          Option Class         |      Type     |R|R|R| Length  |   options: Opt Len
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   4-byte words in all,
# |                 Variable-Length Option Data                   |   each Length words of data
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#
# Every packet here carries one option (class 0x0103, type 0x80, 4 bytes of data), as AWS Gateway
# Load Balancer sends its metadata in options: a decoder must skip them by their lengths.

def geneve(frame):
    option = struct.pack("!HBB", 0x0103, 0x80, 1) + b"nsm!"
    opt_words = len(option) // 4
    return struct.pack("!BBH", opt_words, 0, 0x6558) + struct.pack("!I", GENEVE_VNI << 8) + option + frame


def geneve_payload(data):
    opt_words = data[0] & 0x3F
    return data[8 + 4 * opt_words:]


# ---------------------------------------------------------------- ERSPAN
#
# Type I (no ERSPAN header; GRE without sequence number, protocol 0x88BE): the mirrored frame
# follows the 4-byte GRE header.
#
# Type II (GRE with sequence number, protocol 0x88BE), draft-foschiano-erspan section 4.1:
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |  Ver  |          VLAN         | COS | En|T|    Session ID     |   Ver = 1
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |      Reserved         |                  Index                |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#
# Type III (GRE with sequence number, protocol 0x22EB), section 4.2:
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |   Ver = 2
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |                          Timestamp                            |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |  Platf ID |               Platform Specific Info              |   optional, when O = 1
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
# |                  Platform Specific Info                       |
# +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#
# Session 0x123; the type III session writes the platform sub-header (Platform ID 3: a port id
# and a timestamp's upper half) on every other frame, so both forms occur in its capture.

ERSPAN_SESSION = 0x123


def erspan(version, seq, frame, ingress):
    if version == 1:
        return gre(0x88BE, frame)
    if version == 2:
        w0 = (1 << 28) | (0 << 16) | (0 << 13) | (0 << 11) | (0 << 10) | ERSPAN_SESSION
        w1 = 7  # index: the mirrored port
        return gre(0x88BE, struct.pack("!II", w0, w1) + frame, seq=seq)
    w0 = (2 << 28) | (0 << 16) | (0 << 13) | (0 << 11) | (0 << 10) | ERSPAN_SESSION
    stamp = int(time.monotonic() * 10_000) & 0xFFFFFFFF  # granularity 01: 100 microseconds
    sub = seq % 2 == 1
    hw_id = 5
    w2 = (0 << 16) | (0 << 15) | (0 << 10) | (hw_id << 4) | ((0 if ingress else 1) << 3) | (1 << 1) | int(sub)
    head = struct.pack("!III", w0, stamp, w2)
    if sub:
        head += struct.pack("!II", (3 << 26) | 7, stamp)
    return gre(0x22EB, head + frame, seq=seq)


# ---------------------------------------------------------------- endpoint

KINDS = {
    # kind: (tap?, socket family, ip protocol or "udp")
    "gre": (False, socket.AF_INET, IPPROTO_GRE),
    "gretap": (True, socket.AF_INET, IPPROTO_GRE),
    "ip6gre": (False, socket.AF_INET6, IPPROTO_GRE),
    "ipip": (False, socket.AF_INET, IPPROTO_IPIP),
    "sit": (False, socket.AF_INET, IPPROTO_IPV6),
    "geneve": (True, socket.AF_INET, "udp"),
}


def endpoint(kind, ifname, local, remote):
    tap, family, proto = KINDS[kind]
    fd = open_tun(ifname, tap)
    if proto == "udp":
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind((local, GENEVE_PORT))
    else:
        sock = socket.socket(family, socket.SOCK_RAW, proto)
        sock.bind((local, 0))
    ready()
    seq = 0
    while True:
        readable, _, _ = select.select([fd, sock], [], [])
        if fd in readable:
            inner = os.read(fd, 65535)
            if kind == "gre":  # checksum and key present (Linux: `ip link add ... type gre key 42 csum`)
                out = gre(0x0800 if inner[0] >> 4 == 4 else 0x86DD, inner, csum=True, key=GRE_KEY)
            elif kind == "gretap":  # transparent Ethernet bridging, with key and sequence number
                out = gre(0x6558, inner, key=GRE_KEY, seq=seq)
                seq += 1
            elif kind == "ip6gre":
                out = gre(0x0800 if inner[0] >> 4 == 4 else 0x86DD, inner)
            elif kind == "geneve":
                out = geneve(inner)
            else:  # ipip, sit: the inner packet is the IP payload
                out = inner
            if proto == "udp":
                sock.sendto(out, (remote, GENEVE_PORT))
            else:
                sock.sendto(out, (remote, 0))
        if sock in readable:
            data, peer = sock.recvfrom(65535)
            if peer[0] != remote:
                continue
            if family == socket.AF_INET and proto != "udp":
                data = data[(data[0] & 0x0F) * 4:]  # IPv4 raw sockets deliver the IP header too
            if proto == "udp":
                inner = geneve_payload(data)
            elif proto == IPPROTO_GRE:
                _, inner = gre_payload(data)
            else:
                inner = data
            os.write(fd, inner)


def erspan_mirror(version, ifname, local, collector):
    version = int(version)
    tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    tap.bind((ifname, 0))
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    out.bind((local, 0))
    ready()
    seq = 0
    while True:
        frame, meta = tap.recvfrom(65535)
        out.sendto(erspan(version, seq, frame, meta[2] != PACKET_OUTGOING), (collector, 0))
        seq += 1


COMMANDS = {"endpoint": endpoint, "erspan-mirror": erspan_mirror}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: tunnel_helpers.py {" + ",".join(COMMANDS) + "} ARGS...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
