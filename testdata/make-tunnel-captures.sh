#!/usr/bin/env bash
# make-tunnel-captures.sh: regenerate the project's tunnel captures (testdata/tunnel-*.pcap) from
# real clients and servers talking through tunnels between two network namespaces.
#
#   sudo testdata/make-tunnel-captures.sh                  # every scenario
#   sudo testdata/make-tunnel-captures.sh vxlan erspan2    # only these
#   testdata/make-tunnel-captures.sh --list                # scenario names
#
#   nstun-c (client: curl, dig, openssl)                   nstun-s (server: nginx, dnsmasq;
#                                                                   198.18.50.2, fd00:50::2 on lo)
#   +------------------------------+                       +------------------------------+
#   | nstun-ct  198.18.50.1 / fd00:50::1  == tunnel ======= nstun-st (route to the client)  |
#   |   (vxlan device, or TUN/TAP of tunnel_helpers.py)    |                              |
#   | nstun-c0  198.19.0.1/24 fd00:1a::1 <-- underlay veth --> nstun-s0 198.19.0.2/24      |
#   |                                    |                 |          fd00:1a::2          |
#   |                                    |                 |          198.19.0.9 (collector:|
#   | nstun-cp  198.18.50.1 <----- plain veth (erspan*) -----> nstun-sp   nft drops it)     |
#   +------------------------------+                       +------------------------------+
#
# Each scenario brings one tunnel up, sends the same real traffic through it (dig to dnsmasq,
# curl to nginx over HTTP and HTTPS, for some openssl s_client with TLS 1.2) and records the
# UNDERLAY (nstun-c0: outer headers, what a sensor on the mirror or transit link sees) as
# testdata/tunnel-NAME.pcap. For the mirror-transport test, vxlan and erspan1/2/3 also record the
# inner interface at the same time (tunnel-NAME-plain.pcap): the same session without the tunnel.
#
# Tunnels: this kernel (see /proc/config.gz) builds only VXLAN devices; GRE, gretap, ip6gre,
# ERSPAN, IP-in-IP, SIT and GENEVE are compiled out ("Unknown device type"). Where
# `ip link add ... type KIND` works the kernel device is used (today: vxlan); otherwise
# tunnel_helpers.py is the tunnel endpoint: a TUN/TAP interface in the namespace and a raw IP (or
# UDP) socket on the underlay, writing the tunnel header from its RFC layout while the kernel
# writes the outer IP header and routes it. ERSPAN is a mirror, not a path: the client talks to
# the server over a plain veth, and tunnel_helpers.py erspan-mirror copies each frame of that veth
# (both directions, as a SPAN source port) to the collector address over the underlay.
#
# Helpers (teardown, tools, offloads, spawn, servers) are make-captures.sh's, sourced; the same
# conventions hold: offloads off, static neighbours (no ARP/NDP in captures), tcpdump -s 0 classic
# pcap stopped with SIGINT and checked (every packet taken is in the file), idempotent, everything
# torn down on exit.
set -euo pipefail

TUN_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=make-captures.sh
source "$TUN_HERE/make-captures.sh"
TUNNEL_HELPERS=$TUN_HERE/tunnel_helpers.py

NS_C=nstun-c
NS_S=nstun-s
# underlay
UC4=198.19.0.1
US4=198.19.0.2
UC6=fd00:1a::1
US6=fd00:1a::2
DARK4=198.19.0.9 # the ERSPAN collector: start_servers' nft rule drops what reaches it
MAC_UC=02:00:1a:00:00:01
MAC_US=02:00:1a:00:00:02
# inner (the addresses the applications use)
C4=198.18.50.1
S4=198.18.50.2
C6=fd00:50::1
S6=fd00:50::2
MAC_IC=02:00:1a:00:01:01
MAC_IS=02:00:1a:00:01:02

SCENARIOS=(vxlan geneve gretap gre ip6gre erspan1 erspan2 erspan3 ipip sit)

