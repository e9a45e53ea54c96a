// Where everything of a run lives inside a workspace. All paths are built here
// so the store, exports and the UI agree on one layout, and every id or number
// that reaches a path has been validated first (ids come from the CLI, the UI
// and folder names, none of which can be trusted to stay inside the workspace).
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** `yyyymmdd-HHMMSS-<slug>-<4 hex>`; the slug has no leading/trailing dash. */
export const RUN_ID_RE = /^\d{8}-\d{6}-[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?-[0-9a-f]{4}$/;
export const SLUG_MAX = 40;

export class InvalidRunIdError extends Error {
  constructor(id: unknown) {
    super(`invalid run id ${JSON.stringify(String(id))}: expected yyyymmdd-HHMMSS-name-xxxx (letters, digits and dashes only)`);
    this.name = 'InvalidRunIdError';
  }
}

/** Throws unless `id` has the shape of a generated id (which rules out '/', '\\', '..' and ''). */
export function validateRunId(id: unknown): string {
  if (typeof id !== 'string' || !RUN_ID_RE.test(id)) throw new InvalidRunIdError(id);
  return id;
}

export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID_RE.test(id);
}

/** Lower-case ASCII letters, digits and single dashes; 'run' when nothing usable is left. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // drop accents so "café" gives "cafe", not "caf"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, ''); // the cut may end on a dash
  return s || 'run';
}

const two = (n: number) => String(n).padStart(2, '0');

/** yyyymmdd-HHMMSS in UTC, so names sort by creation time even across DST changes and time zones. */
export function timeStamp(now: Date = new Date()): string {
  return (
    `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}-` +
    `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`
  );
}

export function makeRunId(name: string, now: Date = new Date(), rand: string = randomBytes(2).toString('hex')): string {
  return validateRunId(`${timeStamp(now)}-${slug(name)}-${rand}`);
}

function checkIndex(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a whole number >= 0 (got ${n})`);
  return n;
}

/** Steps are zero-padded to 7 digits so folder listings sort numerically. */
export function padStep(step: number): string {
  return String(checkIndex('step', step)).padStart(7, '0');
}

/** A checkpoint or optimizer-state file of a step: safetensors, or JSON as runs before it wrote them. */
export const STEP_FILE_RE = /^(\d{7,})\.(?:safetensors|json)$/;

export const runsDir = (ws: string) => path.join(ws, 'runs');
export const runDir = (ws: string, id: string) => path.join(runsDir(ws), validateRunId(id));
export const runJsonPath = (ws: string, id: string) => path.join(runDir(ws, id), 'run.json');
export const metricsPath = (ws: string, id: string) => path.join(runDir(ws, id), 'metrics.jsonl');
export const logPath = (ws: string, id: string) => path.join(runDir(ws, id), 'train.log');
/** Space set aside while a run trains, released to write its final status on a full disk. */
export const reservePath = (ws: string, id: string) => path.join(runDir(ws, id), '.space-reserve');
/** The test split of a run trained on an image folder (see data/storedTestSet.ts). */
export const testSetPath = (ws: string, id: string) => path.join(runDir(ws, id), 'test-set.json');

export const backwardDir = (ws: string, id: string, step: number | 'inputs') =>
  path.join(runDir(ws, id), 'backward', step === 'inputs' ? 'inputs' : padStep(step));
export const backwardPath = (ws: string, id: string, step: number | 'inputs', i: number) =>
  path.join(backwardDir(ws, id, step), `${checkIndex('image index', i)}.png`);
/** The reverse pass's reconstruction of layer k's input feature maps for sample i: a grid of its channels. */
export const featurePath = (ws: string, id: string, step: number, k: number, i: number) =>
  path.join(backwardDir(ws, id, step), `layer${checkIndex('layer', k)}-${checkIndex('image index', i)}.png`);

export const checkpointsDir = (ws: string, id: string) => path.join(runDir(ws, id), 'checkpoints');
export const checkpointPath = (ws: string, id: string, step: number) => path.join(checkpointsDir(ws, id), `${padStep(step)}.safetensors`);
/** Where runs before safetensors kept a checkpoint (still read). */
export const legacyCheckpointPath = (ws: string, id: string, step: number) => path.join(checkpointsDir(ws, id), `${padStep(step)}.json`);
/** The optimizer's state (moments, step counts) at the latest checkpoint only: a run resumes from there. */
export const optimizerDir = (ws: string, id: string) => path.join(runDir(ws, id), 'optimizer');
export const optimizerPath = (ws: string, id: string, step: number) => path.join(optimizerDir(ws, id), `${padStep(step)}.safetensors`);
export const legacyOptimizerPath = (ws: string, id: string, step: number) => path.join(optimizerDir(ws, id), `${padStep(step)}.json`);

export const svdDir = (ws: string, id: string) => path.join(runDir(ws, id), 'svd');
const svdStem = (ws: string, id: string, layer: number, step: number) => path.join(svdDir(ws, id), `layer${checkIndex('layer', layer)}_${padStep(step)}`);
export const svdJsonPath = (ws: string, id: string, layer: number, step: number) => `${svdStem(ws, id, layer, step)}.json`;
export const svdImageDir = (ws: string, id: string, layer: number, step: number) => svdStem(ws, id, layer, step);
export const svdImagePath = (ws: string, id: string, layer: number, step: number, j: number) =>
  path.join(svdStem(ws, id, layer, step), `u${checkIndex('singular vector index', j)}.png`);

/** A path inside the workspace as the UI names files: relative, with forward slashes (the transports turn it into a URL). */
export function workspaceRef(ws: string, file: string): string {
  const rel = path.relative(ws, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${file} is not inside the workspace ${ws}`);
  return rel.split(path.sep).join('/');
}
