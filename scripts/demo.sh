#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: install, build the lab network,
# run one round of real probes into the embedded SQLite store, show the stored results,
# then shape the uplink down to 1:100 of a 20 Gbps plan and probe again. The lab is
# always torn down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
np=.venv/bin/netprobe
config=schedules/lab.toml

since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
$np lab up
trap '$np lab down' EXIT

echo; echo "== one round of every probe in $config (netprobe run)"
$np run --config "$config" --no-jitter

echo; echo "== the uplink shaped to 200 Mbit/s (a 20 Gbps plan, 1:100), probed by hand"
$np lab shape uplink --rate 200Mbps
$np probe --config "$config" np-starlight || true

echo; echo "== what this demo stored (netprobe results)"
$np results --config "$config" --since "$since"