# ------------------------------------------------------------------ topology

tun_setup_topology() {
    local ns
    for ns in "$NS_C" "$NS_S"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ns_sysctls "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    done
    ip link add nstun-c0 address "$MAC_UC" netns "$NS_C" type veth peer name nstun-s0 address "$MAC_US" netns "$NS_S"
    offloads_off "$NS_C" nstun-c0
    offloads_off "$NS_S" nstun-s0
    ip -n "$NS_C" link set nstun-c0 up
    ip -n "$NS_S" link set nstun-s0 up
    ip -n "$NS_C" addr add "$UC4/24" dev nstun-c0
    ip -n "$NS_C" addr add "$UC6/64" dev nstun-c0 nodad
    ip -n "$NS_S" addr add "$US4/24" dev nstun-s0
    ip -n "$NS_S" addr add "$DARK4/24" dev nstun-s0
    ip -n "$NS_S" addr add "$US6/64" dev nstun-s0 nodad
    local a
    for a in "$US4" "$DARK4" "$US6"; do ip -n "$NS_C" neigh replace "$a" lladdr "$MAC_US" dev nstun-c0 nud permanent; done
    for a in "$UC4" "$UC6"; do ip -n "$NS_S" neigh replace "$a" lladdr "$MAC_UC" dev nstun-s0 nud permanent; done
    # The server's application addresses live on lo: whichever tunnel is up routes to them.
    ip -n "$NS_S" addr add "$S4/32" dev lo
    ip -n "$NS_S" addr add "$S6/128" dev lo
}

inner_up() { # inner_up NS DEV LOCAL4 LOCAL6 PEER4 PEER6 [LOCALMAC PEERMAC] [MTU]: addresses, routes
    local ns=$1 dev=$2 l4=$3 l6=$4 p4=$5 p6=$6 lmac=${7:-} pmac=${8:-} mtu=${9:-1400}
    ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off sg off >/dev/null 2>&1 || true
    [[ -z $lmac ]] || ip -n "$ns" link set dev "$dev" address "$lmac"
    if [[ -n $l6 || -n $p6 ]]; then
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=0"
    else
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    fi
    ip -n "$ns" link set dev "$dev" mtu "$mtu" up
    [[ -z $l4 ]] || ip -n "$ns" addr add "$l4/32" dev "$dev"
    [[ -z $l6 ]] || ip -n "$ns" addr add "$l6/128" dev "$dev" nodad
    if [[ -n $p4 ]]; then
        ip -n "$ns" route add "$p4/32" dev "$dev"
        [[ -z $pmac ]] || ip -n "$ns" neigh replace "$p4" lladdr "$pmac" dev "$dev" nud permanent
    fi
    if [[ -n $p6 ]]; then
        ip -n "$ns" route add "$p6/128" dev "$dev"
        [[ -z $pmac ]] || ip -n "$ns" neigh replace "$p6" lladdr "$pmac" dev "$dev" nud permanent
    fi
}

