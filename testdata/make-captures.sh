#!/usr/bin/env bash
# make-captures.sh: regenerate the project's own small test captures from real clients and servers.
#
#   sudo testdata/make-captures.sh                 # every scenario
#   sudo testdata/make-captures.sh tcp-rej vlan    # only these (names as in testdata/README.md)
#   sudo testdata/make-captures.sh --list          # scenario names
#
# Two network namespaces, joined by veth pairs, hold everything; no packet leaves them:
#
#   nsmt-c (client: curl, dig, ping, nc,             nsmt-s (server: nginx, dnsmasq,
#           openssl/python clients, tcpdump)                 python helpers, nft drop rules)
#   +---------------------------+                    +---------------------------+
#   | nsmt-c0 198.18.0.1/24     |<------ veth ------>| nsmt-s0 198.18.0.2/24     |
#   |         fd00:19::1/64     |                    |         fd00:19::2/64     |
#   |                           |                    |         198.18.0.3 (dark) |
#   | nsmt-cv 198.18.100.1/24   |                    | nsmt-sv 198.18.100.2/24   |
#   |  = nsmt-cvp -[tagger]- nsmt-ct <== 802.1Q 100 ==> nsmt-st -[tagger]- nsmt-svp =
#   | nsmt-cq 198.18.200.1/24   |                    | nsmt-sq 198.18.200.2/24   |
#   |  = nsmt-cqp -[tagger]- nsmt-cqt <= 802.1ad 200 + 802.1Q 300 => nsmt-sqt -[tagger]- nsmt-sqp =
#   +---------------------------+                    +---------------------------+
#
# This kernel is built without 802.1Q (CONFIG_VLAN_8021Q, bridge VLAN filtering and act_vlan are
# all absent), so VLAN and QinQ tags are pushed and popped by a user-space two-port "switch"
# (capture_helpers.py vlan-tagger) between an untagged veth that carries the IP address and a
# trunk veth; the endpoints on both sides are still the real kernel stacks. Captures of tagged
# traffic are taken on the client's trunk interface.
#
# tcpdump runs in nsmt-c on the interface named by each scenario (-s 0, classic pcap) and is
# stopped with SIGINT after a short settle, so the last packets are written. Offloads are off on
# every veth (no TSO/GSO/GRO, checksums computed in software) so frames are wire-sized with valid
# checksums. Neighbour entries on the main link are static, so captures hold only the scenario's
# packets (the VLAN links resolve ARP normally: vlan.pcap and qinq.pcap show tagged ARP).
#
# Crafted packets (scapy, sent from nsmt-c): only tcp-sh (SYN then FIN) and tcp-rstos0 (SYN then
# RST), both to 198.18.0.3 whose packets the server drops: no real stack sends those sequences.
# tcp-shr and tcp-rstrh are real connections captured with a BPF filter keeping only the server's
# packets (as a sensor behind asymmetric routing sees them).
#
# The script is idempotent: it removes leftovers of an earlier run (namespaces nsmt-*) first and
# tears everything down on exit, on failure and on Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE
HELPERS=$HERE/capture_helpers.py
PY=/usr/bin/python3 # Debian's python3, which has python3-scapy (not a pyenv shim)

NS_C=nsmt-c
NS_S=nsmt-s
C4=198.18.0.1
S4=198.18.0.2
DARK4=198.18.0.3 # a server address whose packets nsmt-s drops: S0, SH, RSTOS0, unanswered DNS
C6=fd00:19::1
S6=fd00:19::2
CV4=198.18.100.1
SV4=198.18.100.2
CQ4=198.18.200.1
SQ4=198.18.200.2
MAC_C0=02:00:19:00:00:01
MAC_S0=02:00:19:00:00:02
HOST=www.nsm.test

# Order: conn_state scenarios, then L2/L3, then application-layer ones.
SCENARIOS=(
    tcp-sf tcp-rej tcp-s0 tcp-rsto tcp-rstr tcp-s1 tcp-s2 tcp-s3 tcp-sh tcp-shr tcp-oth
    tcp-rstos0 tcp-rstrh tcp-midstream
    ipv6-http vlan qinq ipv4-frag ipv6-frag icmp
    dns-udp dns-tcp dns-tcp-2msgs dns-unanswered tls13 tls12 tls-8443 http-8080
    http-pipelining http-chunked tls-split-clienthello
)

