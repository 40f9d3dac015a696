#!/usr/bin/env bash
# replay-bench.sh - how fast does the sensor replay a capture, next to a read floor and a peer.
#
# Usage: bench/replay-bench.sh [--sensor-args 'ARGS'] [--vxlan WRAPPED] PCAP [RUNS]
#   PCAP    the capture to replay (make a realistic 1 GiB one with
#           ../shared/bench/make-bench-pcap.sh, see bench/README.md; never commit it)
#   RUNS    runs per tool (default 3); the table shows the median wall time
#   --sensor-args 'ARGS'   extra arguments for `sensor.jar replay`, e.g. '--workers 2'
#   --vxlan WRAPPED        also replay WRAPPED, the same capture with every frame in VXLAN
#                          (made by bench/vxlan-wrap.py PCAP WRAPPED), as tool "sensor-vxlan" in
#                          the same interleaved runs, and print its packets/s and CPU seconds as a
#                          fraction of the plain replay's (the tunnel goal: >= 85 %)
#
# Environment:
#   SENSOR_JAR        the fat jar (default: sensor/target/sensor.jar beside this script's repo)
#   SENSOR_JAVA_OPTS  JVM flags for the sensor (default: -Xmx1g)
#   BENCH_TOOLS       which tools to run, space separated (default: "tcpdump ndpi sensor")
#   BENCH_LOG_DIR     where each run's /usr/bin/time report and stderr are kept
#                     (default: a new directory under /tmp, printed at the end)
#
# What runs, RUNS times each, interleaved (run 1 of every tool, then run 2, ...) so that a
# drift of the machine (another build starting, thermal) hits every tool alike:
#   tcpdump    tcpdump -r PCAP -w /dev/null          libpcap's read-and-copy floor: no decoding
#   ndpiReader ndpiReader -q -i PCAP                 the closest peer (nDPI: flows + L7 detection),
#                                                    only when installed (Debian: libndpi-bin)
#   sensor     java $SENSOR_JAVA_OPTS -jar SENSOR_JAR replay PCAP --out /dev/null ARGS
#                                                    JVM start included, as an analyst runs it
#   sensor-vxlan  the same over WRAPPED              only with --vxlan
# Each run is measured with GNU time (/usr/bin/time -v; Debian: time): wall clock (taken with
# date +%s%N around the command, finer than time's 10 ms), user+sys CPU seconds, max RSS.
# The page cache is warmed first (cat PCAP > /dev/null) so every tool reads from memory.
#
# Output: a markdown table, one row per tool:
#   wall s     median wall time over the runs
#   pkts/s     packets in the file / median wall      (packets counted once with capinfos)
#   MB/s       file bytes / median wall, MB = 10^6 bytes
#   CPU s      median of user+sys CPU seconds
#   RSS MiB    the largest max RSS over the runs
# then the sensor's packets/s as a fraction of the floor's and of ndpiReader's, and the
# issue's goal (>= 40 % of the floor, max RSS < 1 GiB) as PASS/FAIL.
#
# Exit status: 0 after a complete table (whatever the verdict), 2 on bad usage, a missing
# sensor jar or a missing tool, 1 when a tool run failed.
set -euo pipefail

die() { echo "replay-bench: $*" >&2; exit 2; }
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

