#!/usr/bin/env bash
# profile-replay.sh - where does `sensor replay` spend its time? One profiled run, three views.
#
# Usage: bench/profile-replay.sh PCAP [-- REPLAY-ARGS...]
#   e.g. bench/profile-replay.sh /work/bench-data/bench.pcap -- --workers 1
#
# Environment: SENSOR_JAR (default sensor/target/sensor.jar), SENSOR_JAVA_OPTS (default -Xmx1g),
#              PROFILE_DIR (default: a new directory under /tmp; the recording stays there).
#
# Runs the replay once (output to /dev/null) with Java Flight Recorder, method sampling every
# 1 ms (the JDK's "profile" settings sample every 10-20 ms, too coarse for a run of seconds), and
# prints:
#   1. CPU seconds per thread, from /proc/PID/task/*/stat polled every 20 ms: the app threads
#      (main = reader + ingest, Thread-N = Disruptor consumers), but also the JIT compilers and
#      GC threads, which JFR's samples do not show and which compete for the same cores.
#   2. per Java thread: the top frames by samples (self), and the project's frames including
#      their callees (inclusive).
#   3. the top allocation sites (jdk.ObjectAllocationSample, by sampled weight).
# Needs java (with jfr) and python3.
set -euo pipefail

die() { echo "profile-replay: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
(($# >= 1)) || die "usage: $0 PCAP [-- REPLAY-ARGS...]"
pcap=$1; shift
[[ ${1:-} == -- ]] && shift
[[ -r $pcap ]] || die "no readable capture at $pcap"
jar=${SENSOR_JAR:-$repo/sensor/target/sensor.jar}
[[ -f $jar ]] || die "sensor jar not found at $jar: build it first (mvn -B -q package -DskipTests)"
command -v jfr >/dev/null || die "jfr (the JDK's tool) not on PATH"
command -v python3 >/dev/null || die "python3 missing"
read -r -a java_opts <<<"${SENSOR_JAVA_OPTS:--Xmx1g}"
dir=${PROFILE_DIR:-$(mktemp -d /tmp/profile-replay.XXXXXX)}
mkdir -p "$dir"

java_home=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.home =/{print $2}')
jfc=$java_home/lib/jfr/profile.jfc
[[ -f $jfc ]] || die "no $jfc"
sed -E 's|<setting name="period" control="method-sampling-java-interval">[^<]*</setting>|<setting name="period">1 ms</setting>|' \
  "$jfc" > "$dir/sampling.jfc"

cat -- "$pcap" > /dev/null   # page cache warm, as in replay-bench.sh
java "${java_opts[@]}" -XX:StartFlightRecording=filename="$dir/replay.jfr",settings="$dir/sampling.jfc" \
  -jar "$jar" replay "$pcap" --out /dev/null "$@" 2> "$dir/stderr" &
pid=$!
declare -A ticks name
t0=$(date +%s%N)
while kill -0 "$pid" 2>/dev/null; do
  for t in /proc/"$pid"/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue
    n=${s#*(}; n=${n%%)*}
    read -r -a f <<<"${s##*) }"
    ticks[${t##*/}]=$(( f[11] + f[12] )); name[${t##*/}]=$n
  done
  sleep 0.02
done
rc=0; wait "$pid" || rc=$?
wall=$(( ($(date +%s%N) - t0) / 1000000 ))
((rc == 0)) || { tail -n 5 "$dir/stderr" >&2; die "replay failed (exit $rc)"; }

hz=$(getconf CLK_TCK)
echo "== CPU seconds per thread (wall ${wall} ms; $(basename -- "$pcap"); ${java_opts[*]} $*)"
for tid in "${!ticks[@]}"; do echo "${ticks[$tid]}|${name[$tid]}"; done \
  | awk -F'|' -v hz="$hz" '{s[$2] += $1; tot += $1} END {for (k in s) if (s[k] > 0) printf "%7.2f s  %s\n", s[k] / hz, k; printf "%7.2f s  (all threads)\n", tot / hz}' \
  | sort -rn
echo

jfr print --json --events jdk.ExecutionSample --stack-depth 64 "$dir/replay.jfr" > "$dir/samples.json"
jfr print --json --events jdk.ObjectAllocationSample --stack-depth 8 "$dir/replay.jfr" > "$dir/alloc.json"
python3 - "$dir/samples.json" "$dir/alloc.json" <<'EOF'
import collections, json, sys

def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f["method"]
        cls = m["type"]["name"].replace("/", ".").rsplit(".", 1)[-1]  # simple name: Outer$Inner
        out.append(cls + "." + m["name"])
    return out

samples = json.load(open(sys.argv[1]))["recording"]["events"]
by = collections.defaultdict(list)
for ev in samples:
    t = ev["values"]["sampledThread"]
    by[t.get("javaName") or t.get("osName") or "?"].append(frames(ev))
total = sum(len(v) for v in by.values())
print(f"== Java method samples: {total} (JFR samples some running Java threads every 1 ms: compare")
print("   threads with the CPU seconds above; within a thread the shares below are fair)")
for t, st in sorted(by.items(), key=lambda x: -len(x[1])):
    if len(st) < max(5, total // 100):
        continue
    print(f"-- {t}: {len(st)} samples ({100 * len(st) / total:.0f} %)")
    for f, n in collections.Counter(s[0] for s in st if s).most_common(10):
        print(f"   self {100 * n / len(st):5.1f} %  {f}")
    inc = collections.Counter()
    for s in st:
        for f in set(s):
            inc[f] += 1
    shown = 0
    for f, n in inc.most_common():
        cls = f.split(".")[0]
        if cls in ("Thread", "BatchEventProcessor", "Main") or cls.startswith("CommandLine"):
            continue  # every sample of the thread passes through these
        print(f"   incl {100 * n / len(st):5.1f} %  {f}")
        shown += 1
        if shown == 12:
            break

alloc = json.load(open(sys.argv[2]))["recording"]["events"]
w = collections.Counter()
for ev in alloc:
    fs = frames(ev)
    cls = ev["values"]["objectClass"]["name"]
    site = " <- ".join(fs[:3])
    w[f"{cls} @ {site}"] += ev["values"]["weight"]
tw = sum(w.values()) or 1
print()
print(f"== allocation, sampled weight {tw / 1e6:.0f} MB in all; top sites")
for k, n in w.most_common(15):
    print(f"   {100 * n / tw:5.1f} %  {k}")
EOF
echo
echo "recording: $dir/replay.jfr (jfr print --events jdk.ExecutionSample ...)"
