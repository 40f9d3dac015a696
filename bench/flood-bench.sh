#!/usr/bin/env bash
# Flood benchmark: does the sensor stay within its memory budget, count what it evicts, and still
# report the legit traffic right, when a capture is mostly an attack?
#
#   bench/flood-bench.sh [SCALE] [MAX_FLOWS...]     defaults: SCALE 1, MAX_FLOWS 1000000
#
# Generates (bench/flood-gen.py, python3 standard library) into bench/out/flood/ (gitignored):
#   syn-flood.pcap   10^6 SYN-only flows          dns-flood.pcap   10^6 DNS queries never answered
#   gap-flood.pcap   10^5 TCP streams with a gap each
# each with four legit captures of testdata/ mixed in (tcp-sf, dns-udp, tls12, http-8080). Replays
# each with `java -Xmx1g` under /usr/bin/time -v, once per --max-flows, and prints: max RSS, wall time,
# the flow counters of the stats line (made, evicted, timed out, closed, flushed, records), missed
# bytes, and whether every legit flow's record equals the one in testdata/NAME.expected.jsonl (all
# fields but end_reason: a flow that ends inside or after a flood may be evicted or closed by a timer
# instead of being flushed at the end of the input). Exit 1 if a legit record is wrong or missing, or
# a record count does not add up.
#
# Budget: the heap is capped at 1 GiB (-Xmx1g), and the sensor's tables at 512 MiB through their
# byte caps (BUDGET below: flows 256 MiB, reassembly 128 MiB, DNS pending 64 MiB, HTTP pending
# 32 MiB, IP fragments 32 MiB), whatever --max-flows says. The max RSS printed is the process's
# (heap + JIT + metaspace + thread stacks + mapped capture windows of 16 MiB); live_MiB is the
# largest heap left after a GC (-Xlog:gc), an upper bound of the live tables and state: RSS alone
# shows mostly how far G1 let the heap grow. cpu_s is user + system CPU seconds (the box is shared:
# wall time depends on the load). ev_mem is flows_evicted_memory (of evicted), dns_ev and http_ev
# the pending DNS messages and HTTP requests written early by their caps.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
shift || true
limits=("$@")
if (( ${#limits[@]} == 0 )); then limits=(1000000); fi
MiB=$((1 << 20))
# FLOW_MIB, REASSEMBLY_MIB, DNS_MIB, HTTP_MIB, FRAG_MIB override a share (e.g. DNS_MIB=8 to see the
# DNS pending cap at work before the flow cap); CAPTURES="dns-flood" runs only that one
BUDGET=(--flow-memory $((${FLOW_MIB:-256} * MiB)) --reassembly-memory $((${REASSEMBLY_MIB:-128} * MiB))
        --dns-pending-memory $((${DNS_MIB:-64} * MiB)) --http-pending-memory $((${HTTP_MIB:-32} * MiB))
        --fragments-memory $((${FRAG_MIB:-32} * MiB)))

jar=sensor/target/sensor.jar
if [[ ! -f $jar ]]; then
  mvn -B -q -pl sensor -am package -DskipTests
fi
dir=bench/out/flood
mkdir -p "$dir"
if [[ ! -f $dir/scale || "$(cat "$dir/scale")" != "$scale" ]]; then
  python3 bench/flood-gen.py "$dir" "$scale"
  echo "$scale" >"$dir/scale"
fi

fail=0
printf '%-15s %9s %8s %8s %7s %6s %9s %9s %8s %9s %9s %9s %9s %8s %8s %10s %s\n' capture max_flows rss_MiB live_MiB wall_s cpu_s made evicted ev_mem timed_out closed flushed records dns_ev http_ev missed_B legit
for cap in ${CAPTURES:-syn-flood dns-flood gap-flood}; do
  for limit in "${limits[@]}"; do
    out=$dir/$cap-$limit.jsonl
    /usr/bin/time -v java -Xmx1g -Xlog:gc:file="$dir/$cap-$limit.gc.log" -jar "$jar" replay "$dir/$cap.pcap" \
      --out "$out" --max-flows "$limit" "${BUDGET[@]}" 2>"$dir/$cap-$limit.time" || true
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/$cap-$limit.time")
    # the largest heap left after a GC: an upper bound of what was live then (tables, pending state)
    live=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$dir/$cap-$limit.gc.log" | awk -F'->' '{split($2,a,"M"); if (a[1]+0>m) m=a[1]+0} END {print m+0}')
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/$cap-$limit.time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.0f", s}' "$dir/$cap-$limit.time")
    if ! python3 - "$out" "$cap" "$limit" "$rss_kb" "$wall" "$live" "$cpu" <<'EOF'
import json, sys, os
out, cap, limit, rss_kb, wall, live, cpu = sys.argv[1:8]
want = {}
for name in ("tcp-sf", "dns-udp", "tls12", "http-8080"):
    for line in open(os.path.join("testdata", name + ".expected.jsonl")):
        ev = json.loads(line)
        if "flow" in ev:
            want[ev["flow"]["uid"]] = (name, ev["flow"])
stats = None
got = {}
missed = 0
flows = 0
with open(out) as f:
    for line in f:
        ev = json.loads(line)
        if "stats" in ev:
            stats = ev["stats"]
        elif "flow" in ev:
            flows += 1
            fl = ev["flow"]
            missed += int(fl.get("missed_bytes", 0))
            if fl["uid"] in want:
                got[fl["uid"]] = fl
c = stats["counters"]
ok = True
bad = []
ends = {}
for uid, (name, w) in want.items():
    g = got.get(uid)
    if g is None:
        bad.append(name + " " + uid + " missing")
        continue
    ends[g["end_reason"]] = ends.get(g["end_reason"], 0) + 1
    a = {k: v for k, v in w.items() if k != "end_reason"}
    b = {k: v for k, v in g.items() if k != "end_reason"}
    if a != b:
        diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        bad.append("%s %s differs: %s" % (name, uid, diff))
made, rec = int(c["flows_made"]), int(c["flow_records"])
parts = sum(int(c[k]) for k in ("flows_evicted", "flows_timed_out", "flows_closed", "flows_reused", "flows_flushed"))
if made != rec or rec != parts or rec != flows or int(c["worker_errors"]) != 0:
    bad.append("counters do not add up: made %d records %d (by reason %d) lines %d worker errors %s"
               % (made, rec, parts, flows, c["worker_errors"]))
legit = "ok %d/%d (%s)" % (len(want) - len([b for b in bad if "differs" in b or "missing" in b]), len(want),
                           ", ".join("%s %d" % (k.replace("END_REASON_", "").lower(), v) for k, v in sorted(ends.items())))
print("%-15s %9s %8.0f %8s %7s %6s %9d %9s %8s %9s %9s %9s %9d %8s %8s %10d %s" % (
    cap, limit, int(rss_kb) / 1024, live, wall, cpu, made, c["flows_evicted"], c.get("flows_evicted_memory", 0),
    c["flows_timed_out"], c["flows_closed"], c["flows_flushed"], rec, c.get("dns_pending_evicted", 0),
    c.get("http_weird_http_pending_evicted", 0), missed, legit if not bad else "FAIL"))
for b in bad:
    print("   " + b)
sys.exit(1 if bad else 0)
EOF
    then fail=1; fi
  done
done
exit $fail
