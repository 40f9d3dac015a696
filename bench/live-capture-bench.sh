#!/usr/bin/env bash
# Live capture rate: tcpreplay sends a capture into one end of a veth pair, the sensor captures the
# other end (in network namespaces made here and removed at the end: traffic stays inside them).
#
# Two parts, so that the limit of the sender and the limit of the sensor are told apart:
#
#   1. the sender alone, nothing capturing: how fast tcpreplay gets packets through the veth, read
#      from the file, preloaded (--preload-pcap), a preloaded slice looped (--loop), and N such
#      tcpreplay processes at once; then bench/veth-blast.c (sendmmsg, no qdisc) with the same slice,
#      when a C compiler is there: what the kernel alone costs per packet. Rates: tcpreplay's own (packets / its sending time) and the
#      receiving end's rx_packets (what the veth delivered) over the same time.
#   2. the sensor capturing, for each rate (packets/s with --pps, "top" = --topspeed, "topN" = N
#      senders at --topspeed): the loss ledger from /metrics (what the kernel received, dropped with
#      its buffer full, what the sensor read, dropped at its ring, decoded), the CPU seconds of the
#      capture thread and of the whole JVM, and whether the step lost nothing.
#
# The highest achieved rate with zero kernel and ring drops is the sensor's zero-loss rate on this
# machine; if it equals what the sender alone reaches, the sender, not the sensor, was the limit.
#
# Usage: bench/live-capture-bench.sh [PCAP] [RATES...]     (root; tcpreplay, libpcap, curl, python3)
#   PCAP   default /work/bench-data/bench.pcap when present, else bench/out/udp-1m.pcap, made here
#          (1,000,000 Ethernet/IPv4/UDP frames of 100 bytes over 10,000 flows)
#   RATES  default: 100000 200000 400000 800000 top top2
# Env: WORKERS (1), RING (65536), BUFFER (256MiB), JAR (sensor/target/sensor.jar),
#      SLICE (packets of the looped slice, 200000), LOOPS (8), SENDERS (parallel senders in part 1, 2),
#      SENDER_ONLY=1 (part 1 only), SKIP_SENDER=1 (part 2 only), THREADS=1 (the JVM's busiest threads after each step)
set -euo pipefail
cd "$(dirname "$0")/.."
DEFAULT_PCAP=/work/bench-data/bench.pcap
[[ -f $DEFAULT_PCAP ]] || DEFAULT_PCAP=bench/out/udp-1m.pcap
PCAP=${1:-$DEFAULT_PCAP}
shift || true
RATES=("$@")
((${#RATES[@]})) || RATES=(100000 200000 400000 800000 top top2)
JAR=${JAR:-sensor/target/sensor.jar}
WORKERS=${WORKERS:-1}
RING=${RING:-65536}
BUFFER=${BUFFER:-256MiB}
SLICE=${SLICE:-200000}
LOOPS=${LOOPS:-8}
SENDERS=${SENDERS:-2}
[[ $(id -u) == 0 ]] || { echo "live-capture-bench: needs root (namespaces, capture)" >&2; exit 2; }
for t in tcpreplay tcpdump curl python3 ip; do command -v $t >/dev/null || { echo "live-capture-bench: $t is missing" >&2; exit 2; }; done
[[ -f $JAR || -n ${SENDER_ONLY:-} ]] || { echo "live-capture-bench: no $JAR (mvn -B -q -pl sensor -am package -DskipTests)" >&2; exit 2; }

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
SENSOR_PID=
cleanup() {
  if [[ -n ${SENSOR_PID:-} ]]; then kill "$SENSOR_PID" 2>/dev/null || true; wait "$SENSOR_PID" 2>/dev/null || true; fi
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

# the slice tcpreplay loops: the first SLICE packets of the capture
tcpdump -r "$PCAP" -c "$SLICE" -w "$work/slice.pcap" 2>/dev/null
FILE_PKTS=$(python3 - "$PCAP" <<'PY'
import struct, sys
# count the records of a classic pcap (endianness from the magic) without reading the payloads
with open(sys.argv[1], 'rb') as f:
    magic = f.read(24)[:4]
    e = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    n = 0
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        f.seek(struct.unpack(e + 'IIII', h)[2], 1)
        n += 1
print(n)
PY
)
rx() { ip netns exec $B cat /sys/class/net/$IB/statistics/rx_packets; }
rxdrop() { ip netns exec $B cat /sys/class/net/$IB/statistics/rx_dropped; }

# tcpreplay NAME ARGS...: runs one sender, leaves "packets seconds" in $work/NAME.res
sender() {
  local name=$1
  shift
  local out
  out=$(ip netns exec $A /usr/bin/time -f 'cpu %U %S' tcpreplay -q -i $IA "$@" 2>&1) || { echo "$out" >&2; return 1; }
  local pk secs cpu
  pk=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' <<<"$out")
  secs=$(sed -n 's/.*packets ([0-9]* bytes) sent in \([0-9.]*\) seconds.*/\1/p' <<<"$out")
  cpu=$(awk '/^cpu / {printf "%.2f", $2 + $3}' <<<"$out")
  echo "$pk $secs $cpu" > "$work/$name.res"
}

# blast NAME: bench/veth-blast.c (sendmmsg, no qdisc) sends the slice LOOPS times, as sender() does
blast() {
  local out
  out=$(ip netns exec $A "$work/veth-blast" $IA "$work/slice.pcap" "$LOOPS" 2>&1) || { echo "$out" >&2; return 1; }
  sed -n 's/^Actual: \([0-9]*\) packets sent in \([0-9.]*\) seconds, [0-9]* pps, \([0-9.]*\) cpu s.*/\1 \2 \3/p' <<<"$out" > "$work/$1.res"
}

# send MODE N RATE: N senders of MODE (file | preload | slice | blast) at RATE (top or packets/s, split
# between the senders); prints "packets seconds pps rx_pps sender_cpu"
send() {
  local mode=$1 n=$2 rate=$3
  local speed args i
  if [[ $rate == top ]]; then speed=(--topspeed); else speed=(--pps="$(( rate / n ))"); fi
  case $mode in
    file) args=("$PCAP") ;;
    preload) args=(--preload-pcap "$PCAP") ;;
    slice) args=(--preload-pcap --loop="$LOOPS" "$work/slice.pcap") ;;
    blast) args=() ;;
  esac
  local rx0 pids=()
  rx0=$(rx)
  for ((i = 0; i < n; i++)); do
    if [[ $mode == blast ]]; then blast "s$i" & else sender "s$i" "${speed[@]}" "${args[@]}" & fi
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  local rx1
  rx1=$(rx)
  local pk=0 secs=0 cpu=0
  for ((i = 0; i < n; i++)); do
    read -r p s c < "$work/s$i.res"
    pk=$((pk + p))
    secs=$(python3 -c "print(max($secs, $s))")
    cpu=$(python3 -c "print($cpu + $c)")
  done
  # tcpreplay's sending time (the preloading is not in it); the senders overlap, so the longest one
  python3 -c "
pk, secs, rxd = $pk, $secs, $rx1 - $rx0
print(pk, f'{secs:.2f}', int(pk / secs) if secs else 0, int(rxd / secs) if secs else 0, f'{$cpu:.2f}', rxd)"
}

