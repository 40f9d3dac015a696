#!/usr/bin/env bash
# replay-bench.sh - how fast does the sensor replay a capture, next to a read floor and a peer.
#
# Usage: bench/replay-bench.sh [--launcher PATH] [--sensor-args 'ARGS'] [--vxlan WRAPPED] PCAP [RUNS]
#   PCAP    the capture to replay (make a realistic 1 GiB one with
#           ../shared/bench/make-bench-pcap.sh, see bench/README.md; never commit it)
#   RUNS    runs per tool (default 3); the table shows the median wall time
#   --sensor-args 'ARGS'   extra arguments for `sensor.jar replay`, e.g. '--workers 2'
#   --launcher PATH        run the sensor through the launcher the build makes (sensor/target/sensor:
#                          its tuned JVM options and class data sharing archive) instead of
#                          `java $SENSOR_JAVA_OPTS -jar SENSOR_JAR`; SENSOR_JAVA_OPTS, when set, is
#                          handed to the launcher (which puts it after its own options)
#   --vxlan WRAPPED        also replay WRAPPED, the same capture with every frame in VXLAN
#                          (made by bench/vxlan-wrap.py PCAP WRAPPED), as tool "sensor-vxlan" in
#                          the same interleaved runs, and print its packets/s and CPU seconds as a
#                          fraction of the plain replay's (the tunnel goal: >= 85 %)
#
# Environment:
#   SENSOR_JAR        the fat jar (default: sensor/target/sensor.jar beside this script's repo)
#   SENSOR_JAVA_OPTS  JVM flags for the sensor (default: -Xmx1g; with --launcher: none added)
#   SENSOR_LAUNCHER   same as --launcher
#   BENCH_TOOLS       which tools to run, space separated (default: "tcpdump ndpi flows sensor")
#   BENCH_LOG_DIR     where each run's /usr/bin/time report and stderr are kept
#                     (default: a new directory under /tmp, printed at the end)
#
# What runs, RUNS times each, interleaved (run 1 of every tool, then run 2, ...) so that a
# drift of the machine (another build starting, thermal) hits every tool alike:
#   tcpdump    tcpdump -r PCAP -w /dev/null          libpcap's read-and-copy floor: no decoding
#   ndpiReader ndpiReader -q -i PCAP                 the closest peer (nDPI: flows + L7 detection),
#                                                    only when installed (Debian: libndpi-bin)
#   flows      java $SENSOR_JAVA_OPTS -jar SENSOR_JAR replay PCAP --out /dev/null --protocols none ARGS
#                                                    flow records only (issue 9's figure)
#   sensor     java $SENSOR_JAVA_OPTS -jar SENSOR_JAR replay PCAP --out /dev/null ARGS
#                                                    full metadata: flows + dns/tls/http/quic
#                                                    (issue 10's figure); JVM start included in
#                                                    both, as an analyst runs it
#   sensor-vxlan  the same (full metadata) over WRAPPED   only with --vxlan
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
# issues' goals as PASS/FAIL: flow records >= 40 % of the floor with max RSS < 1 GiB (issue 9);
# full metadata >= 30 % of the floor and >= 1.5x ndpiReader with max RSS < 1.5 GiB (issue 10).
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
launcher=${SENSOR_LAUNCHER:-}
while (($#)); do
  case $1 in
    --sensor-args) (($# >= 2)) || die "--sensor-args needs a value"; read -r -a sensor_args <<<"$2"; shift 2 ;;
    --sensor-args=*) read -r -a sensor_args <<<"${1#*=}"; shift ;;
    --launcher) (($# >= 2)) || die "--launcher needs a value"; launcher=$2; shift 2 ;;
    --launcher=*) launcher=${1#*=}; shift ;;
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
if [[ -n $launcher ]]; then
  [[ -x $launcher ]] || die "no executable launcher at $launcher (mvn -B -q package -DskipTests makes sensor/target/sensor)"
  launcher=$(cd "$(dirname -- "$launcher")" && pwd)/$(basename -- "$launcher")
  java_opts=()
else
  read -r -a java_opts <<<"${SENSOR_JAVA_OPTS:--Xmx1g}"
fi
read -r -a tools <<<"${BENCH_TOOLS:-tcpdump ndpi flows sensor}"
if [[ -n $vxlan_pcap ]]; then tools+=(sensor-vxlan); fi

[[ -x /usr/bin/time ]] || die "GNU time is missing (apt-get install -y time)"
command -v capinfos >/dev/null || command -v tcpdump >/dev/null \
  || die "need capinfos (wireshark-common) or tcpdump to count packets"
want() { local t; for t in "${tools[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
if want sensor || want flows || want sensor-vxlan; then
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
    sensor|flows|sensor-vxlan)
      local input=$pcap
      [[ $tool == sensor-vxlan ]] && input=$vxlan_pcap
      if [[ -n $launcher ]]; then
        cmd=(env SENSOR_JAR="$jar" "$launcher" replay "$input" --out /dev/null)
      else
        cmd=(java "${java_opts[@]}" -jar "$jar" replay "$input" --out /dev/null)
      fi
      [[ $tool == flows ]] && cmd+=(--protocols none)
      cmd+=("${sensor_args[@]}") ;;
    *) die "unknown tool '$tool' in BENCH_TOOLS (tcpdump ndpi flows sensor)" ;;
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
label=([tcpdump]="tcpdump -r -w /dev/null (floor)" [ndpi]="ndpiReader -q" [flows]="sensor replay --protocols none (flow records)"
  [sensor]="sensor replay (full metadata)" [sensor-vxlan]="sensor replay, VXLAN-wrapped")
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
if want sensor || want flows; then
  if [[ -n $launcher ]]; then
    printf 'sensor: %s replay PCAP --out /dev/null [--protocols none] %s (SENSOR_JAVA_OPTS=%s)\n' "$launcher" "${sensor_args[*]:-}" "${SENSOR_JAVA_OPTS:-}"
  else
    printf 'sensor: java %s -jar %s replay PCAP --out /dev/null [--protocols none] %s\n' "${java_opts[*]}" "$(basename -- "$jar")" "${sensor_args[*]:-}"
  fi
fi
echo
echo "| tool | wall s (median) | packets/s | MB/s | CPU s | max RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for t in "${active[@]}"; do
  awk -v l="${label[$t]}" -v w="${wall[$t]}" -v p="${pps[$t]}" -v b="$bytes" -v c="${cpu[$t]}" -v r="${rss[$t]}" '
    function group(n,   s) { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
    BEGIN { printf "| %s | %.2f | %s | %.1f | %.2f | %.0f |\n", l, w, group(p), b / w / 1e6, c, r / 1024 }'
done
# verdict TOOL FLOOR_PCT NDPI_X RSS_MIB: the goal lines of one sensor mode
verdict=0
verdict() {
  local t=$1 floor_goal=$2 ndpi_goal=$3 rss_goal=$4 r ok
  [[ -n ${pps[$t]:-} ]] || return 0
  echo
  echo "${label[$t]}:"
  if [[ -n ${pps[tcpdump]:-} ]]; then
    r=$(awk -v s="${pps[$t]}" -v f="${pps[tcpdump]}" 'BEGIN{printf "%.1f", 100 * s / f}')
    ok=$(awk -v r="$r" -v g="$floor_goal" 'BEGIN{print (r >= g) ? "PASS" : "FAIL"}')
    [[ $ok == PASS ]] || verdict=1
    echo "- / tcpdump floor (packets/s): **$r %** (goal >= $floor_goal %: $ok)"
  fi
  if [[ -n ${pps[ndpi]:-} ]]; then
    r=$(awk -v s="${pps[$t]}" -v n="${pps[ndpi]}" 'BEGIN{printf "%.2f", s / n}')
    if [[ -n $ndpi_goal ]]; then
      ok=$(awk -v r="$r" -v g="$ndpi_goal" 'BEGIN{print (r >= g) ? "PASS" : "FAIL"}')
      [[ $ok == PASS ]] || verdict=1
      echo "- / ndpiReader (packets/s): **${r}x** (goal >= ${ndpi_goal}x: $ok)"
    else
      echo "- / ndpiReader (packets/s): **${r}x**"
    fi
  fi
  ok=$(awk -v r="${rss[$t]}" -v g="$rss_goal" 'BEGIN{print (r < g * 1024) ? "PASS" : "FAIL"}')
  [[ $ok == PASS ]] || verdict=1
  echo "- max RSS: $(awk -v r="${rss[$t]}" 'BEGIN{printf "%.0f", r / 1024}') MiB (goal < $rss_goal MiB: $ok)"
}
verdict flows 40 "" 1024
verdict sensor 30 1.5 1536
if [[ -n ${pps[sensor-vxlan]:-} && -n ${pps[sensor]:-} ]]; then
  echo
  r=$(awk -v v="${pps[sensor-vxlan]}" -v s="${pps[sensor]}" 'BEGIN{printf "%.1f", 100 * v / s}')
  c=$(awk -v v="${cpu[sensor-vxlan]}" -v s="${cpu[sensor]}" 'BEGIN{printf "%.1f", 100 * s / v}')
  ok=$(awk -v r="$r" 'BEGIN{print (r >= 85) ? "PASS" : "FAIL"}')
  [[ $ok == PASS ]] || verdict=1
  echo "- sensor VXLAN-wrapped / plain (packets/s): **$r %** (goal >= 85 %: $ok); by CPU seconds (plain / wrapped): $c %"
fi
if [[ -n ${pps[flows]:-}${pps[sensor]:-} ]]; then
  echo
  if [[ -z ${pps[tcpdump]:-} ]]; then
    echo "- verdict: none (the floor was not measured in this run)"
  elif ((verdict == 0)); then
    echo "- verdict: goals met"
  else
    echo "- verdict: goals NOT met"
  fi
fi
echo
echo "logs: $logdir" >&2
