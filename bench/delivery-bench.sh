#!/usr/bin/env bash
# delivery-bench.sh - records/s through spool -> gRPC -> collector on loopback, and the spool's write cost.
#
# Usage: bench/delivery-bench.sh [--flows N] [--pcap PCAP] [--keep DIR]
#   --flows N    flow records to deliver (default 1000000): a capture of N one-packet UDP flows is made
#                with bench/make-flows-pcap.py (each packet is its own flow, so replay makes N flow
#                records plus one stats record)
#   --pcap PCAP  deliver the records of this capture instead (e.g. the 1 GiB bench capture, bench/README.md)
#   --keep DIR   work in DIR and keep it (default: a new directory under /tmp, removed at the end)
#
# Environment: SENSOR_JAR (default sensor/target/sensor.jar), SENSOR_JAVA_OPTS (default -Xmx1g).
#
# What runs, in order, everything on this machine, traffic on 127.0.0.1 only:
#   1. spool write   SpoolBench: 2 000 000 flow records (every field of a closed TCP connection set,
#                    ~165 bytes each) appended to a new spool by one thread; ns per record, bytes per
#                    record on disk; then read back by one reader
#   2. fill          replay CAPTURE --spool DIR (no collector): the records made and spooled
#   3. drain         a bundled collector (sensor collect, plaintext, JSON lines to a file in the work
#                    directory, fsync before each ack) is started; replay of an empty capture on the
#                    same spool delivers every spooled record to it: records/s from the exporter's
#                    start to the last ack, and the CPU seconds of the sensor and of the collector
#   4. end to end    a new spool and collector file; replay CAPTURE --collector: records made,
#                    spooled and delivered at once; records/s over the replay's wall time
# Then a table, and the goal of issue 5 (>= 300000 flow records/s through spool -> gRPC -> collector,
# step 3) as PASS/FAIL.
#
# Exit status: 0 after the table (whatever the verdict), 2 on bad usage or a missing tool, 1 when a run failed.
set -euo pipefail

die() { echo "delivery-bench: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
flows=1000000
pcap=""
keep=""
while (($#)); do
  case $1 in
    --flows) flows=${2:?}; shift 2 ;;
    --pcap) pcap=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $flows =~ ^[1-9][0-9]*$ ]] || die "--flows must be a positive integer"
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

start_collector() { # $1 = out file; sets collector_pid, port
  port=$(free_port)
  java "${jopts[@]}" -jar "$jar" collect --listen "127.0.0.1:$port" --out "$1" --plaintext 2>"$work/collect.log" &
  collector_pid=$!
  for _ in $(seq 100); do grep -q 'collect: listening' "$work/collect.log" 2>/dev/null && return 0; sleep 0.1; done
  cat "$work/collect.log" >&2; die "the collector did not start"
}
stop_collector() {
  kill "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; collector_pid=""
}

# ---------------------------------------------------------------- the capture
if [[ -z $pcap ]]; then
  pcap=$work/flows.pcap
  log "making a capture of $flows one-packet flows"
  python3 "$here/make-flows-pcap.py" "$pcap" "$flows" 60
fi
[[ -r $pcap ]] || die "cannot read $pcap"
python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xA1B2C3D4,2,4,0,0,65535,1))" "$work/empty.pcap"

# ---------------------------------------------------------------- 1. spool write cost
log "1. spool write cost (SpoolBench)"
java "${jopts[@]}" "${chronicle[@]}" -cp "$jar" dev.nsm.sensor.spool.SpoolBench "$work/spoolbench" 2000000 2>"$work/spoolbench.log" \
  | tee "$work/spoolbench.out" || { cat "$work/spoolbench.log" >&2; exit 1; }
write_ns=$(sed -nE 's/^spool write: .*, ([0-9]+) ns per record.*/\1/p' "$work/spoolbench.out")
write_bytes=$(sed -nE 's/^spool write: .*, ([0-9]+) bytes per record on disk.*/\1/p' "$work/spoolbench.out")
rm -rf "$work/spoolbench"