echo "capture: $PCAP ($FILE_PKTS packets); slice: first $SLICE packets, looped $LOOPS times"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start"

# ------------------------------------------------------------------ 1. the sender alone
best_pps=0
best_label=
if [[ -z ${SKIP_SENDER:-} ]]; then
  echo
  echo "1. tcpreplay alone into the veth, nothing capturing (--topspeed)"
  printf '%-22s %10s %8s %10s %10s %8s %12s\n' sender packets seconds pps rx_pps cpu_s pkts/cpu_s
  specs=("file 1" "preload 1" "slice 1" "slice $SENDERS")
  # not tcpreplay: sendmmsg in batches, no qdisc: how much of tcpreplay's cost is tcpreplay's own
  if command -v cc >/dev/null && cc -O2 -o "$work/veth-blast" bench/veth-blast.c 2>"$work/cc.log"; then specs+=("blast 1"); fi
  for spec in "${specs[@]}"; do
    read -r mode n <<<"$spec"
    read -r pk secs pps rxpps cpu _ <<<"$(send "$mode" "$n" top)"
    label="$mode x$n"
    printf '%-22s %10s %8s %10s %10s %8s %12s\n' "$label" "$pk" "$secs" "$pps" "$rxpps" "$cpu" "$(python3 -c "print(int($pk / $cpu) if $cpu else 0)")"
    if [[ $mode != blast ]] && ((rxpps > best_pps)); then best_pps=$rxpps; best_label=$label; fi
  done
  echo "tcpreplay's limit: $best_pps packets/s delivered by the veth ($best_label); rx_dropped at the receiving end: $(rxdrop)"
  echo "(blast = bench/veth-blast.c: the same slice with sendmmsg, 256 a call, no qdisc: the kernel's own cost per packet)"
fi
[[ -n ${SENDER_ONLY:-} ]] && exit 0

