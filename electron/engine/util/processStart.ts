// When a process started, so that a recorded pid can be told apart from a
// later process that was given the same pid (pids are reused, quickly so in
// containers): a run is owned by pid + start time, not by the pid alone.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let bootId: string | null | undefined;

function linuxBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/**
 * A token for the start of process `pid` (equal tokens: the same process), or
 * null when it cannot be read: the process is gone, or the platform has no
 * cheap way (Windows), in which case callers fall back to the pid alone.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    if (process.platform === 'linux') {
      // Field 22 of /proc/<pid>/stat: clock ticks from boot to the start; the name (field 2) may hold spaces and ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      return ticks ? `${linuxBootId() ?? 'boot'}:${ticks}` : null;
    }
    if (process.platform === 'darwin' || process.platform.endsWith('bsd')) {
      const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 });
      return out.trim() || null;
    }
  } catch {
    return null;
  }
  return null;
}

let own: string | null | undefined;

/** This process's own start token (read once). */
export function ownStartTime(): string | null {
  if (own === undefined) own = processStartTime(process.pid);
  return own;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
