#!/usr/bin/env bash
# delivery-bench.sh - records/s through spool -> gRPC -> collector on loopback, and the spool's write cost.
#
# Usage: bench/delivery-bench.sh [--records N] [--flows N] [--pcap PCAP] [--backpressure PCAP] [--runs N] [--keep DIR]
#   --records N  flow records in the spool that is drained (default 3000000)
#   --flows N    for the end-to-end step: a capture of N one-packet UDP flows made with
#                bench/make-flows-pcap.py (default 1000000; replay makes N flow records + 1 stats)
#   --pcap PCAP  for the end-to-end step, this capture instead (e.g. the 1 GiB bench capture)
#   --backpressure PCAP  also step 4 on PCAP (e.g. the 1 GiB bench capture)
#   --runs N     runs of each side in step 4 (default 3)
#   --keep DIR   work in DIR and keep it (default: a new directory under /tmp, removed at the end)
#
# Environment: SENSOR_JAR (default sensor/target/sensor.jar), SENSOR_JAVA_OPTS (default -Xmx1g).
#
# What runs, in order, everything on this machine, traffic on 127.0.0.1 only:
#   1. spool write   SpoolBench: N flow records (every field of a closed TCP connection set, ~165
#                    bytes each) appended to a new spool by one thread; ns per record, bytes per
#                    record on disk; then read back by one reader. This spool is drained in step 2.
#   2. drain         a bundled collector (sensor collect, plaintext, JSON lines to a file in the work
#                    directory, fsync before each ack) is started; replay of an empty capture on the
#                    spool of step 1 delivers every record to it: records/s from the exporter's start
#                    to the last ack, and over the second half only (the steady rate, once the JIT has
#                    compiled both processes' hot paths); CPU seconds of the sensor and the collector
#   3. end to end    a new spool and collector file; replay CAPTURE --collector: records made,
#                    spooled and delivered at once; records/s over the replay's wall time
#   4. backpressure  (with --backpressure PCAP) replay PCAP into a new spool, interleaved: with no
#                    collector, and with a collector that acks every commit 200 ms late (--ack-delay;
#                    the replay then ends at --drain-timeout 1s with records unacked, exit 3, by
#                    design); the replay's own "appended in S s" (records made and spooled) of each,
#                    fastest of --runs; the goal: the slow collector costs <= 10 %
# Then a table, and the goal of issue 5 (>= 300000 flow records/s through spool -> gRPC -> collector,
# step 2, the steady rate) as PASS/FAIL.
#
# Exit status: 0 after the table (whatever the verdict), 2 on bad usage or a missing tool, 1 when a run failed.
set -euo pipefail

die() { echo "delivery-bench: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
flows=1000000
nrec=3000000
pcap=""
keep=""
bp=""
runs=3
while (($#)); do
  case $1 in
    --records) nrec=${2:?}; shift 2 ;;
    --flows) flows=${2:?}; shift 2 ;;
    --pcap) pcap=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    --backpressure) bp=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $flows =~ ^[1-9][0-9]*$ ]] || die "--flows must be a positive integer"
[[ $nrec =~ ^[1-9][0-9]*$ ]] || die "--records must be a positive integer"
jar=${SENSOR_JAR:-$repo/sensor/target/sensor.jar}
[[ -f $jar ]] || die "no sensor jar at $jar: build it first (mvn -B -q package -DskipTests)"
command -v java >/dev/null || die "java not found"
command -v python3 >/dev/null || die "python3 not found"
read -r -a jopts <<<"${SENSOR_JAVA_OPTS:--Xmx1g}"
# Chronicle Queue's JDK flags (the jar's manifest carries them for java -jar; SpoolBench runs with -cp)
chronicle=(--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED)

if [[ -n $keep ]]; then
  work=$keep; mkdir -p "$work"
else
  work=$(mktemp -d /tmp/delivery-bench.XXXXXX)
fi
collector_pid=""
cleanup() {
  if [[ -n $collector_pid ]] && kill -0 "$collector_pid" 2>/dev/null; then kill "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; fi
  [[ -n $keep ]] || rm -rf "$work"
}
trap cleanup EXIT
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system CPU of a process, in clock ticks
hz=$(getconf CLK_TCK)