# ------------------------------------------------------------------ 2. the sensor capturing
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
# CPU seconds (user+sys) of the JVM's threads named $2 (a regex; "" = all) of pid $1
thread_cpu() {
  local tck
  tck=$(getconf CLK_TCK)
  for t in /proc/"$1"/task/*; do
    local comm
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    [[ -z $2 || $comm =~ $2 ]] || continue
    # fields 14 and 15 of stat (utime, stime), after the ")" that ends comm
    sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}'
  done | awk -v t="$tck" '{s += $1} END {printf "%.2f", s / t}'
}

# the ledger now, as "received kdrops captured ringdrops decoded"
ledger() {
  ip netns exec $B curl -s 127.0.0.1:9108/metrics | awk '
    $1 ~ /^nsm_packets_received_total[{]/ {r += $2} $1 ~ /^nsm_kernel_drops_total[{]/ {k += $2}
    $1 ~ /^nsm_packets_captured_total[{]/ {c += $2} $1 == "nsm_ring_drops_total" {d += $2}
    $1 == "nsm_packets_decoded_total" {o += $2}
    END {printf "%d %d %d %d %d\n", r, k, c, d, o}'
}

echo
echo "2. the sensor capturing (workers $WORKERS, ring $RING, buffer $BUFFER); senders: a preloaded slice looped;"
echo "   one sensor for every step, warmed up first (the slice once at 50,000/s: JIT), figures per step"
ip netns exec $B java -Xms1g -Xmx1g ${SENSOR_JAVA_OPTS:-} -jar "$JAR" run --config "$work/sensor.yaml" 2>"$work/sensor.log" &
SENSOR_PID=$!
for _ in $(seq 150); do ip netns exec $B curl -sf 127.0.0.1:9108/readyz >/dev/null 2>&1 && break; sleep 0.2; done
ip netns exec $B curl -sf 127.0.0.1:9108/readyz >/dev/null || { echo "the sensor did not start:" >&2; cat "$work/sensor.log" >&2; exit 1; }
LOOPS_SAVED=$LOOPS LOOPS=1
send slice 1 50000 >/dev/null
LOOPS=$LOOPS_SAVED
sleep 2
printf '%-7s %8s %8s %8s %7s %8s %8s %8s %7s %7s %7s %7s %9s %9s %s\n' rate sent achieved received kdrops captured ringdrop decoded cap_cpu wrk_cpu jvm_cpu tx_cpu cap_pkt/s wrk_pkt/s lost
zero_loss=0
for rate in "${RATES[@]}"; do
  n=1 r=$rate
  if [[ $rate =~ ^top([0-9]+)$ ]]; then n=${BASH_REMATCH[1]} r=top; fi
  read -r r0 k0 c0 d0 o0 <<<"$(ledger)"
  cap0=$(thread_cpu "$SENSOR_PID" '^capture$')
  wrk0=$(thread_cpu "$SENSOR_PID" '^flow-worker')
  jvm0=$(thread_cpu "$SENSOR_PID" '')
  read -r pk secs pps rxpps txcpu _ <<<"$(send slice "$n" "$r")"
  sleep 1.5 # > capture.tick: the kernel counters are read again; the ring drains
  cap1=$(thread_cpu "$SENSOR_PID" '^capture$')
  wrk1=$(thread_cpu "$SENSOR_PID" '^flow-worker')
  jvm1=$(thread_cpu "$SENSOR_PID" '')
  read -r r1 k1 c1 d1 o1 <<<"$(ledger)"
  recv=$((r1 - r0)) kd=$((k1 - k0)) cap=$((c1 - c0)) rd=$((d1 - d0)) dec=$((o1 - o0))
  lost=no
  if ((kd > 0 || rd > 0 || cap < pk)); then lost=YES; fi
  capcpu=$(python3 -c "print(f'{$cap1 - $cap0:.2f}')")
  wrkcpu=$(python3 -c "print(f'{$wrk1 - $wrk0:.2f}')")
  printf '%-7s %8s %8s %8s %7s %8s %8s %8s %7s %7s %7s %7s %9s %9s %s\n' "$rate" "$pk" "$pps" "$recv" "$kd" "$cap" "$rd" "$dec" \
    "$capcpu" "$wrkcpu" "$(python3 -c "print(f'{$jvm1 - $jvm0:.2f}')")" "$txcpu" \
    "$(python3 -c "print(int($cap / $capcpu) if $capcpu > 0 else 0)")" "$(python3 -c "print(int($dec / $wrkcpu) if $wrkcpu > 0 else 0)")" "$lost"
  if [[ $lost == no ]] && ((pps > zero_loss)); then zero_loss=$pps; fi
  if [[ -n ${THREADS:-} ]]; then # the JVM's busiest threads since its start (CPU s), JIT included
    for t in /proc/"$SENSOR_PID"/task/*; do
      printf '%s %s\n' "$(sed 's/^.*) //' "$t/stat" | awk -v k="$(getconf CLK_TCK)" '{printf "%.2f", ($12 + $13) / k}')" "$(tr ' ' _ < "$t/comm")"
    done | sort -rn | head -8 | awk '{printf "    %-24s %s\n", $2, $1}'
  fi
done
kill "$SENSOR_PID"; wait "$SENSOR_PID" || true; SENSOR_PID=
echo
echo "zero-loss rate (highest achieved with no kernel or ring drop, every packet sent captured): $zero_loss packets/s"
[[ -z ${SKIP_SENDER:-} ]] && echo "sender alone, nothing capturing: $best_pps packets/s ($best_label)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; workers $WORKERS, ring $RING, buffer $BUFFER"
echo "columns: cap_cpu = CPU s of the sensor's capture thread during the step, jvm_cpu = of the whole JVM, tx_cpu = of tcpreplay;"
echo "  wrk_cpu = of the flow workers (flows, TCP reassembly, DNS/TLS/HTTP parsers, records);"
echo "  cap_pkt/s = packets captured per CPU second of the capture thread (read, copy, decode: what one core would sustain);"
echo "  wrk_pkt/s = packets decoded per CPU second of the flow workers;"
echo "  pkts/cpu_s (part 1) = packets sent per CPU second of tcpreplay (its cost includes the veth's kernel path)"