WORK=""
CAP_PID=""
declare -A PIDS=()

log() { printf '%s\n' "$*" >&2; }
die() {
    log "make-captures: $*"
    exit 1
}
cin() { ip netns exec "$NS_C" "$@"; }
sin() { ip netns exec "$NS_S" "$@"; }

# ------------------------------------------------------------------ teardown (trap and leftovers)

kill_pid() { # kill_pid PID: a process this script started
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

teardown() {
    local - # the set +e below stays inside this function
    set +e
    if [[ -n $CAP_PID ]]; then kill_pid "$CAP_PID"; fi
    local name
    for name in "${!PIDS[@]}"; do kill_pid "${PIDS[$name]}"; done
    PIDS=()
    local ns pid
    for ns in "$NS_C" "$NS_S"; do
        if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
            # Whatever still runs inside our own namespaces was started by this script (or by an
            # earlier, interrupted run of it): end those processes by pid, then drop the namespace.
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid"; done
            ip netns del "$ns"
        fi
    done
    if [[ -n $WORK && -d $WORK ]]; then rm -rf "$WORK"; fi
    WORK=""
}

# ------------------------------------------------------------------ tools

ensure_tools() {
    local -A need=(
        [ip]=iproute2 [nginx]=nginx [dnsmasq]=dnsmasq-base [curl]=curl [dig]=dnsutils
        [openssl]=openssl [tcpdump]=tcpdump [ethtool]=ethtool [nft]=nftables
        [nc]=netcat-openbsd [ping]=iputils-ping [ss]=iproute2
    )
    local missing=() cmd
    for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}"); done
    [[ -x $PY ]] || missing+=(python3)
    "$PY" -c 'import scapy' 2>/dev/null || missing+=(python3-scapy)
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# ------------------------------------------------------------------ topology

ns_sysctls() { # no DAD, no RA/RS: addresses usable at once, no ICMPv6 chatter in captures
    local ns=$1 k
    for k in all default; do
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$k.accept_dad=0" "net.ipv6.conf.$k.accept_ra=0" \
            "net.ipv6.conf.$k.router_solicitations=0"
    done
}

offloads_off() { # offloads_off NS DEV: wire-sized frames, software checksums, in-band VLAN tags
    local ns=$1 dev=$2 f
    ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off sg off >/dev/null ||
        die "ethtool could not turn offloads off on $dev"
    for f in rx txvlan rxvlan tx-vlan-stag-hw-insert rx-vlan-stag-hw-parse tx-udp-segmentation; do
        ip netns exec "$ns" ethtool -K "$dev" "$f" off >/dev/null 2>&1 || true
    done
}

link_up() { # link_up NS DEV [MTU]: offloads off, IPv6 off unless it is the main link
    local ns=$1 dev=$2 mtu=${3:-1500}
    offloads_off "$ns" "$dev"
    if [[ $dev != nsmt-[cs]0 ]]; then
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    fi
    ip -n "$ns" link set dev "$dev" mtu "$mtu" up
}

setup_topology() {
    local ns
    for ns in "$NS_C" "$NS_S"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ns_sysctls "$ns"
    done

    # Main link.
    ip link add nsmt-c0 address "$MAC_C0" netns "$NS_C" type veth \
        peer name nsmt-s0 address "$MAC_S0" netns "$NS_S"
    link_up "$NS_C" nsmt-c0
    link_up "$NS_S" nsmt-s0
    ip -n "$NS_C" addr add "$C4/24" dev nsmt-c0
    ip -n "$NS_C" addr add "$C6/64" dev nsmt-c0 nodad
    ip -n "$NS_S" addr add "$S4/24" dev nsmt-s0
    ip -n "$NS_S" addr add "$DARK4/24" dev nsmt-s0
    ip -n "$NS_S" addr add "$S6/64" dev nsmt-s0 nodad
    local a
    for a in "$S4" "$DARK4" "$S6"; do
        ip -n "$NS_C" neigh replace "$a" lladdr "$MAC_S0" dev nsmt-c0 nud permanent
    done
    for a in "$C4" "$C6"; do
        ip -n "$NS_S" neigh replace "$a" lladdr "$MAC_C0" dev nsmt-s0 nud permanent
    done

    # VLAN (802.1Q 100) and QinQ (802.1ad 200 outer, 802.1Q 300 inner) links:
    # endpoint veth (IP) = access veth -[tagger]- trunk veth <====> trunk veth -[tagger]- ...
    vlan_side "$NS_C" nsmt-cv nsmt-cvp 02:00:19:00:64:01 "$CV4"
    vlan_side "$NS_S" nsmt-sv nsmt-svp 02:00:19:00:64:02 "$SV4"
    vlan_side "$NS_C" nsmt-cq nsmt-cqp 02:00:19:00:c8:01 "$CQ4"
    vlan_side "$NS_S" nsmt-sq nsmt-sqp 02:00:19:00:c8:02 "$SQ4"
    ip link add nsmt-ct netns "$NS_C" type veth peer name nsmt-st netns "$NS_S"
    ip link add nsmt-cqt netns "$NS_C" type veth peer name nsmt-sqt netns "$NS_S"
    # Trunks carry up to 8 bytes of tags on top of 1500-byte payloads.
    link_up "$NS_C" nsmt-ct 1600
    link_up "$NS_S" nsmt-st 1600
    link_up "$NS_C" nsmt-cqt 1600
    link_up "$NS_S" nsmt-sqt 1600
    ip -n "$NS_C" link set dev nsmt-ct promisc on
    ip -n "$NS_S" link set dev nsmt-st promisc on
    ip -n "$NS_C" link set dev nsmt-cqt promisc on
    ip -n "$NS_S" link set dev nsmt-sqt promisc on
    spawn tag-cv "$NS_C" "$PY" "$HELPERS" vlan-tagger nsmt-cvp nsmt-ct 8100:100
    spawn tag-sv "$NS_S" "$PY" "$HELPERS" vlan-tagger nsmt-svp nsmt-st 8100:100
    spawn tag-cq "$NS_C" "$PY" "$HELPERS" vlan-tagger nsmt-cqp nsmt-cqt 88a8:200,8100:300
    spawn tag-sq "$NS_S" "$PY" "$HELPERS" vlan-tagger nsmt-sqp nsmt-sqt 88a8:200,8100:300
    local t
    for t in tag-cv tag-sv tag-cq tag-sq; do wait_ready "$t"; done
}

vlan_side() { # vlan_side NS ENDPOINT ACCESS MAC ADDR
    local ns=$1 ep=$2 acc=$3 mac=$4 addr=$5
    ip link add "$ep" address "$mac" netns "$ns" type veth peer name "$acc" netns "$ns"
    link_up "$ns" "$ep"
    link_up "$ns" "$acc"
    ip -n "$ns" link set dev "$acc" promisc on
    ip -n "$ns" addr add "$addr/24" dev "$ep"
}

# ------------------------------------------------------------------ background processes

spawn() { # spawn NAME NS CMD...: run CMD in NS in the background, remember its pid
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS[$name]=$!
}

stop() { # stop NAME: end a process started by spawn
    local name=$1
    [[ -n ${PIDS[$name]:-} ]] || return 0
    kill_pid "${PIDS[$name]}"
    unset "PIDS[$name]"
}

wait_ready() { # wait_ready NAME: until the helper prints "ready" (or dies)
    local name=$1 i
    for ((i = 0; i < 100; i++)); do
        grep -qx ready "$WORK/$name.out" 2>/dev/null && return 0
        kill -0 "${PIDS[$name]}" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WORK/$name.err" >&2 || true
    die "$name did not become ready"
}

wait_listen() { # wait_listen PROTO PORT: until something in nsmt-s listens there
    local proto=$1 port=$2 i flag
    [[ $proto == tcp ]] && flag=-ltn || flag=-lun
    for ((i = 0; i < 100; i++)); do
        sin ss -H "$flag" "sport = :$port" | grep -q . && return 0
        sleep 0.05
    done
    die "nothing listens on $proto/$port in $NS_S"
}

# ------------------------------------------------------------------ servers

start_servers() {
    # Self-signed certificate, made fresh on every run.
    mkdir -p "$WORK/tls" "$WORK/www/slow" "$WORK/www/chunked" "$WORK/nginx-tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST,DNS:nsm.test" \
        -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null

    # Content: small pages, a 32 KiB body served at 8 KiB/s (mid-stream captures), and a text
    # file that nginx gzips on the fly (gzip drops Content-Length: chunked on HTTP/1.1).
    printf '<!doctype html>\n<html><head><title>nsm testdata</title></head>\n<body><p>It works.</p></body></html>\n' \
        >"$WORK/www/index.html"
    local p
    for p in a b c; do printf 'pipelined response %s\n' "$p" >"$WORK/www/$p.txt"; done
    "$PY" -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(32768)))' \
        >"$WORK/www/slow/data.bin"
    # ~40 KiB of pseudo-random words: compresses to several gzip buffers, so several chunks.
    "$PY" -c 'import random; r = random.Random(19); w = [bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9))).decode() for _ in range(600)]; print("\n".join(" ".join(r.choice(w) for _ in range(12)) for _ in range(520)))' \
        >"$WORK/www/chunked/text.txt"

    cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    keepalive_timeout 75s;
    gzip on;
    gzip_types text/plain;
    gzip_min_length 20;
    ssl_certificate $WORK/tls/cert.pem;
    ssl_certificate_key $WORK/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen 80; listen [::]:80; listen 8080; listen [::]:8080;
        listen 443 ssl; listen [::]:443 ssl; listen 8443 ssl; listen [::]:8443 ssl;
        server_name $HOST;
        root $WORK/www;
        location /slow/ { limit_rate 8k; }
        # Small read and gzip buffers: the response leaves as several chunks, not one.
        location /chunked/ { sendfile off; output_buffers 1 4k; gzip_buffers 2 4k; }
    }
}
EOF
    spawn nginx "$NS_S" nginx -c "$WORK/nginx.conf"

    # dnsmasq, authoritative for nsm.test on the server's address; unknown names in the zone get
    # NXDOMAIN, names outside it REFUSED. No upstream, no /etc/hosts, no DHCP.
    cat >"$WORK/dnsmasq.conf" <<EOF
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$S4,$S6
port=53
user=nobody
group=nogroup
pid-file=$WORK/dnsmasq.pid
log-facility=$WORK/dnsmasq.log
log-queries
auth-server=ns.nsm.test,$S4,$S6
auth-zone=nsm.test
auth-ttl=300
auth-soa=2024010101,hostmaster.nsm.test
host-record=$HOST,$S4,$S6
host-record=ns.nsm.test,$S4
host-record=mail.nsm.test,$S4
cname=web.nsm.test,$HOST
mx-host=nsm.test,mail.nsm.test,10
txt-record=nsm.test,"v=spf1 mx -all"
txt-record=$HOST,"nsm testdata"
EOF
    spawn dnsmasq "$NS_S" dnsmasq --keep-in-foreground --conf-file="$WORK/dnsmasq.conf"

    # Python helpers: RST-ing server (8000: an HTTP port in Zeek's likely_server_ports, so a
    # capture that starts with its SYN-ACK is oriented as Zeek would), a server that never
    # closes (7000), UDP echo (7) on both address families.
    spawn rst-server "$NS_S" "$PY" "$HELPERS" rst-server "$S4" 8000
    spawn hold-server "$NS_S" "$PY" "$HELPERS" hold-server "$S4" 7000
    spawn echo4 "$NS_S" "$PY" "$HELPERS" udp-echo "$S4" 7
    spawn echo6 "$NS_S" "$PY" "$HELPERS" udp-echo "$S6" 7
    local s
    for s in rst-server hold-server echo4 echo6; do wait_ready "$s"; done

    # Firewall: everything to the "dark" address is dropped (no RST, no ICMP).
    sin nft -f - <<EOF
