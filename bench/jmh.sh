#!/usr/bin/env bash
# jmh.sh - JMH benchmark of the per-packet path (decode + flow update) with -prof gc.
#
# Usage: bench/jmh.sh [--build] [SLICE.pcap] [-- JMH-ARGS...]
#   --build      rebuild bench/jmh/target/benchmarks.jar first (done anyway when it is missing):
#                mvn -B -q -Pbench -pl bench/jmh -am package -DskipTests
#   SLICE.pcap   a small classic pcap to replay in a loop (default: $BENCH_SLICE, else
#                /work/bench-data/bench-slice.pcap, cut when missing from the bench capture
#                $BENCH_PCAP (default /work/bench-data/bench.pcap) with
#                editcap -F pcap -r BENCH_PCAP SLICE 1-100000)
#   JMH-ARGS     passed to JMH, e.g. -- -wi 1 -i 2 -f 1 for a quick look
#
# Prints a markdown table per benchmark: ns/op (one op = one packet), packets/s of one core,
# B/op allocated (gc.alloc.rate.norm; the target is ~0), records emitted per op, GC count.
# The raw JMH JSON is kept in bench/jmh/target/jmh-result.json.
set -euo pipefail

die() { echo "jmh: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=$repo/bench/jmh/target/benchmarks.jar

build=0
slice=${BENCH_SLICE:-}
jmh_args=()
while (($#)); do
  case $1 in
    --build) build=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    --) shift; jmh_args=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) slice=$1; shift ;;
  esac
done

if ((build)) || [[ ! -f $jar ]]; then
  echo "jmh: building $jar ..." >&2
  (cd "$repo" && mvn -B -q -Pbench -pl bench/jmh -am package -DskipTests) || die "build failed"
fi

if [[ -z $slice ]]; then
  slice=/work/bench-data/bench-slice.pcap
  if [[ ! -f $slice ]]; then
    src=${BENCH_PCAP:-/work/bench-data/bench.pcap}
    [[ -f $src ]] || die "no slice and no bench capture at $src (see bench/README.md, or pass SLICE.pcap)"
    command -v editcap >/dev/null || die "editcap missing (apt-get install -y wireshark-common)"
    echo "jmh: cutting $slice from $src (packets 1-100000)" >&2
    editcap -F pcap -r "$src" "$slice" 1-100000
  fi
fi
[[ -f $slice ]] || die "no capture at $slice"
slice=$(cd "$(dirname -- "$slice")" && pwd)/$(basename -- "$slice")

out=$repo/bench/jmh/target/jmh-result.json
java -jar "$jar" PacketPathBenchmark -prof gc -p pcap="$slice" -rf json -rff "$out" "${jmh_args[@]}"

python3 - "$out" "$slice" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
print()
print(f"JMH, {sys.argv[2].rsplit('/', 1)[-1]}, one op = one packet")
print()
print("| benchmark | ns/op | packets/s (1 core) | B/op | records/op | GC count |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for r in res:
    name = r["benchmark"].rsplit(".", 1)[-1]
    pm = r["primaryMetric"]
    sec = r.get("secondaryMetrics", {})
    def score(k, fmt):
        m = sec.get(k)
        return fmt.format(m["score"]) if m else "n/a"
    rec, pk = sec.get("records"), sec.get("packets")
    rpo = f"{rec['score'] / pk['score']:.5f}" if rec and pk and pk["score"] else "n/a"
    ns = pm["score"]
    err = pm.get("scoreError")
    err = f" ± {err:.1f}" if isinstance(err, (int, float)) and err == err else ""
    print(f"| {name} | {ns:.1f}{err} | {1e9 / ns:,.0f} | {score('gc.alloc.rate.norm', '{:.3f}')} "
          f"| {rpo} | {score('gc.count', '{:.0f}')} |")
EOF
