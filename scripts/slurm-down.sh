#!/usr/bin/env bash
# Stops the daemons scripts/slurm-up.sh started (slurmd, slurmctld, and munged
# if it started it), by their pid files.
# usage: scripts/slurm-down.sh <state dir>
set -uo pipefail
dir=${1:?usage: scripts/slurm-down.sh <state dir>}
pidfiles=("$dir/slurmd.pid" "$dir/slurmctld.pid")
[ -s "$dir/munged.pidfile" ] && pidfiles+=("$(cat "$dir/munged.pidfile")")
for f in "${pidfiles[@]}"; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
exit 0
