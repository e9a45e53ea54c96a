// Who owns a 'running' run (pid, its start time, host), and whether that
// owner still exists.
import * as os from 'node:os';
import type { RunRecord } from '../types';
import { ownStartTime, processStartTime } from '../util/processStart';

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/** The owner fields of a run this process starts to own: pid, its start time, host. */
export function thisProcessAsOwner(): Pick<RunRecord, 'pid' | 'pidStart' | 'host'> {
  const pidStart = ownStartTime();
  return { pid: process.pid, ...(pidStart ? { pidStart } : {}), host: os.hostname() };
}

/** Whether this very process owns the run (not an earlier process that had the same pid). */
export function ownedByThisProcess(run: RunRecord): boolean {
  return run.pid === process.pid && (run.pidStart === undefined || ownStartTime() === null || run.pidStart === ownStartTime());
}

/**
 * Whether the process that owns a 'running' run still exists. Another host's
 * process cannot be probed, so such a run is trusted to be running. EPERM
 * means the pid exists under another user. A pid in use by a process that
 * started at another time than the one recorded was reused: the owner is gone.
 * Without a recorded start time (older runs, Windows) a reused pid reads as
 * alive: we prefer showing a dead run as running over interrupting a live one.
 */
export function ownerAlive(run: RunRecord): boolean {
  if (run.pid === undefined) return false;
  if (run.host !== undefined && run.host !== os.hostname()) return true;
  if (run.pid === process.pid) return ownedByThisProcess(run);
  try {
    process.kill(run.pid, 0);
  } catch (e) {
    if (code(e) === 'ESRCH') return false;
  }
  if (run.pidStart === undefined) return true;
  const now = processStartTime(run.pid);
  return now === null || now === run.pidStart;
}