table inet nsmt {
    chain input {
        type filter hook input priority 0; policy accept;
        ip daddr $DARK4 drop
    }
}
EOF
    for s in 80 8080 443 8443 53; do wait_listen tcp "$s"; done
    wait_listen udp 53
}

# ------------------------------------------------------------------ capture

CAP_NAME=""
CAP_FILE=""

start_capture() { # start_capture NAME [IFACE [BPF-FILTER]]
    CAP_NAME=$1
    local iface=${2:-nsmt-c0} filter=${3:-}
    CAP_FILE=$WORK/$CAP_NAME.pcap
    : >"$WORK/tcpdump.err"
    # --immediate-mode: without it libpcap uses TPACKET_V3 blocks, and on this kernel a block
    # still open at SIGINT is never handed over ("0 packets captured" although the filter took
    # them). -Z root: keep root so the file in $WORK stays writable.
    local args=(--immediate-mode -i "$iface" -s 0 -U -nn -Z root -w "$CAP_FILE")
    [[ -z $filter ]] || args+=("$filter")
    ip netns exec "$NS_C" tcpdump "${args[@]}" 2>"$WORK/tcpdump.err" &
    CAP_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$WORK/tcpdump.err" && return 0
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WORK/tcpdump.err" >&2
    die "tcpdump did not start for $CAP_NAME"
}

