#!/usr/bin/env bash
# CI checks of the systemd unit and the install script, without a running systemd:
#   1. systemd-analyze verify on the unit (ExecStart's /usr/bin/java must exist for it: where the
#      JDK lives elsewhere, a copy of the unit naming the java on PATH is verified instead);
#   2. install.sh --destdir lays out /opt/sensor, /etc/sensor, the unit;
#   3. systemd-analyze security --offline: the exposure score, which must stay at or below MAX_EXPOSURE.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.5}
command -v systemd-analyze >/dev/null || { echo "verify.sh: systemd-analyze is missing (apt-get install systemd)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=systemd/sensor.service
if [[ ! -x /usr/bin/java ]]; then
  java=$(command -v java) || { echo "verify.sh: no java on PATH" >&2; exit 1; }
  sed "s|/usr/bin/java|$java|" "$unit" > "$tmp/sensor.service"
  unit=$tmp/sensor.service
fi
systemd-analyze verify "$unit"
echo "verify.sh: systemd-analyze verify $unit: ok"

jar=sensor/target/sensor.jar
[[ -f $jar ]] || { mkdir -p "$tmp/jar"; : > "$tmp/jar/sensor.jar"; jar=$tmp/jar/sensor.jar; }
systemd/install.sh --jar "$jar" --destdir "$tmp/root" >/dev/null
for f in opt/sensor/sensor.jar opt/sensor/README.md etc/sensor/sensor.yaml etc/systemd/system/sensor.service; do
  [[ -f $tmp/root/$f ]] || { echo "verify.sh: install.sh did not lay out /$f" >&2; exit 1; }
done
grep -q '^  path: /var/lib/sensor/records.jsonl' "$tmp/root/etc/sensor/sensor.yaml" \
  || { echo "verify.sh: the installed sensor.yaml does not write records to /var/lib/sensor" >&2; exit 1; }
echo "verify.sh: install.sh --destdir: /opt/sensor, /etc/sensor/sensor.yaml, sensor.service laid out"

score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[[ -n $score ]] || { echo "verify.sh: no exposure score from systemd-analyze security" >&2; exit 1; }
echo "verify.sh: systemd-analyze security exposure $score (at most $MAX_EXPOSURE)"
python3 -c "import sys; sys.exit(0 if float('$score') <= float('$MAX_EXPOSURE') else 1)" \
  || { echo "verify.sh: exposure $score is above $MAX_EXPOSURE" >&2; exit 1; }
