#!/usr/bin/env bash
# Live capture rate: tcpreplay sends a capture into one end of a veth pair, the sensor captures the
# other end (in network namespaces made here and removed at the end: traffic stays inside them).
# For each rate (packets/s, "top" = tcpreplay --topspeed) it prints the loss ledger from /metrics:
# what the kernel received, dropped (buffer full), what the sensor read, dropped at its ring, decoded.
# The highest rate with zero kernel and ring drops is the sensor's zero-loss rate on this machine.
#
# Usage: bench/live-capture-bench.sh [PCAP] [RATES...]     (root; tcpreplay, libpcap, curl, python3)
#   PCAP   default: bench/out/udp-1m.pcap, made here: 1,000,000 Ethernet/IPv4/UDP frames of 100 bytes
#          over 10,000 flows
#   RATES  default: 100000 200000 400000 800000 top
# Env: WORKERS (1), RING (65536), BUFFER (256MiB), JAR (sensor/target/sensor.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
PCAP=${1:-bench/out/udp-1m.pcap}
shift || true
RATES=("$@")
((${#RATES[@]})) || RATES=(100000 200000 400000 800000 top)
JAR=${JAR:-sensor/target/sensor.jar}
WORKERS=${WORKERS:-1}
RING=${RING:-65536}
BUFFER=${BUFFER:-256MiB}
[[ $(id -u) == 0 ]] || { echo "live-capture-bench: needs root (namespaces, capture)" >&2; exit 2; }
for t in tcpreplay curl python3 ip; do command -v $t >/dev/null || { echo "live-capture-bench: $t is missing" >&2; exit 2; }; done
[[ -f $JAR ]] || { echo "live-capture-bench: no $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }

if [[ ! -f $PCAP ]]; then
  mkdir -p "$(dirname "$PCAP")"
  echo "making $PCAP ..."
  python3 - "$PCAP" <<'PY'
import struct, sys
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    payload = b'x' * 58
    for i in range(1_000_000):
        flow = i % 10000
        udp = struct.pack('!HHHH', 1024 + flow, 53, 8 + len(payload), 0) + payload
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         bytes([10, 50, flow >> 8, flow & 255]), bytes([10, 60, 0, 1])) + udp
        eth = b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00' + ip
        t = i  # one microsecond apart
        f.write(struct.pack('<IIII', 1_700_000_000 + t // 1_000_000, t % 1_000_000, len(eth), len(eth)) + eth)
PY
fi

A=nsml-bench-a B=nsml-bench-b
IA=nsmlbencha IB=nsmlbenchb
work=$(mktemp -d)
cleanup() {
  [[ -n ${SENSOR_PID:-} ]] && kill "$SENSOR_PID" 2>/dev/null && wait "$SENSOR_PID" 2>/dev/null
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns del $A 2>/dev/null || true
ip netns del $B 2>/dev/null || true
ip netns add $A
ip netns add $B
ip link add $IA netns $A type veth peer name $IB netns $B
for ns in $A $B; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip -n $ns link set lo up; done
ip -n $A link set $IA up
ip -n $B link set $IB up

cat > "$work/sensor.yaml" <<YAML
capture:
  interfaces:
    - name: $IB
      buffer_size: $BUFFER
      snaplen: 2048
pipeline:
  workers: $WORKERS
  ring_size: $RING
output:
  path: /dev/null
metrics:
  listen: 127.0.0.1:9108
logging:
  level: warn
YAML

metric() { # name: sum of the series
  ip netns exec $B curl -s 127.0.0.1:9108/metrics | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%d", s}'
}

printf '%-8s %10s %10s %10s %10s %10s %10s %9s\n' rate sent received kdrops captured ringdrops decoded achieved
for rate in "${RATES[@]}"; do
  ip netns exec $B java -Xms1g -Xmx1g -jar "$JAR" run --config "$work/sensor.yaml" 2>"$work/sensor.log" &
  SENSOR_PID=$!
  for _ in $(seq 100); do ip netns exec $B curl -sf 127.0.0.1:9108/readyz >/dev/null 2>&1 && break; sleep 0.2; done
  if [[ $rate == top ]]; then speed=(--topspeed); else speed=(--pps="$rate"); fi
  out=$(ip netns exec $A tcpreplay -q -i $IA "${speed[@]}" "$PCAP" 2>&1)
  sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' <<<"$out")
  achieved=$(sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' <<<"$out")
  sleep 1.5 # > capture.tick: the kernel counters are read again
  printf '%-8s %10s %10s %10s %10s %10s %10s %9.0f\n' "$rate" "$sent" "$(metric nsm_packets_received_total)" \
    "$(metric nsm_kernel_drops_total)" "$(metric nsm_packets_captured_total)" "$(metric nsm_ring_drops_total)" \
    "$(metric nsm_packets_decoded_total)" "${achieved:-0}"
  kill "$SENSOR_PID"; wait "$SENSOR_PID" || true; SENSOR_PID=
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); workers $WORKERS, ring $RING, buffer $BUFFER"