stop_capture() { # settle, SIGINT (tcpdump writes what it has and exits), move into testdata/
    sleep "${1:-0.5}"
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    CAP_PID=""
    # tcpdump's closing counts: every packet the filter took must be in the file, none dropped.
    local n size got taken dropped
    n=$(tcpdump -nn -r "$CAP_FILE" 2>/dev/null | wc -l)
    got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$WORK/tcpdump.err")
    taken=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$WORK/tcpdump.err")
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$WORK/tcpdump.err")
    if ((n == 0 || n != got || got != taken || dropped != 0)); then
        cat "$WORK/tcpdump.err" >&2
        die "$CAP_NAME: $n packets in the file, tcpdump says captured $got, received $taken, dropped $dropped"
    fi
    mv "$CAP_FILE" "$OUT/$CAP_NAME.pcap"
    size=$(stat -c %s "$OUT/$CAP_NAME.pcap")
    printf '%-24s %4d packets %7d bytes\n' "$CAP_NAME.pcap" "$n" "$size"
}

discard_capture() { # stop tcpdump and throw the file away (a failed attempt)
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    CAP_PID=""
    rm -f "$CAP_FILE"
}

quiet() { sleep 0.3; } # let closes of the previous scenario finish before the next capture

curl_c() { cin curl -sS -o /dev/null --max-time 10 "$@"; }