tunnel_up() { # tunnel_up KIND [6]: KIND per tunnel_helpers.py, or vxlan (kernel); 6 = IPv6 inner
    local kind=$1 fam=${2:-4} lc=$UC4 ls=$US4 mc="" ms=""
    [[ $kind != ip6gre ]] || { lc=$UC6; ls=$US6; }
    if [[ $kind == vxlan ]]; then
        local side
        for side in c s; do
            local ns=$NS_C local=$UC4 remote=$US4 under=nstun-c0
            [[ $side == s ]] && { ns=$NS_S; local=$US4; remote=$UC4; under=nstun-s0; }
            ip -n "$ns" link add "nstun-${side}t" type vxlan id 42 local "$local" remote "$remote" \
                dstport 4789 nolearning dev "$under"
        done
    else
        spawn "tun-c" "$NS_C" "$PY" "$TUNNEL_HELPERS" endpoint "$kind" nstun-ct "$lc" "$ls"
        spawn "tun-s" "$NS_S" "$PY" "$TUNNEL_HELPERS" endpoint "$kind" nstun-st "$ls" "$lc"
        wait_ready tun-c
        wait_ready tun-s
    fi
    case $kind in vxlan | geneve | gretap) mc=$MAC_IC ms=$MAC_IS ;; esac
    if [[ $fam == 6 ]]; then
        inner_up "$NS_C" nstun-ct "" "$C6" "" "$S6" "$mc" "$ms"
        inner_up "$NS_S" nstun-st "" "" "" "$C6" "$ms" "$mc"
    else
        inner_up "$NS_C" nstun-ct "$C4" "" "$S4" "" "$mc" "$ms"
        inner_up "$NS_S" nstun-st "" "" "$C4" "" "$ms" "$mc"
    fi
    sleep 1 # link-up chatter (IPv6 MLD reports) passes before the capture starts
}

tunnel_down() {
    stop tun-c
    stop tun-s
    ip -n "$NS_C" link del nstun-ct 2>/dev/null || true
    ip -n "$NS_S" link del nstun-st 2>/dev/null || true
}

plain_up() { # the veth the erspan scenarios' traffic takes (and their mirror copies)
    ip link add nstun-cp address "$MAC_IC" netns "$NS_C" type veth peer name nstun-sp address "$MAC_IS" netns "$NS_S"
    offloads_off "$NS_C" nstun-cp
    offloads_off "$NS_S" nstun-sp
    inner_up "$NS_C" nstun-cp "$C4" "" "$S4" "" "" "$MAC_IS" 1500
    inner_up "$NS_S" nstun-sp "" "" "$C4" "" "" "$MAC_IC" 1500
    sleep 1
}

plain_down() { ip -n "$NS_C" link del nstun-cp 2>/dev/null || true; }

# ------------------------------------------------------------------ captures (several at once)

declare -a TD_NAMES=()

td_start() { # td_start NAME IFACE: tcpdump in nstun-c, written to $WORK/NAME.pcap
    local name=$1 iface=$2 i
    : >"$WORK/$name.tcpdump.err"
    ip netns exec "$NS_C" tcpdump --immediate-mode -i "$iface" -s 0 -U -nn -Z root \
        -w "$WORK/$name.pcap" 2>"$WORK/$name.tcpdump.err" &
    PIDS[td-$name]=$!
    TD_NAMES+=("$name")
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$WORK/$name.tcpdump.err" && return 0
        kill -0 "${PIDS[td-$name]}" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WORK/$name.tcpdump.err" >&2
    die "tcpdump did not start for $name"
}

td_stop() { # settle, SIGINT every capture, check its counts, move it into testdata/
    sleep "${1:-0.5}"
    local name
    for name in "${TD_NAMES[@]}"; do kill -INT "${PIDS[td-$name]}"; done
    for name in "${TD_NAMES[@]}"; do
        wait "${PIDS[td-$name]}" || true
        unset "PIDS[td-$name]"
        local f=$WORK/$name.pcap err=$WORK/$name.tcpdump.err n got taken dropped
        n=$(tcpdump --count -r "$f" 2>/dev/null | sed -n "s/^\([0-9]*\) packets\{0,1\}$/\1/p") # one line per packet
        got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$err")
        taken=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$err")
        dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$err")
        if ((n == 0 || n != got || got != taken || dropped != 0)); then
            cat "$err" >&2
            die "$name: $n packets in the file, tcpdump says captured $got, received $taken, dropped $dropped"
        fi
        mv "$f" "$OUT/$name.pcap"
        printf '%-28s %4d packets %7d bytes\n' "$name.pcap" "$n" "$(stat -c %s "$OUT/$name.pcap")"
    done
    TD_NAMES=()
}

# ------------------------------------------------------------------ traffic

