#!/usr/bin/env python3
"""make-flows-pcap.py OUT.pcap N [SECONDS]

Writes a classic pcap (Ethernet, microseconds) of N UDP packets, each its own flow: source
10.x.y.z:port -> 192.0.2.1:53 with a different source for every packet, spread over SECONDS
(default 10) of packet time. `sensor replay` makes exactly N flow records of it (each flow times
out or ends at the end of the input) plus one stats record: a fast way to make many records for
the delivery benchmark and tests. Addresses are from the documentation range 192.0.2.0/24 and
10/8; nothing is sent anywhere.
"""
import struct
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, n = sys.argv[1], int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) == 4 else 10.0
    t0 = 1_700_000_000
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        payload = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"  # 12 bytes, a DNS-like header
        udp_len = 8 + len(payload)
        ip_len = 20 + udp_len
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        buf = bytearray()
        for i in range(n):
            src = (10 << 24) | (i >> 14)
            sport = 1024 + (i & 0x3FFF)
            ip = struct.pack("!BBHHHBBHII", 0x45, 0, ip_len, i & 0xFFFF, 0, 64, 17, 0, src, 0xC0000201)
            udp = struct.pack("!HHHH", sport, 53, udp_len, 0)
            frame = eth + ip + udp + payload
            usec = int(i * seconds * 1_000_000 / max(1, n))
            buf += struct.pack("<IIII", t0 + usec // 1_000_000, usec % 1_000_000, len(frame), len(frame))
            buf += frame
            if len(buf) > 1 << 20:
                f.write(buf)
                buf.clear()
        f.write(buf)


if __name__ == "__main__":
    main()