# ------------------------------------------------------------------ scenarios: conn_state

sc_tcp-sf() { # HTTP GET; client and server both send FIN
    start_capture tcp-sf
    curl_c --resolve "$HOST:80:$S4" "http://$HOST/"
    stop_capture
}

sc_tcp-rej() { # SYN to a closed port; the server's kernel answers RST-ACK
    start_capture tcp-rej
    curl_c "http://$S4:8081/" 2>/dev/null || true
    stop_capture
}

sc_tcp-s0() { # SYN (and its retransmission) to a dropped address; curl gives up after 2 s
    start_capture tcp-s0
    curl_c --connect-timeout 2 "http://$DARK4/" 2>/dev/null || true
    stop_capture
}

sc_tcp-rsto() { # HTTP exchange, then the client closes with SO_LINGER 0: client RST
    start_capture tcp-rsto
    cin "$PY" "$HELPERS" rsto-client "$S4" 80
    stop_capture
}

sc_tcp-rstr() { # the server reads the request and closes with SO_LINGER 0: server RST
    start_capture tcp-rstr
    curl_c --resolve "$HOST:8000:$S4" "http://$HOST:8000/" 2>/dev/null || true
    stop_capture
}

hold_scenario() { # hold_scenario NAME MODE PORT: connection left in a state, capture stopped
    local name=$1 mode=$2 port=$3
    start_capture "$name"
    spawn "hold-$mode" "$NS_C" "$PY" "$HELPERS" hold-client "$mode" "$S4" "$port"
    wait_ready "hold-$mode"
    stop_capture 0.7
    stop "hold-$mode" # its close happens after the capture ended
}

sc_tcp-s1() { hold_scenario tcp-s1 s1 80; }   # established, data both ways, nobody closes
sc_tcp-s2() { hold_scenario tcp-s2 s2 7000; } # client FIN only (the hold server never closes)
sc_tcp-s3() { hold_scenario tcp-s3 s3 80; }   # server FIN only (HTTP/1.0; client never closes)

