#!/usr/bin/env bash
# jmh.sh - JMH benchmark of the per-packet path (decode + flow update) with -prof gc.
#
# Usage: bench/jmh.sh [--build] [--alloc-sites] [SLICE.pcap] [-- JMH-ARGS...]
#   --build      rebuild bench/jmh/target/benchmarks.jar first (done anyway when it is missing):
#                mvn -B -q -Pbench -pl bench/jmh -am package -DskipTests
#   --alloc-sites  then run decodeAndFlow once more under JFR (JMH's -prof jfr) and split the
#                sampled allocations into those made while building a record (FlowRecords, the
#                JSON/protobuf side: allowed, once per flow) and all others (per packet: the
#                hot-path rule says there must be none), with the top sites of each
#   SLICE.pcap   a small classic pcap to replay in a loop (default: $BENCH_SLICE, else
#                /work/bench-data/bench-slice.pcap, cut when missing from the bench capture
#                $BENCH_PCAP (default /work/bench-data/bench.pcap) with
#                editcap -F pcap -r BENCH_PCAP SLICE 1-100000)
#   JMH-ARGS     passed to JMH, e.g. -- -wi 1 -i 2 -f 1 for a quick look
#
# Runs PacketPathBenchmark (decode; decode + flow update; one op = one packet),
# TunnelPathBenchmark (the same packets wrapped in VXLAN: decode; decode + parent uid + outer and
# inner flow update) and
# RecordJsonBenchmark (one flow record as a JSON line with protobuf's JsonFormat, and as protobuf
# binary; one op = one record, from testdata/*.expected.jsonl) and prints a markdown table:
# ns/op, ops/s of one core, B/op allocated (gc.alloc.rate.norm; the target of the packet path is
# ~0), flow records emitted per op, GC count.
# The raw JMH JSON is kept in bench/jmh/target/jmh-result.json.
set -euo pipefail

die() { echo "jmh: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=$repo/bench/jmh/target/benchmarks.jar

build=0
alloc_sites=0
slice=${BENCH_SLICE:-}
jmh_args=()
while (($#)); do
  case $1 in
    --build) build=1; shift ;;
    --alloc-sites) alloc_sites=1; shift ;;
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
java -jar "$jar" 'PacketPathBenchmark|RecordJsonBenchmark|TunnelPathBenchmark' -prof gc -p pcap="$slice" -p testdata="$repo/testdata" \
  -rf json -rff "$out" "${jmh_args[@]}"

python3 - "$out" "$slice" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
print()
print(f"JMH; PacketPathBenchmark: {sys.argv[2].rsplit('/', 1)[-1]}, one op = one packet; "
      "RecordJsonBenchmark: testdata/*.expected.jsonl flow records, one op = one record")
print()
print("| benchmark | ns/op | ops/s (1 core) | B/op | records/op | GC count |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for r in res:
    name = ".".join(r["benchmark"].rsplit(".", 2)[-2:])
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

((alloc_sites)) || exit 0
# ---------------------------------------------------------------- allocation sites
jfr_dir=$repo/bench/jmh/target/jfr
rm -rf "$jfr_dir"; mkdir -p "$jfr_dir"
echo >&2; echo "jmh: allocation sites of decodeAndFlow (JFR) ..." >&2
java -jar "$jar" 'PacketPathBenchmark.decodeAndFlow' -p pcap="$slice" -wi 2 -i 3 \
  -prof "jfr:dir=$jfr_dir;configName=profile" > "$jfr_dir/jmh.log" 2>&1 || { tail -5 "$jfr_dir/jmh.log" >&2; die "JFR run failed"; }
rec=$(find "$jfr_dir" -name '*.jfr' | head -n 1)
[[ -n $rec ]] || die "no JFR recording in $jfr_dir"
jfr print --json --events jdk.ObjectAllocationSample --stack-depth 24 "$rec" > "$jfr_dir/alloc.json"
python3 - "$jfr_dir/alloc.json" <<'PY'
import collections, json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
def frames(ev):
    out = []
    for f in (ev["values"].get("stackTrace") or {}).get("frames", []):
        m = f["method"]
        out.append(m["type"]["name"].replace("/", ".") + "." + m["name"])
    return out
per_record, per_packet, other = collections.Counter(), collections.Counter(), collections.Counter()
tot = collections.Counter()
for ev in events:
    fs = frames(ev)
    w = ev["values"]["weight"]
    cls = ev["values"]["objectClass"]["name"]
    short = lambda f: f.rsplit(".", 2)[-2] + "." + f.rsplit(".", 1)[-1]
    site = f"{cls} @ " + " <- ".join(short(f) for f in fs[:3])
    if not any("PacketPathBenchmark" in f for f in fs):
        other[site] += w; tot["other"] += w            # JMH / JVM threads, not the benchmark
    elif any(".FlowRecords." in f for f in fs):
        per_record[site] += w; tot["record"] += w
    else:
        per_packet[site] += w; tot["packet"] += w
print()
print("| allocations (JFR samples, by weight) | MB | share of the benchmark thread |")
print("| --- | ---: | ---: |")
bt = (tot["record"] + tot["packet"]) or 1
print(f"| building records (FlowRecords...) | {tot['record'] / 1e6:.0f} | {100 * tot['record'] / bt:.1f} % |")
print(f"| elsewhere on the packet path | {tot['packet'] / 1e6:.0f} | {100 * tot['packet'] / bt:.1f} % |")
for title, c in (("per packet (should be empty)", per_packet), ("per record", per_record)):
    print(f"\ntop sites, {title}:")
    for k, n in c.most_common(8):
        print(f"  {100 * n / bt:5.1f} %  {k}")
PY
