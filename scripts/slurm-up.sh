#!/usr/bin/env bash
# A single-node Slurm cluster for the Slurm executor's tests (run as root).
# usage: scripts/slurm-up.sh <state dir>
# Installs slurm-wlm and munge from Debian when missing, starts munged (as the
# munge user), writes <state dir>/slurm.conf (this host as the only node, one
# default partition, state, spool, logs and pid files in the state dir), starts
# slurmctld and slurmd, and waits until sinfo shows the node idle. Then:
#   export SLURM_CONF=<state dir>/slurm.conf
# scripts/slurm-down.sh <state dir> stops the daemons by their pid files.
set -euo pipefail

dir=${1:?usage: scripts/slurm-up.sh <state dir>}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir/munged.pidfile"

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-up: must run as root (munged and slurmd need it)" >&2
  exit 1
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1 || ! command -v sbatch >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# munge: a key (1024 random bytes, owner munge, mode 400) and the daemon, unless one already answers.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  head -c 1024 /dev/urandom >/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  # Ours to stop again (slurm-down.sh): munged writes its pid file itself.
  echo /run/munge/munged.pid >"$dir/munged.pidfile"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || { echo "slurm-up: munged does not answer" >&2; exit 1; }
fi

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$dir/state" "$dir/spool"
cat >"$dir/slurm.conf" <<CONF
ClusterName=racecar
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=300
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=8000 State=UNKNOWN
PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

for _ in $(seq 120); do
  state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  echo "slurm-up: node $host is '${state:-unknown}', not idle, after 60 s; last log lines:" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  exit 1
fi
echo "slurm-up: node $host idle ($cpus CPUs); export SLURM_CONF=$SLURM_CONF"