start_collector() { # $1 = out file, then extra collect options; sets collector_pid, port
  port=$(free_port)
  local out=$1; shift
  java "${jopts[@]}" -jar "$jar" collect --listen "127.0.0.1:$port" --out "$out" --plaintext "$@" 2>"$work/collect.log" &
  collector_pid=$!
  for _ in $(seq 100); do grep -q 'collect: listening' "$work/collect.log" 2>/dev/null && return 0; sleep 0.1; done
  cat "$work/collect.log" >&2; die "the collector did not start"
}
stop_collector() {
  kill "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; collector_pid=""
}
python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xA1B2C3D4,2,4,0,0,65535,1))" "$work/empty.pcap"

# ---------------------------------------------------------------- 1. spool write cost
log "1. spool write cost (SpoolBench, $nrec records)"
java "${jopts[@]}" "${chronicle[@]}" -cp "$jar" dev.nsm.sensor.spool.SpoolBench "$work/spool" "$nrec" 2>"$work/spoolbench.log" \
  >"$work/spoolbench.out" || { cat "$work/spoolbench.log" >&2; exit 1; }
cat "$work/spoolbench.out" >&2
write_ns=$(sed -nE 's/^spool write: .*, ([0-9]+) ns per record.*/\1/p' "$work/spoolbench.out")
write_bytes=$(sed -nE 's/^spool write: .*, ([0-9]+) bytes per record on disk.*/\1/p' "$work/spoolbench.out")
read_ns=$(sed -nE 's/^spool read: .*, ([0-9]+) ns per record.*/\1/p' "$work/spoolbench.out")

# ---------------------------------------------------------------- 2. drain to a collector
log "2. drain: spool -> gRPC -> collector"
start_collector "$work/collected.jsonl"
c0=$(ticks "$collector_pid")
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '%U %S' -o "$work/drain.time")
"${timer[@]}" java "${jopts[@]}" -jar "$jar" replay "$work/empty.pcap" --spool "$work/spool" \
  --collector "127.0.0.1:$port" --plaintext --sensor-id bench-sensor --drain-timeout 10m 2>"$work/drain.log" \
  || { cat "$work/drain.log" >&2; exit 1; }
c1=$(ticks "$collector_pid")
cat "$work/drain.log" >&2
stop_collector
lines=$(wc -l <"$work/collected.jsonl")
drained=$(sed -nE 's/^replay: .*: ([0-9]+) records acked in ([0-9.]+) s since delivery started.*/\1/p' "$work/drain.log")
drain_s=$(sed -nE 's/^replay: .*: ([0-9]+) records acked in ([0-9.]+) s since delivery started.*/\2/p' "$work/drain.log")
steady=$(sed -nE 's/^replay: .*the second half at ([0-9]+) records\/s.*/\1/p' "$work/drain.log")
drain_rate=$(python3 -c "print(round($drained / $drain_s))")
collector_cpu=$(python3 -c "print(round(($c1 - $c0) / $hz, 2))")
sensor_cpu=$([[ -f $work/drain.time ]] && awk '{printf "%.2f", $1 + $2}' "$work/drain.time" || echo "?")
((lines == drained)) || { echo "delivery-bench: the collector stored $lines lines, $drained were acked" >&2; exit 1; }
rm -rf "$work/spool" "$work/collected.jsonl" "$work/collected.jsonl.state"

# ---------------------------------------------------------------- 3. end to end
if [[ -z $pcap ]]; then
  pcap=$work/flows.pcap
  log "making a capture of $flows one-packet flows"
  python3 "$here/make-flows-pcap.py" "$pcap" "$flows" 60
fi
[[ -r $pcap ]] || die "cannot read $pcap"
log "3. end to end: replay $(basename "$pcap") --collector (new spool)"
start_collector "$work/collected.jsonl"
t0=$(date +%s%N)
java "${jopts[@]}" -jar "$jar" replay "$pcap" --spool "$work/spool2" --collector "127.0.0.1:$port" --plaintext --sensor-id bench2 \
  --drain-timeout 10m 2>"$work/e2e.log" || { cat "$work/e2e.log" >&2; exit 1; }