sc_tcp-sh() { # crafted: SYN, then FIN, to the dropped address
    start_capture tcp-sh
    cin "$PY" "$HELPERS" craft sh nsmt-c0 "$MAC_S0" "$DARK4" 80
    stop_capture
}

sc_tcp-rstos0() { # crafted: SYN, then RST, to the dropped address
    start_capture tcp-rstos0
    cin "$PY" "$HELPERS" craft rstos0 nsmt-c0 "$MAC_S0" "$DARK4" 80
    stop_capture
}

sc_tcp-shr() { # HTTP/1.0 (server closes first), only the server's packets kept: SYN-ACK ... FIN
    start_capture tcp-shr nsmt-c0 "tcp and src host $S4 and src port 80"
    curl_c -0 --resolve "$HOST:80:$S4" "http://$HOST/"
    stop_capture
}

sc_tcp-rstrh() { # the RST server, only its packets kept: SYN-ACK ... RST
    start_capture tcp-rstrh nsmt-c0 "tcp and src host $S4 and src port 8000"
    curl_c --resolve "$HOST:8000:$S4" "http://$HOST:8000/" 2>/dev/null || true
    stop_capture
}

slow_download() { # slow_download NAME: 32 KiB at 8 KiB/s (nginx limit_rate): about 4 s
    spawn "$1" "$NS_C" curl -sS -o /dev/null --max-time 20 --resolve "$HOST:80:$S4" \
        "http://$HOST/slow/data.bin"
}

sc_tcp-oth() { # capture starts and stops in the middle of a download: no SYN, no FIN
    slow_download slow-oth
    sleep 1.2
    start_capture tcp-oth
    sleep 1.2
    stop_capture 0
    stop slow-oth
}

sc_tcp-midstream() { # capture starts mid-download and runs to the end (FINs seen, no SYN)
    slow_download slow-mid
    sleep 1.5
    start_capture tcp-midstream
    wait "${PIDS[slow-mid]}" || true
    unset "PIDS[slow-mid]"
    stop_capture
}

# ------------------------------------------------------------------ scenarios: L2/L3

sc_ipv6-http() {
    start_capture ipv6-http
    curl_c -6 --resolve "$HOST:80:[$S6]" "http://$HOST/"
    stop_capture
}

sc_vlan() { # ARP, ping and HTTP over 802.1Q VLAN 100, captured on the trunk
    start_capture vlan nsmt-ct
    cin ping -n -c 2 -i 0.2 -W 2 "$SV4" >/dev/null
    curl_c --resolve "$HOST:80:$SV4" "http://$HOST/"
    stop_capture
}

sc_qinq() { # the same over 802.1ad 200 (outer) + 802.1Q 300 (inner)
    start_capture qinq nsmt-cqt
    cin ping -n -c 2 -i 0.2 -W 2 "$SQ4" >/dev/null
    curl_c --resolve "$HOST:80:$SQ4" "http://$HOST/"
    stop_capture
}

sc_ipv4-frag() { # 4000-byte pings and a 3000-byte UDP datagram echoed back: IPv4 fragments
    start_capture ipv4-frag
    cin ping -n -c 2 -i 0.2 -s 4000 -W 2 "$S4" >/dev/null
    cin "$PY" "$HELPERS" udp-send "$S4" 7 3000 1
    stop_capture
}

sc_ipv6-frag() { # the same over IPv6: fragment extension headers
    start_capture ipv6-frag
    cin ping -n -6 -c 2 -i 0.2 -s 4000 -W 2 "$S6" >/dev/null
    cin "$PY" "$HELPERS" udp-send "$S6" 7 3000 1
    stop_capture
}

sc_icmp() { # echo request/reply, and a port unreachable for UDP to a closed port
    start_capture icmp
    cin ping -n -c 2 -i 0.2 -W 2 "$S4" >/dev/null
    cin "$PY" "$HELPERS" udp-send "$S4" 9999 32 0
    stop_capture
}

# ------------------------------------------------------------------ scenarios: application layer

dig_c() { cin dig "@$1" +tries=1 +time=2 "${@:2}" >/dev/null; }

