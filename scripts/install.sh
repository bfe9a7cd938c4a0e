#!/usr/bin/env bash
# Install what netprobe needs on a fresh Debian 12 machine (as root): the Debian tools it
# drives and a virtual environment in .venv with netprobe and its Python dependencies.
# Usage: scripts/install.sh [EXTRAS]   e.g. scripts/install.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

debs=(iperf3 iputils-ping traceroute iproute2 iptables procps python3-venv)
# The tests start their own influxd and Alertmanager on free loopback ports, and open
# the HTML report in a headless Chromium.
[[ "$extras" == *test* ]] && debs+=(influxdb prometheus-alertmanager chromium poppler-utils)
missing=()
for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "netprobe install: need root to install Debian packages: ${missing[*]}" >&2
        exit 1
    fi
    echo "netprobe install: apt-get install ${missing[*]}"
    apt-get update -qq
    # No recommends: chromium's pull avahi and libnss-mdns, which rewrites the hosts line
    # of /etc/nsswitch.conf (mDNS lookups) and changes how unknown names fail.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    # Debian starts these packages' services on install; the tests need none of them
    # (a site that runs InfluxDB or Alertmanager installed them itself).
    for service in influxdb prometheus-alertmanager; do
        [[ " ${missing[*]} " == *" $service "* ]] || continue
        if [ -d /run/systemd/system ]; then
            systemctl disable --now "$service" >/dev/null 2>&1 || true
        elif [ -x "/etc/init.d/$service" ]; then
            "/etc/init.d/$service" stop >/dev/null 2>&1 || true
        fi
    done
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/pip install -q --disable-pip-version-check -e "$spec"
