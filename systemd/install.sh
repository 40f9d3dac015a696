#!/usr/bin/env bash
# Installs the sensor as a systemd service:
#   /opt/sensor/sensor.jar, /opt/sensor/README.md      the program
#   /opt/sensor/sensor                                 its launcher (tuned JVM options for replay)
#   /etc/sensor/sensor.yaml                            its configuration (kept when it exists)
#   user and group 'sensor' (system, no login)         who it runs as, with CAP_NET_RAW only
#   /etc/systemd/system/sensor.service                 the unit; /var/lib/sensor is its StateDirectory
#
# Usage: sudo systemd/install.sh [--jar PATH] [--destdir DIR]
#   --jar PATH     the jar to install (default: sensor/target/sensor.jar; build it with
#                  'mvn -B -q package -DskipTests')
#   --destdir DIR  lay the files out under DIR instead of / and touch nothing else (no user, no
#                  systemctl): for packaging, and for CI to check the layout
# Needs at run time: a Java 17+ runtime at /usr/bin/java and libpcap (Debian: openjdk-17-jre-headless
# libpcap0.8).
set -euo pipefail
cd "$(dirname "$0")/.."

jar=sensor/target/sensor.jar
destdir=
while (($#)); do
  case $1 in
    --jar) jar=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f $jar ]] || { echo "install.sh: no $jar; build it first: mvn -B -q package -DskipTests" >&2; exit 2; }

if [[ -z $destdir ]]; then
  [[ $(id -u) == 0 ]] || { echo "install.sh: run as root (or with --destdir DIR)" >&2; exit 2; }
  [[ -x /usr/bin/java ]] || echo "install.sh: warning: no /usr/bin/java; install a Java 17+ runtime (openjdk-17-jre-headless)" >&2
  ldconfig -p | grep -q 'libpcap\.so' || echo "install.sh: warning: libpcap not found; install libpcap0.8" >&2
  if ! getent passwd sensor >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/sensor --no-create-home --shell /usr/sbin/nologin \
      --comment "NSM sensor" sensor
    echo "install.sh: created system user sensor"
  fi
fi

root=${destdir:-}
install -d -m 0755 "$root/opt/sensor"
install -m 0644 "$jar" "$root/opt/sensor/sensor.jar"
install -m 0644 README.md "$root/opt/sensor/README.md"
# the launcher (sensor/src/main/sh/sensor; the build copies it to sensor/target/sensor): `/opt/sensor/sensor
# replay FILE` runs with the JVM options measured for replay; no AppCDS archive here (one is tied to
# the jar's path: bench/README.md, "JVM options", says how to make one for /opt/sensor)
install -m 0755 sensor/src/main/sh/sensor "$root/opt/sensor/sensor"

install -d -m 0750 "$root/etc/sensor"
conf="$root/etc/sensor/sensor.yaml"
if [[ -e $conf ]]; then
  echo "install.sh: keeping the existing $conf (the shipped default is config/sensor.yaml)"
else
  # records go to the state directory rather than to stdout (which would be the journal)
  sed 's|^  path: "-"|  path: /var/lib/sensor/records.jsonl|' config/sensor.yaml > "$conf"
  chmod 0640 "$conf"
  echo "install.sh: wrote $conf: set capture.interfaces[0].name to the mirror interface"
fi

# the unit's StateDirectory, made now so that check-config finds the output directory before the
# first start (systemd keeps its ownership right from then on)
if [[ -z $destdir ]]; then
  install -d -m 0750 -o sensor -g sensor /var/lib/sensor
else
  install -d -m 0750 "$root/var/lib/sensor"
fi

install -d -m 0755 "$root/etc/systemd/system"
install -m 0644 systemd/sensor.service "$root/etc/systemd/system/sensor.service"

if [[ -z $destdir ]]; then
  chgrp sensor /etc/sensor /etc/sensor/sensor.yaml
  if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
  fi
  cat <<MSG
install.sh: installed. Next:
  \$EDITOR /etc/sensor/sensor.yaml                      # the capture interface, filter, output
  java -jar /opt/sensor/sensor.jar check-config /etc/sensor/sensor.yaml
  systemctl enable --now sensor && journalctl -u sensor -f
MSG
fi
