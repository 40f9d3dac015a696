#!/usr/bin/env bash
# Fuzzes one Jazzer target for a given time and prints its executions.
#
#   bench/fuzz.sh TARGET SECONDS [EXECS]   e.g. bench/fuzz.sh dns 180; with EXECS it stops at
#                                           whichever comes first (bench/fuzz.sh tls 1800 1000000)
#   bench/fuzz.sh --list             the targets
#   bench/fuzz.sh all SECONDS        every target in turn, SECONDS each, then a table
#
# A target is a @FuzzTest method (see the table below). In `mvn verify` the same methods only replay
# their committed inputs (src/test/resources/<package>/<Class>Inputs/<method>/); here JAZZER_FUZZ=1
# makes Jazzer (libFuzzer) mutate them for SECONDS. Runs at nice 19, one target at a time (the machine
# is shared). The corpus it grows is kept in <module>/.cifuzz-corpus/ (gitignored) and reused by the
# next run; a crash is written as crash-<sha1> into the target's Inputs directory: commit it with the
# fix, it becomes a regression test. The log is bench/out/fuzz-TARGET.log.
#
# Output, one line: TARGET execs=N seconds=S execs_per_s=R [crash=PATH]
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A TARGETS=(
  [pcap]="sensor dev.nsm.sensor.capture.CaptureFuzzTest#pcap"
  [pcapng]="sensor dev.nsm.sensor.capture.CaptureFuzzTest#pcapng"
  [ethernet]="protocol-parsers dev.nsm.parsers.packet.PacketDecoderFuzzTest#ethernet"
  [raw-ip]="protocol-parsers dev.nsm.parsers.packet.PacketDecoderFuzzTest#rawIp"
  [loopback]="protocol-parsers dev.nsm.parsers.packet.PacketDecoderFuzzTest#loopback"
  [linux-cooked]="protocol-parsers dev.nsm.parsers.packet.PacketDecoderFuzzTest#linuxCooked"
  [ppp]="protocol-parsers dev.nsm.parsers.packet.PacketDecoderFuzzTest#ppp"
  [defrag]="protocol-parsers dev.nsm.parsers.packet.IpDefragmenterFuzzTest#fragments"
  [tcp]="protocol-parsers dev.nsm.parsers.tcp.TcpReassemblerFuzzTest#segments"
  [dns]="protocol-parsers dev.nsm.parsers.dns.DnsFuzzTest#message"
  [dns-tcp]="protocol-parsers dev.nsm.parsers.dns.DnsFuzzTest#tcpStream"
  [tls]="protocol-parsers dev.nsm.parsers.tls.TlsFuzzTest#connection"
  [x509]="protocol-parsers dev.nsm.parsers.tls.TlsFuzzTest#certificate"
  [http]="protocol-parsers dev.nsm.parsers.http.HttpConnectionFuzzTest#conversation"
  [flow]="sensor dev.nsm.sensor.pipeline.FlowPathFuzzTest#packets"
  [vxlan]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#vxlan"
  [geneve]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#geneve"
  [teredo]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#teredo"
  [ayiya]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#ayiya"
  [gtpu]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#gtpu"
  [gre]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#gre"
  [ip-in-ip]="protocol-parsers dev.nsm.parsers.packet.TunnelDecoderFuzzTest#ipInIp"
)
ORDER=(pcap pcapng ethernet raw-ip loopback linux-cooked ppp defrag tcp dns dns-tcp tls x509 http flow
  vxlan geneve teredo ayiya gtpu gre ip-in-ip)

if [[ "${1:-}" == "--list" || $# -lt 2 ]]; then
  for t in "${ORDER[@]}"; do printf '%-13s %s\n' "$t" "${TARGETS[$t]#* }"; done
  [[ "${1:-}" == "--list" ]] && exit 0
  echo "usage: $0 TARGET|all SECONDS [EXECS]" >&2
  exit 2
fi

secs=$2
max_execs=${3:-0} # 0: no bound (Jazzer's max_executions)
if [[ "$1" == all ]]; then
  for t in "${ORDER[@]}"; do "$0" "$t" "$secs" "$max_execs" || true; done
  exit 0
fi
spec=${TARGETS[$1]:-}
if [[ -z "$spec" ]]; then
  echo "fuzz.sh: no target '$1' (bench/fuzz.sh --list)" >&2
  exit 2
fi
module=${spec%% *}
test=${spec#* }
mkdir -p bench/out
log=bench/out/fuzz-$1.log

resdir="$module/src/test/resources/$(echo "${test%#*}" | tr . /)Inputs/${test#*#}"
before=$(ls "$resdir" 2>/dev/null | grep -c '^crash-' || true)
set +e
# -am and the test phase: the module's dependencies come from this tree (target/classes), never from a
# protocol-parsers jar some other build installed in ~/.m2; -Dtest keeps every other test out
JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${secs}s" JAZZER_MAX_EXECUTIONS="$max_execs" nice -n 19 \
  mvn -B -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1
rc=$?
set -e
done_line=$(grep -a -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
execs=$(echo "$done_line" | awk '{print $2}')
took=$(echo "$done_line" | awk '{print $5}')
if [[ -z "$execs" ]]; then # stopped by a finding: the last status line has the count
  stat=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(echo "$stat" | sed -E 's/^#([0-9]+).*/\1/')
  took=$secs
fi
rate=$(( ${execs:-0} / (${took:-1} > 0 ? ${took:-1} : 1) ))
after=$(ls "$resdir" 2>/dev/null | grep -c '^crash-' || true)
crash=""
if (( after > before )) || grep -a -q 'FuzzTestFindingException\|== Java Exception' "$log"; then
  crash=" crash=$(ls -t "$resdir"/crash-* 2>/dev/null | head -1)"
fi
echo "$1 execs=${execs:-?} seconds=${took:-?} execs_per_s=$rate$crash"
[[ -z "$crash" && $rc -eq 0 ]] || exit 1