sc_dns-udp() {
    start_capture dns-udp
    dig_c "$S4" "$HOST" A
    dig_c "$S4" "$HOST" AAAA
    dig_c "$S4" web.nsm.test A # CNAME to www
    dig_c "$S4" nsm.test MX
    dig_c "$S4" nsm.test TXT
    dig_c "$S4" nope.nsm.test A # NXDOMAIN
    stop_capture
}

sc_dns-tcp() {
    start_capture dns-tcp
    dig_c "$S4" +tcp "$HOST" A
    dig_c "$S4" +tcp nsm.test MX
    stop_capture
}

sc_dns-tcp-2msgs() {
    # dnsmasq 2.90's TCP child sometimes closes after answering the first of two queries that
    # arrived together (about half the time here); retry until it answers both.
    local try
    for ((try = 1; try <= 10; try++)); do
        start_capture dns-tcp-2msgs
        if cin "$PY" "$HELPERS" dns-tcp-2msgs "$S4" 2>/dev/null; then
            stop_capture
            return 0
        fi
        discard_capture
        quiet
    done
    die "dns-tcp-2msgs: dnsmasq never answered both queries"
}

sc_dns-unanswered() { # a query to a server address whose packets are dropped
    start_capture dns-unanswered
    dig_c "$DARK4" "$HOST" A || true
    stop_capture
}

sc_tls13() {
    start_capture tls13
    curl_c -k --tlsv1.3 --resolve "$HOST:443:$S4" "https://$HOST/"
    stop_capture
}

sc_tls12() {
    start_capture tls12
    curl_c -k --tlsv1.2 --tls-max 1.2 --resolve "$HOST:443:$S4" "https://$HOST/"
    stop_capture
}

sc_tls-8443() {
    start_capture tls-8443
    curl_c -k --resolve "$HOST:8443:$S4" "https://$HOST:8443/"
    stop_capture
}

sc_http-8080() {
    start_capture http-8080
    curl_c --resolve "$HOST:8080:$S4" "http://$HOST:8080/"
    stop_capture
}

sc_http-pipelining() { # three requests written at once on one connection; the last one closes
    start_capture http-pipelining
    printf 'GET /a.txt HTTP/1.1\r\nHost: %s\r\n\r\nGET /b.txt HTTP/1.1\r\nHost: %s\r\n\r\nGET /c.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' \
        "$HOST" "$HOST" "$HOST" | cin nc -w 3 "$S4" 80 >/dev/null
    stop_capture
}

sc_http-chunked() { # gzip on the fly: Transfer-Encoding: chunked
    start_capture http-chunked
    curl_c --compressed --resolve "$HOST:80:$S4" "http://$HOST/chunked/text.txt"
    stop_capture
}

sc_tls-split-clienthello() { # the ClientHello in 3 TCP segments
    start_capture tls-split-clienthello
    cin "$PY" "$HELPERS" split-hello "$S4" 443 "$HOST"
    stop_capture
}

# ------------------------------------------------------------------ main

main() {
    local run=() arg s
    for arg in "$@"; do
        case $arg in
        -h | --help)
            sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        --list)
            printf '%s\n' "${SCENARIOS[@]}"
            exit 0
            ;;
        *)
            arg=${arg%.pcap}
            declare -F "sc_$arg" >/dev/null || die "unknown scenario '$arg' (see --list)"
            run+=("$arg")
            ;;
        esac
    done
    ((${#run[@]})) || run=("${SCENARIOS[@]}")
    ((EUID == 0)) || die "run as root (namespaces, tcpdump)"

    trap 'trap "" INT TERM; teardown' EXIT # a second Ctrl-C must not cut the cleanup short
    trap 'exit 130' INT TERM
    teardown # leftovers of an interrupted earlier run
    ensure_tools
    WORK=$(mktemp -d /tmp/nsmt.XXXXXX)
    chmod 755 "$WORK"
    setup_topology
    start_servers
    sleep 1 # let link-up chatter (MLD reports) pass before the first capture
    for s in "${run[@]}"; do
        "sc_$s"
        quiet
    done
}

# Sourced by make-tunnel-captures.sh for its helpers: run only when executed.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
