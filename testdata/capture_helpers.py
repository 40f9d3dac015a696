#!/usr/bin/python3
"""Small clients, servers and a VLAN tagger for testdata/make-captures.sh.

Every subcommand runs inside one of the script's network namespaces (nsmt-c = client,
nsmt-s = server) and talks only to the 198.18.x.x / fd00:19:: addresses of those namespaces.
They exist where curl, dig, nc or socat cannot produce the exact TCP behaviour a capture needs
(abort with RST, half-close, hold a connection open, split a ClientHello, two DNS messages in one
segment). Long-running ones print "ready" on stdout once they are listening or connected, so the
shell script can wait for that line before it stops a capture.

Usage: capture_helpers.py SUBCOMMAND ARGS...   (see the dispatch table at the bottom)
"""
import os
import select
import socket
import ssl
import struct
import sys
import time


def ready():
    print("ready", flush=True)


def sleep_forever():
    # Held sockets stay open until make-captures.sh kills this process by pid.
    while True:
        time.sleep(3600)


def read_http_response(sock):
    """Read one HTTP/1.x response with a Content-Length body; returns the raw bytes."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def http_get(host, path="/", close=False, version="1.1"):
    conn = "close" if close else "keep-alive"
    return (f"GET {path} HTTP/{version}\r\nHost: {host}\r\nUser-Agent: nsm-testdata/1\r\n"
            f"Accept: */*\r\nConnection: {conn}\r\n\r\n").encode()


# ---------------------------------------------------------------- servers (namespace nsmt-s)

def rst_server(addr, port):
    """Accepts, reads the request, then closes with SO_LINGER 0: the kernel sends RST (RSTR)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(8)
    ready()
    while True:
        conn, _ = srv.accept()
        conn.settimeout(2.0)
        try:
            conn.recv(4096)
        except OSError:
            pass
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


def hold_server(addr, port):
    """Accepts and reads, never writes and never closes: the responder stays ESTABLISHED (S2)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(8)
    ready()
    conns, held = [], []
    while True:
        readable, _, _ = select.select([srv] + conns, [], [])
        for s in readable:
            if s is srv:
                conn, _ = srv.accept()
                conns.append(conn)
            elif not s.recv(65536):
                conns.remove(s)  # peer half-closed: stop reading, keep our side open
                held.append(s)


def udp_echo(addr, port):
    """UDP echo (port 7): the answer to a fragmented datagram is fragmented too."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_DGRAM)
    srv.bind((addr, int(port)))
    ready()
    while True:
        data, peer = srv.recvfrom(65535)
        srv.sendto(data, peer)


VLAN_TPIDS = (0x8100, 0x88A8)
PACKET_OUTGOING = 4


def vlan_tagger(access_if, trunk_if, tags):
    """A two-port VLAN switch in user space, used because this kernel has no 802.1Q support.

    Frames read from access_if (an untagged veth whose peer carries the IP address) get the tags
    pushed, outermost first, and are sent out of trunk_if; frames read from trunk_if lose all their
    tags and go out of access_if. tags is e.g. "8100:100" (802.1Q) or "88a8:200,8100:300" (QinQ).

        access frame:  | dst | src | type | payload |
        trunk frame:   | dst | src | 88a8 | TCI 200 | 8100 | TCI 300 | type | payload |

    The kernel moves the outermost tag of a received frame to packet metadata before packet
    sockets see it (tcpdump puts it back from PACKET_AUXDATA), so the trunk side strips whatever
    tags are left in the bytes.
    """
    tag_bytes = b""
    for item in tags.split(","):
        tpid, vid = item.split(":")
        tag_bytes += struct.pack("!HH", int(tpid, 16), int(vid))
    eth_p_all = 0x0003
    access = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
    access.bind((access_if, 0))
    trunk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
    trunk.bind((trunk_if, 0))
    ready()
    while True:
        readable, _, _ = select.select([access, trunk], [], [])
        for s in readable:
            frame, meta = s.recvfrom(65535)
            if meta[2] == PACKET_OUTGOING:  # our own transmissions, seen again by ETH_P_ALL
                continue
            if s is access:
                trunk.send(frame[:12] + tag_bytes + frame[12:])
            else:
                rest = frame[12:]
                while len(rest) >= 4 and struct.unpack("!H", rest[:2])[0] in VLAN_TPIDS:
                    rest = rest[4:]
                access.send(frame[:12] + rest)


# ---------------------------------------------------------------- clients (namespace nsmt-c)