t1=$(date +%s%N)
cat "$work/e2e.log" >&2
stop_collector
records=$(sed -nE 's/^replay: ([0-9]+) records appended.*/\1/p' "$work/e2e.log")
e2e_s=$(python3 -c "print(round(($t1 - $t0) / 1e9, 3))")
e2e_rate=$(python3 -c "print(round($records / (($t1 - $t0) / 1e9)))")

# ---------------------------------------------------------------- 4. backpressure
bp_row=""
if [[ -n $bp ]]; then
  [[ -r $bp ]] || die "cannot read $bp"
  log "4. backpressure: replay $(basename "$bp") into a spool, no collector vs a collector acking 200 ms late, $runs runs each"
  start_collector "$work/slow.jsonl" --ack-delay 200ms
  alone=(); slow=()
  for r in $(seq "$runs"); do
    java "${jopts[@]}" -jar "$jar" replay "$bp" --spool "$work/bp-a$r" --sensor-id bp 2>"$work/bp-a$r.log" \
      || { cat "$work/bp-a$r.log" >&2; exit 1; }
    rc=0
    java "${jopts[@]}" -jar "$jar" replay "$bp" --spool "$work/bp-s$r" --sensor-id bp --collector "127.0.0.1:$port" --plaintext \
      --drain-timeout 1s 2>"$work/bp-s$r.log" || rc=$?
    ((rc == 0 || rc == 3)) || { cat "$work/bp-s$r.log" >&2; exit 1; }
    a=$(sed -nE 's/^replay: ([0-9]+) records appended.* in ([0-9.]+) s$/\2/p' "$work/bp-a$r.log")
    b=$(sed -nE 's/^replay: ([0-9]+) records appended.* in ([0-9.]+) s$/\2/p' "$work/bp-s$r.log")
    bp_records=$(sed -nE 's/^replay: ([0-9]+) records appended.*/\1/p' "$work/bp-s$r.log")
    [[ -n $a && -n $b ]] || { cat "$work/bp-a$r.log" "$work/bp-s$r.log" >&2; die "no 'records appended' line"; }
    log "  run $r: no collector $a s, slow collector $b s ($(grep -o '[0-9]* record(s) unacked' "$work/bp-s$r.log" || echo 'all acked'))"
    alone+=("$a"); slow+=("$b")
    rm -rf "$work/bp-a$r" "$work/bp-s$r"
  done
  stop_collector
  best_a=$(printf '%s\n' "${alone[@]}" | sort -g | head -1)
  best_s=$(printf '%s\n' "${slow[@]}" | sort -g | head -1)
  bp_pct=$(python3 -c "print(round(100 * ($best_s - $best_a) / $best_a, 1))")
  bp_row="| 4. backpressure: replay into the spool, slow collector vs none | $bp_records | $best_s vs $best_a | | $(basename "$bp"); fastest of $runs; slow collector costs **$bp_pct %** (goal <= 10 %); runs: none ${alone[*]}, slow ${slow[*]} |"
fi

# ---------------------------------------------------------------- table
cat <<TABLE

| step | records | seconds | records/s | notes |
| --- | ---: | ---: | ---: | --- |
| 1. spool write (SpoolBench, 1 thread) | $nrec | | $(python3 -c "print(round(1e9 / $write_ns))") | $write_ns ns per record, $write_bytes bytes per record on disk; read back: $read_ns ns per record |
| **2. drain: spool -> gRPC -> collector** | $drained | $drain_s | $drain_rate; **second half ${steady:-?}** | CPU: sensor $sensor_cpu s (JVM start and JIT included), collector $collector_cpu s |
| 3. end to end: replay --collector | $records | $e2e_s | $e2e_rate | $(basename "$pcap"), wall time with JVM start; records made, spooled and delivered at once |
$bp_row

machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows in the wall times); the collector fsyncs before every ack
TABLE
if ((drain_rate >= 300000)); then
  echo "goal (>= 300000 flow records/s through spool -> gRPC -> collector, whole drain, JIT included): PASS ($drain_rate)"
else
  echo "goal (>= 300000 flow records/s through spool -> gRPC -> collector, whole drain, JIT included): FAIL ($drain_rate; steady ${steady:-?})"
fi