# ---------------------------------------------------------------- 2. fill a spool
log "2. fill: replay $(basename "$pcap") --spool (no collector)"
java "${jopts[@]}" -jar "$jar" replay "$pcap" --spool "$work/spool" --sensor-id bench 2>"$work/fill.log" || { cat "$work/fill.log" >&2; exit 1; }
cat "$work/fill.log" >&2
records=$(sed -nE 's/^replay: ([0-9]+) records appended.*/\1/p' "$work/fill.log")
fill_s=$(sed -nE 's/^replay: .* records appended .* in ([0-9.]+) s.*/\1/p' "$work/fill.log")

# ---------------------------------------------------------------- 3. drain to a collector
log "3. drain: $records records, spool -> gRPC -> collector"
start_collector "$work/collected.jsonl"
c0=$(ticks "$collector_pid")
/usr/bin/env time -f '%U %S' -o "$work/drain.time" true 2>/dev/null && have_time=1 || have_time=0
if ((have_time)); then
  /usr/bin/env time -f '%U %S' -o "$work/drain.time" java "${jopts[@]}" -jar "$jar" replay "$work/empty.pcap" --spool "$work/spool" \
    --collector "127.0.0.1:$port" --plaintext --sensor-id bench --drain-timeout 10m 2>"$work/drain.log" || { cat "$work/drain.log" >&2; exit 1; }
else
  java "${jopts[@]}" -jar "$jar" replay "$work/empty.pcap" --spool "$work/spool" \
    --collector "127.0.0.1:$port" --plaintext --sensor-id bench --drain-timeout 10m 2>"$work/drain.log" || { cat "$work/drain.log" >&2; exit 1; }
fi
c1=$(ticks "$collector_pid")
cat "$work/drain.log" >&2
stop_collector
lines=$(wc -l <"$work/collected.jsonl")
drained=$(sed -nE 's/^replay: .*: ([0-9]+) records acked in ([0-9.]+) s since delivery started.*/\1/p' "$work/drain.log")
drain_s=$(sed -nE 's/^replay: .*: ([0-9]+) records acked in ([0-9.]+) s since delivery started.*/\2/p' "$work/drain.log")
drain_rate=$(python3 -c "print(round($drained / $drain_s))")
collector_cpu=$(python3 -c "print(round(($c1 - $c0) / $hz, 2))")
sensor_cpu=$([[ -f $work/drain.time ]] && awk '{printf "%.2f", $1 + $2}' "$work/drain.time" || echo "?")
((lines == records + 1)) || { echo "delivery-bench: the collector stored $lines lines, expected $((records + 1))" >&2; exit 1; }

# ---------------------------------------------------------------- 4. end to end
log "4. end to end: replay $(basename "$pcap") --collector (new spool)"
rm -f "$work/collected.jsonl" "$work/collected.jsonl.state"
start_collector "$work/collected.jsonl"
t0=$(date +%s%N)
java "${jopts[@]}" -jar "$jar" replay "$pcap" --spool "$work/spool2" --collector "127.0.0.1:$port" --plaintext --sensor-id bench2 \
  --drain-timeout 10m 2>"$work/e2e.log" || { cat "$work/e2e.log" >&2; exit 1; }
t1=$(date +%s%N)
cat "$work/e2e.log" >&2
stop_collector
e2e_s=$(python3 -c "print(round(($t1 - $t0) / 1e9, 3))")
e2e_rate=$(python3 -c "print(round($records / (($t1 - $t0) / 1e9)))")

# ---------------------------------------------------------------- table
cat <<EOF

| step | records | seconds | records/s | notes |
| --- | ---: | ---: | ---: | --- |
| spool write (SpoolBench, 1 thread) | 2000000 | | $(python3 -c "print(round(1e9 / $write_ns))") | $write_ns ns per record, $write_bytes bytes per record on disk |
| fill: replay into the spool | $records | $fill_s | $(python3 -c "print(round($records / $fill_s))") | pipeline + spool writer |
| **drain: spool -> gRPC -> collector** | $drained | $drain_s | **$drain_rate** | CPU: sensor $sensor_cpu s (JVM start included), collector $collector_cpu s |
| end to end: replay --collector | $records | $e2e_s | $e2e_rate | wall time incl. JVM start, records made while delivered |

machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); collector file fsynced before every ack
EOF
if ((drain_rate >= 300000)); then
  echo "goal (>= 300000 flow records/s through spool -> gRPC -> collector): PASS ($drain_rate)"
else
  echo "goal (>= 300000 flow records/s through spool -> gRPC -> collector): FAIL ($drain_rate)"
fi