# ---------------------------------------------------------------- arguments
sensor_args=()
vxlan_pcap=""
pos=()
while (($#)); do
  case $1 in
    --sensor-args) (($# >= 2)) || die "--sensor-args needs a value"; read -r -a sensor_args <<<"$2"; shift 2 ;;
    --sensor-args=*) read -r -a sensor_args <<<"${1#*=}"; shift ;;
    --vxlan) (($# >= 2)) || die "--vxlan needs a capture"; vxlan_pcap=$2; shift 2 ;;
    --vxlan=*) vxlan_pcap=${1#*=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    --) shift; pos+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) pos+=("$1"); shift ;;
  esac
done
((${#pos[@]} >= 1 && ${#pos[@]} <= 2)) || die "usage: $0 [--sensor-args 'ARGS'] [--vxlan WRAPPED] PCAP [RUNS]"
pcap=${pos[0]}
runs=${pos[1]:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$runs'"
[[ -f $pcap && -r $pcap ]] || die "no readable capture at $pcap"
pcap=$(cd "$(dirname -- "$pcap")" && pwd)/$(basename -- "$pcap")
if [[ -n $vxlan_pcap ]]; then
  [[ -f $vxlan_pcap && -r $vxlan_pcap ]] || die "no readable capture at $vxlan_pcap (make it with bench/vxlan-wrap.py)"
  vxlan_pcap=$(cd "$(dirname -- "$vxlan_pcap")" && pwd)/$(basename -- "$vxlan_pcap")
fi

jar=${SENSOR_JAR:-$repo/sensor/target/sensor.jar}
read -r -a java_opts <<<"${SENSOR_JAVA_OPTS:--Xmx1g}"
read -r -a tools <<<"${BENCH_TOOLS:-tcpdump ndpi sensor}"
if [[ -n $vxlan_pcap ]]; then tools+=(sensor-vxlan); fi

[[ -x /usr/bin/time ]] || die "GNU time is missing (apt-get install -y time)"
command -v capinfos >/dev/null || command -v tcpdump >/dev/null \
  || die "need capinfos (wireshark-common) or tcpdump to count packets"
want() { local t; for t in "${tools[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
if want sensor || want sensor-vxlan; then
  [[ -f $jar ]] || die "sensor jar not found at $jar: build it first (mvn -B -q package -DskipTests)"
  command -v java >/dev/null || die "java not found"
fi
if want tcpdump; then command -v tcpdump >/dev/null || die "tcpdump not found (apt-get install -y tcpdump)"; fi
if want ndpi && ! command -v ndpiReader >/dev/null; then
  echo "replay-bench: ndpiReader not installed (apt-get install -y libndpi-bin): skipping it" >&2
  tools=("${tools[@]/ndpi}")
fi

logdir=${BENCH_LOG_DIR:-$(mktemp -d /tmp/replay-bench.XXXXXX)}
mkdir -p "$logdir"

# ---------------------------------------------------------------- the file
load_before=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load_before" -v c="$(nproc)" 'BEGIN{exit !(l > c / 2)}'; then
  echo "replay-bench: warning: load average $load_before on $(nproc) cores: other work will skew the figures" >&2
fi
echo "warming the page cache with $pcap ..." >&2
cat -- "$pcap" > /dev/null
[[ -z $vxlan_pcap ]] || cat -- "$vxlan_pcap" > /dev/null
bytes=$(stat -c %s -- "$pcap")
if command -v capinfos >/dev/null; then
  packets=$(capinfos -M -c -- "$pcap" | awk -F: '/Number of packets/{gsub(/[^0-9]/,"",$2); print $2}')
else
  packets=$(tcpdump -r "$pcap" -n -q 2>/dev/null | wc -l)
fi
[[ $packets =~ ^[0-9]+$ && $packets -gt 0 ]] || die "could not count the packets of $pcap"
echo "$packets packets, $bytes bytes" >&2
count_packets() {
  if command -v capinfos >/dev/null; then
    capinfos -M -c -- "$1" | awk -F: '/Number of packets/{gsub(/[^0-9]/,"",$2); print $2}'
  else
    tcpdump -r "$1" -n -q 2>/dev/null | wc -l
  fi
}
if [[ -n $vxlan_pcap ]]; then
  vx_packets=$(count_packets "$vxlan_pcap")
  ((vx_packets == packets)) || die "$vxlan_pcap has $vx_packets packets, $pcap $packets: not its VXLAN copy"
fi

# ---------------------------------------------------------------- one run
# run_one TOOL I: runs TOOL once, appends "wall cpu rss_kib" to $logdir/TOOL.results
run_one() {
  local tool=$1 i=$2 cmd=()
  case $tool in
    tcpdump) cmd=(tcpdump -n -r "$pcap" -w /dev/null) ;;
    ndpi)    cmd=(ndpiReader -q -i "$pcap") ;;
    sensor)  cmd=(java "${java_opts[@]}" -jar "$jar" replay "$pcap" --out /dev/null "${sensor_args[@]}") ;;
    sensor-vxlan) cmd=(java "${java_opts[@]}" -jar "$jar" replay "$vxlan_pcap" --out /dev/null "${sensor_args[@]}") ;;
    *) die "unknown tool '$tool' in BENCH_TOOLS (tcpdump ndpi sensor)" ;;
  esac
  local tfile=$logdir/$tool.$i.time efile=$logdir/$tool.$i.stderr t0 t1 rc=0
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$tfile" -- "${cmd[@]}" > "$logdir/$tool.$i.stdout" 2> "$efile" || rc=$?
  t1=$(date +%s%N)
  if ((rc != 0)); then
    echo "replay-bench: $tool run $i failed (exit $rc): ${cmd[*]}" >&2
    tail -n 5 -- "$efile" >&2
    return 1
  fi
  awk -v wall_ns=$((t1 - t0)) -F': ' '
    /User time \(seconds\)/   { cpu += $2 }
    /System time \(seconds\)/ { cpu += $2 }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.3f %.2f %d\n", wall_ns / 1e9, cpu, rss }' "$tfile" >> "$logdir/$tool.results"
  printf '  %-12s run %d: %s\n' "$tool" "$i" "$(tail -n 1 "$logdir/$tool.results" | awk '{printf "wall %s s, cpu %s s, rss %d MiB", $1, $2, $3/1024}')" >&2
}

active=()
for t in "${tools[@]}"; do [[ -n $t ]] && active+=("$t"); done
((${#active[@]})) || die "no tool to run"
for t in "${active[@]}"; do : > "$logdir/$t.results"; done
failed=0
for ((i = 1; i <= runs; i++)); do
  echo "run $i/$runs" >&2
  for t in "${active[@]}"; do run_one "$t" "$i" || failed=1; done
done
((failed == 0)) || { echo "replay-bench: a run failed; logs in $logdir" >&2; exit 1; }

# ---------------------------------------------------------------- the table
median() { sort -g | awk '{v[NR]=$1} END{ if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }'; }
declare -A wall cpu rss pps label
label=([tcpdump]="tcpdump -r -w /dev/null (floor)" [ndpi]="ndpiReader -q" [sensor]="sensor replay"
  [sensor-vxlan]="sensor replay, VXLAN-wrapped")
for t in "${active[@]}"; do
  wall[$t]=$(awk '{print $1}' "$logdir/$t.results" | median)
  cpu[$t]=$(awk '{print $2}' "$logdir/$t.results" | median)
  rss[$t]=$(awk '{print $3}' "$logdir/$t.results" | sort -g | tail -n 1)
  pps[$t]=$(awk -v p="$packets" -v w="${wall[$t]}" 'BEGIN{printf "%.0f", p / w}')
done

echo
cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
printf '%s, %d packets, %.1f MB; %d run(s) each; %s, %d cores (%s); load %s before, %s after; %s\n' \
  "$(basename -- "$pcap")" "$packets" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')" "$runs" \
  "$(uname -m)" "$(nproc)" "${cpu_model:-?}" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" \
  "$(date -u +%Y-%m-%dT%H:%MZ)"
want sensor && printf 'sensor: %s %s replay --out /dev/null %s\n' "${java_opts[*]}" "$(basename -- "$jar")" "${sensor_args[*]:-}"
echo
echo "| tool | wall s (median) | packets/s | MB/s | CPU s | max RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for t in "${active[@]}"; do
  awk -v l="${label[$t]}" -v w="${wall[$t]}" -v p="${pps[$t]}" -v b="$bytes" -v c="${cpu[$t]}" -v r="${rss[$t]}" '
    function group(n,   s) { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
    BEGIN { printf "| %s | %.2f | %s | %.1f | %.2f | %.0f |\n", l, w, group(p), b / w / 1e6, c, r / 1024 }'
done
if [[ -n ${pps[sensor]:-} ]]; then
  echo
  verdict=0
  if [[ -n ${pps[tcpdump]:-} ]]; then
    r=$(awk -v s="${pps[sensor]}" -v f="${pps[tcpdump]}" 'BEGIN{printf "%.1f", 100 * s / f}')
    ok=$(awk -v r="$r" 'BEGIN{print (r >= 40) ? "PASS" : "FAIL"}')
    [[ $ok == PASS ]] || verdict=1
    echo "- sensor / tcpdump floor (packets/s): **$r %** (goal >= 40 %: $ok)"
  fi
  if [[ -n ${pps[ndpi]:-} ]]; then
    r=$(awk -v s="${pps[sensor]}" -v n="${pps[ndpi]}" 'BEGIN{printf "%.2f", s / n}')
    echo "- sensor / ndpiReader (packets/s): **${r}x**"
  fi
  ok=$(awk -v r="${rss[sensor]}" 'BEGIN{print (r < 1048576) ? "PASS" : "FAIL"}')
  [[ $ok == PASS ]] || verdict=1
  echo "- sensor max RSS: $(awk -v r="${rss[sensor]}" 'BEGIN{printf "%.0f", r / 1024}') MiB (goal < 1024 MiB: $ok)"
  if [[ -n ${pps[sensor-vxlan]:-} ]]; then
    r=$(awk -v v="${pps[sensor-vxlan]}" -v s="${pps[sensor]}" 'BEGIN{printf "%.1f", 100 * v / s}')
    c=$(awk -v v="${cpu[sensor-vxlan]}" -v s="${cpu[sensor]}" 'BEGIN{printf "%.1f", 100 * s / v}')
    ok=$(awk -v r="$r" 'BEGIN{print (r >= 85) ? "PASS" : "FAIL"}')
    [[ $ok == PASS ]] || verdict=1
    echo "- sensor VXLAN-wrapped / plain (packets/s): **$r %** (goal >= 85 %: $ok); by CPU seconds (plain / wrapped): $c %"
  fi
  ((verdict == 0)) && echo "- verdict: goal met" || echo "- verdict: goal NOT met"
fi
echo
echo "logs: $logdir" >&2
