// Claims of sweep points by local drivers: sweeps/<id>/claims/<index>-<attempt>.json,
// each made with an exclusive create, so of several drivers resuming one sweep
// at once exactly one trains a point; the others wait for it. A claim is spent
// when its driver marks it ended or when neither the driver nor the training
// process it started is alive; the next attempt is then the next file. Claims
// on another host cannot be probed and count as spent (the local executor runs
// a sweep on one machine).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sweepDir } from '../engine/sweep/sweepStore';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { makeDirs } from '../engine/util/makeDirs';
import { pidAlive } from '../engine/util/processStart';

interface PointClaim {
  pid: number;
  host: string;
  at: string;
  /** The training process the driver started for the point. */
  child?: number;
  ended?: boolean;
}

export interface HeldClaim {
  file: string;
  claim: PointClaim;
}

const claimsDir = (ws: string, id: string) => path.join(sweepDir(ws, id), 'claims');

/** The point's claims, attempt by attempt. */
function attempts(ws: string, id: string, index: number): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(claimsDir(ws, id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const re = new RegExp(`^${index}-(\\d+)\\.json$`);
  const found: string[] = [];
  for (const n of names) {
    const m = re.exec(n);
    if (m) found[Number(m[1])] = path.join(claimsDir(ws, id), n);
  }
  return found;
}

function readClaim(file: string): PointClaim | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PointClaim;
  } catch {
    // Being written (an exclusive create is not atomic with its content): its maker is alive.
    return null;
  }
}

function live(claim: PointClaim | null): boolean {
  if (claim === null) return true;
  if (claim.ended || claim.host !== os.hostname()) return false;
  return claim.pid === process.pid || pidAlive(claim.pid) || (claim.child !== undefined && pidAlive(claim.child));
}

/** Whether a driver holds the point now (this process included). */
export function pointHeld(ws: string, id: string, index: number): boolean {
  const latest = attempts(ws, id, index).at(-1);
  return latest !== undefined && live(readClaim(latest));
}

/** Claims the point for this process, or null when another driver holds it or has just claimed it. */
export function claimPoint(ws: string, id: string, index: number): HeldClaim | null {
  makeDirs(claimsDir(ws, id));
  const list = attempts(ws, id, index);
  const latest = list.at(-1);
  if (latest !== undefined && live(readClaim(latest))) return null;
  const file = path.join(claimsDir(ws, id), `${index}-${list.length}.json`);
  const claim: PointClaim = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
  try {
    fs.writeFileSync(file, JSON.stringify(claim), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  return { file, claim };
}

/** Records the claim's training process (it keeps the claim alive if the driver dies), or that the claim is spent. */
export function updateClaim(held: HeldClaim, patch: Pick<PointClaim, 'child' | 'ended'>): void {
  held.claim = { ...held.claim, ...patch };
  writeFileAtomic(held.file, JSON.stringify(held.claim));
}