def rsto_client(host, port):
    """HTTP GET, read the response, then close with SO_LINGER 0: the client sends RST (RSTO)."""
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(http_get("www.nsm.test"))
    read_http_response(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def hold_client(mode, host, port):
    """Leaves a connection in a given state and holds it until killed.

    s1: HTTP/1.1 keep-alive GET, response read, nobody closes          -> S1
    s2: a few bytes to the hold server, then shutdown(SHUT_WR) only     -> S2 (orig FIN only)
    s3: HTTP/1.0 GET, server closes after the response, we never close -> S3 (resp FIN only)
    """
    s = socket.create_connection((host, int(port)), timeout=5)
    if mode == "s1":
        s.sendall(http_get("www.nsm.test"))
        read_http_response(s)
    elif mode == "s2":
        s.sendall(b"hello, then half-close\n")
        time.sleep(0.2)
        s.shutdown(socket.SHUT_WR)
    elif mode == "s3":
        s.sendall(http_get("www.nsm.test", version="1.0", close=True))
        while s.recv(65536):
            pass
    else:
        sys.exit(f"hold-client: unknown mode {mode}")
    ready()
    sleep_forever()


def udp_send(host, port, size, wait_reply):
    """One UDP datagram of SIZE bytes (above the MTU: fragmented), optionally wait for the echo."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    payload = bytes((i % 251) for i in range(int(size)))
    s.sendto(payload, (host, int(port)))
    if wait_reply == "1":
        data, _ = s.recvfrom(65535)
        if data != payload:
            sys.exit("udp-send: echo differs")
    else:
        try:
            s.recvfrom(65535)  # returns ECONNREFUSED when the ICMP port unreachable arrives
        except OSError:
            pass


def split_hello(host, port, sni):
    """TLS client whose ClientHello leaves in 3 TCP segments, then a normal HTTP/1.1 exchange.

    The handshake runs over memory BIOs, so the ClientHello bytes are in hand before they are
    written; TCP_NODELAY plus a short pause between the three writes makes each its own segment.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    third = len(hello) // 3
    for part in (hello[:third], hello[third:2 * third], hello[2 * third:]):
        s.sendall(part)
        time.sleep(0.05)

    def pump():
        data = outgoing.read()
        if data:
            s.sendall(data)

    while True:
        try:
            tls.do_handshake()
            pump()
            break
        except ssl.SSLWantReadError:
            pump()
            data = s.recv(65536)
            if not data:
                sys.exit("split-hello: server closed during handshake")
            incoming.write(data)
    tls.write(http_get(sni, close=True))
    pump()
    while True:
        try:
            if not tls.read(65536):
                break
        except ssl.SSLWantReadError:
            pump()
            data = s.recv(65536)
            if not data:
                break
            incoming.write(data)
        except ssl.SSLZeroReturnError:
            break
    s.close()  # no close_notify round trip: the server's Connection: close ends it with FINs


def dns_query(qid, name, qtype):
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)  # RD, one question
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return header + qname + struct.pack("!HH", qtype, 1)


def dns_tcp_2msgs(host):
    """Two length-prefixed DNS queries written with one send(): one TCP segment, two messages."""
    q1 = dns_query(0x1111, "www.nsm.test", 1)    # A
    q2 = dns_query(0x2222, "nsm.test", 15)       # MX
    s = socket.create_connection((host, 53), timeout=5)
    s.sendall(struct.pack("!H", len(q1)) + q1 + struct.pack("!H", len(q2)) + q2)
    buf = b""
    answers = 0
    while answers < 2:
        data = s.recv(65536)
        if not data:
            break
        buf += data
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            buf = buf[2 + struct.unpack("!H", buf[:2])[0]:]
            answers += 1
    s.close()
    if answers != 2:
        sys.exit(f"dns-tcp-2msgs: got {answers} answers")


def craft(kind, iface, dst_mac, host, port):
    """Crafted TCP from the client namespace to a port whose packets the server drops.

    No real stack sends these sequences, so scapy writes them (the kernel never saw the SYN, and the
    server never answers, so nothing else reacts):
      sh:     SYN, then FIN (seq+1)   -> SH     (originator SYN then FIN, no SYN-ACK)
      rstos0: SYN, then RST (seq+1)   -> RSTOS0 (originator SYN then RST, no SYN-ACK)
    Frames are sent whole on IFACE to DST_MAC (the static neighbour), so scapy does no ARP.
    """
    from scapy.all import IP, TCP, Ether, conf, get_if_addr, get_if_hwaddr, sendp  # slow import
    conf.verb = 0
    sport, isn = 40000 + os.getpid() % 20000, 0x1000_0000
    head = Ether(src=get_if_hwaddr(iface), dst=dst_mac) / IP(src=get_if_addr(iface), dst=host)
    sendp(head / TCP(sport=sport, dport=int(port), flags="S", seq=isn, window=64240,
                     options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]), iface=iface)
    time.sleep(0.3)
    flags = {"sh": "F", "rstos0": "R"}[kind]
    sendp(head / TCP(sport=sport, dport=int(port), flags=flags, seq=isn + 1, window=64240),
          iface=iface)


COMMANDS = {
    "rst-server": rst_server,
    "hold-server": hold_server,
    "udp-echo": udp_echo,
    "vlan-tagger": vlan_tagger,
    "rsto-client": rsto_client,
    "hold-client": hold_client,
    "udp-send": udp_send,
    "split-hello": split_hello,
    "dns-tcp-2msgs": dns_tcp_2msgs,
    "craft": craft,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: capture_helpers.py {" + ",".join(COMMANDS) + "} ARGS...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