traffic() { # traffic 4|6 [tls12]: dig, curl HTTP, curl HTTPS (TLS 1.3), optionally openssl TLS 1.2
    local fam=$1 s=$S4 bracket=$S4
    [[ $fam == 6 ]] && { s=$S6; bracket="[$S6]"; }
    dig_c "$s" "$HOST" A
    curl_c "-$fam" --resolve "$HOST:80:$bracket" "http://$HOST/"
    curl_c "-$fam" -k --tlsv1.3 --resolve "$HOST:443:$bracket" "https://$HOST/"
    if [[ ${2:-} == tls12 ]]; then
        # s_client sends nothing and closes when stdin ends: a full TLS 1.2 handshake, then close
        cin openssl s_client -connect "$bracket:443" -servername "$HOST" -tls1_2 </dev/null >/dev/null 2>&1
    fi
}

tunnel_scenario() { # tunnel_scenario NAME KIND FAMILY [tls12] [plain]
    local name=$1 kind=$2 fam=$3 tls=${4:-} plain=${5:-}
    tunnel_up "$kind" "$fam"
    td_start "tunnel-$name" nstun-c0
    [[ -z $plain ]] || td_start "tunnel-$name-plain" nstun-ct
    traffic "$fam" "$tls"
    td_stop
    tunnel_down
}

erspan_scenario() { # erspan_scenario VERSION: traffic over the plain veth, mirrored as ERSPAN
    local v=$1
    plain_up
    spawn mirror "$NS_C" "$PY" "$TUNNEL_HELPERS" erspan-mirror "$v" nstun-cp "$UC4" "$DARK4"
    wait_ready mirror
    td_start "tunnel-erspan$v" nstun-c0
    td_start "tunnel-erspan$v-plain" nstun-cp
    traffic 4 tls12
    td_stop 0.7
    stop mirror
    plain_down
}

sc_vxlan() { tunnel_scenario vxlan vxlan 4 tls12 plain; }   # kernel VXLAN, UDP 4789, VNI 42
sc_geneve() { tunnel_scenario geneve geneve 4; }            # UDP 6081, one option per packet
sc_gretap() { tunnel_scenario gretap gretap 4; }            # GRE 0x6558 (Ethernet), key + sequence
sc_gre() { tunnel_scenario gre gre 4 tls12; }               # GRE over IPv4, checksum + key
sc_ip6gre() { tunnel_scenario ip6gre ip6gre 4; }            # GRE over IPv6, IPv4 inside
sc_ipip() { tunnel_scenario ipip ipip 4; }                  # IPv4 in IPv4 (protocol 4)
sc_sit() { tunnel_scenario sit sit 6; }                     # IPv6 in IPv4 (protocol 41, 6in4)
sc_erspan1() { erspan_scenario 1; }                         # ERSPAN type I (GRE 0x88BE, no header)
sc_erspan2() { erspan_scenario 2; }                         # ERSPAN type II (0x88BE, seq, 8-byte header)
sc_erspan3() { erspan_scenario 3; }                         # ERSPAN type III (0x22EB, platform sub-header on every other frame)

# ------------------------------------------------------------------ main

tun_main() {
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
            arg=${arg#tunnel-}
            arg=${arg%.pcap}
            declare -F "sc_$arg" >/dev/null || die "unknown scenario '$arg' (see --list)"
            run+=("$arg")
            ;;
        esac
    done
    ((${#run[@]})) || run=("${SCENARIOS[@]}")
    ((EUID == 0)) || die "run as root (namespaces, tcpdump)"

    trap 'trap "" INT TERM; teardown' EXIT
    trap 'exit 130' INT TERM
    teardown
    ensure_tools
    WORK=$(mktemp -d /tmp/nstun.XXXXXX)
    chmod 755 "$WORK"
    tun_setup_topology
    start_servers
    sleep 1
    for s in "${run[@]}"; do
        "sc_$s"
        quiet
    done
}

tun_main "$@"
