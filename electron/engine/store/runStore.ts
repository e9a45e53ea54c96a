// The run store: one folder per run under <workspace>/runs (see layout.ts).
// Every whole-file write goes through writeFileAtomic so a reader (the UI, an
// export, a resumed trainer) never sees half a file, and everything read back
// is validated because run folders outlive crashes, edits and versions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunConfig, type RunConfig } from '../config/schema';
import type { BackendName, EvalRecord, RunRecord, SweepTag } from '../types';
import { writeFileAtomic } from '../util/atomicWrite';
import { makeDirs } from '../util/makeDirs';
import * as L from './layout';
import { claimFolder } from './claimFolder';
import { parseRunRecord } from './recordSchema';
import { cleanTags, MAX_NOTES_LENGTH, type RunEdit } from './runEdit';
import { RunNotFoundError, RunRecordError, symlinkedRunMessage } from './runErrors';
import { endsWithoutNewline, isSymlink, parseMetricsLines, readFirst, removeEmptyUpTo, removeStaleTemporaries, reserveFile } from './runFiles';
import { ownerAlive, thisProcessAsOwner } from './runOwner';
import { RecordCache } from './recordCache';
import { errorMessage } from '../util/errorMessage';

export type FinishStatus = 'completed' | 'cancelled' | 'failed' | 'diverged' | 'interrupted';
const FINISH_STATUSES: readonly FinishStatus[] = ['completed', 'cancelled', 'failed', 'diverged', 'interrupted'];

export interface RunExtra {
  totalSteps: number;
  backend: BackendName | null;
  versions: Record<string, string>;
  /** Tags the run as a point of a sweep. */
  sweep?: SweepTag;
}

export interface RunProblem {
  id: string;
  error: string;
}

export interface RunStoreOptions {
  /** Overrides the owner check of 'running' runs (default: ownerAlive). */
  isLive?: (run: RunRecord) => boolean;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

const addStep = (steps: number[], step: number) => [...new Set([...steps, step])].sort((a, b) => a - b);

export class RunStore {
  private readonly isLive: (run: RunRecord) => boolean;
  /** Records as list() last read them (a listing of thousands of runs re-reads only those that changed). */
  private readonly records = new RecordCache();

  constructor(
    readonly workspace: string,
    options: RunStoreOptions = {},
  ) {
    this.isLive = options.isLive ?? ownerAlive;
  }

  // ---- records ----

  createRun(config: RunConfig, extra: RunExtra): RunRecord {
    // Validate everything before the first mkdir so a rejected run leaves no trace.
    const cfg = parseRunConfig(config);
    const now = new Date();
    const draft: RunRecord = {
      id: L.makeRunId(cfg.name, now, '0000'),
      name: cfg.name,
      status: 'running',
      config: cfg,
      totalSteps: extra.totalSteps,
      backend: extra.backend,
      versions: { ...extra.versions },
      createdAt: now.toISOString(),
      startedAt: now.toISOString(),
      lastStep: 0,
      backwardSteps: [],
      checkpointSteps: [],
      ...thisProcessAsOwner(),
      ...(extra.sweep ? { sweep: { ...extra.sweep } } : {}),
    };
    parseRunRecord(draft);

    const runsDir = L.runsDir(this.workspace);
    // mkdir reports the top folder it had to create (workspace or runs/): on
    // failure exactly those are removed again, if still empty.
    const firstCreated = makeDirs(runsDir);
    try {
      return this.claimAndWrite(draft, now);
    } catch (e) {
      if (firstCreated) removeEmptyUpTo(runsDir, firstCreated);
      throw e;
    }
  }

  private claimAndWrite(draft: RunRecord, now: Date): RunRecord {
    const cfg = draft.config;
    const { id, dir } = claimFolder(L.runsDir(this.workspace), () => L.makeRunId(cfg.name, now), `run "${cfg.name}"`);
    try {
      return this.writeRecord({ ...draft, id });
    } catch (e) {
      // A folder without run.json would show up as a problem forever.
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Shallow-merges `patch` into run.json; a key set to undefined removes that field. */
  updateRun(id: string, patch: Partial<RunRecord>): RunRecord {
    if (patch.id !== undefined && patch.id !== id) throw new Error(`cannot change the id of run "${id}"`);
    return this.mutate(id, (cur) => ({ ...cur, ...patch, id }));
  }

  finishRun(id: string, status: FinishStatus, error?: string): RunRecord {
    if (!FINISH_STATUSES.includes(status)) {
      throw new Error(`finishRun: status must be ${FINISH_STATUSES.slice(0, -1).join(', ')} or ${FINISH_STATUSES.at(-1)} (got ${String(status)})`);
    }
    const patch: Partial<RunRecord> = { status, finishedAt: new Date().toISOString() };
    if (error !== undefined) patch.error = error;
    return this.updateRun(id, patch);
  }

  /** The record as stored, except a 'running' run with a dead owner reads as 'interrupted'. Opening a run nobody trains tidies what a killed writer left. */
  get(id: string): RunRecord {
    const rec = this.view(this.readRecord(id));
    if (rec.status !== 'running' && rec.status !== 'queued') {
      removeStaleTemporaries([L.runDir(this.workspace, id), L.checkpointsDir(this.workspace, id), L.optimizerDir(this.workspace, id)]);
    }
    return rec;
  }

  /** Persists 'interrupted' for a running run whose owner is gone; a live or finished run is returned unchanged. */
  markInterrupted(id: string): RunRecord {
    const cur = this.readRecord(id);
    if (cur.status !== 'running' || this.isLive(cur)) return cur;
    return this.mutate(id, (r) => (r.status === 'running' ? this.interrupted(r) : r));
  }

  /** The ids of the workspace's run folders (run.json not read); none when there is no runs folder. */
  ids(): string[] {
    try {
      return fs.readdirSync(L.runsDir(this.workspace)).filter((name) => L.isRunId(name));
    } catch {
      return [];
    }
  }

  /** Never throws: unreadable run folders are reported in `problems` and skipped. */
  list(): { runs: RunRecord[]; problems: RunProblem[] } {
    const runs: RunRecord[] = [];
    const problems: RunProblem[] = [];
    const listed = new Set<string>();
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(L.runsDir(this.workspace), { withFileTypes: true });
    } catch (e) {
      if (code(e) !== 'ENOENT') problems.push({ id: '', error: `cannot read ${L.runsDir(this.workspace)}: ${errorMessage(e)}` });
      return { runs, problems };
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue; // .DS_Store, staging folders
      if (ent.isSymbolicLink()) {
        problems.push({ id: ent.name, error: symlinkedRunMessage(ent.name) });
        continue;
      }
      if (!ent.isDirectory()) continue; // stray files
      if (!L.isRunId(ent.name)) {
        problems.push({ id: ent.name, error: `"${ent.name}" is not a run folder name` });
        continue;
      }
      const file = L.runJsonPath(this.workspace, ent.name);
      listed.add(file);
      try {
        runs.push(this.view(this.records.get(file, () => this.readRecord(ent.name))));
      } catch (e) {
        if (e instanceof RunNotFoundError) continue; // deleted while we listed
        problems.push({ id: ent.name, error: errorMessage(e) });
      }
    }
    this.records.keepOnly(listed);
    runs.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    problems.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { runs, problems };
  }

  rename(id: string, name: string): RunRecord {
    return this.applyEdit(id, { name });
  }

  /** Applies a user's edit; checked before anything is written. */
  applyEdit(id: string, edit: RunEdit): RunRecord {
    let name: string | undefined;
    if (edit.name !== undefined) {
      name = edit.name.trim();
      if (!name) throw new Error('name: a run name must not be empty');
    }
    const tags = edit.tags !== undefined ? cleanTags(edit.tags) : undefined;
    const notes = edit.notes?.trim();
    if (notes !== undefined && notes.length > MAX_NOTES_LENGTH) throw new Error(`notes: ${notes.length} characters; at most ${MAX_NOTES_LENGTH}`);
    return this.mutate(id, (cur) => {
      let next = cur;
      // config.name too, so a duplicated config starts from the name the user sees.
      if (name !== undefined) next = { ...next, name, config: { ...next.config, name } };
      if (tags !== undefined) {
        const { tags: _old, ...rest } = next;
        next = tags.length ? { ...rest, tags } : rest;
      }
      if (notes !== undefined) {
        const { notes: _old, ...rest } = next;
        next = notes ? { ...rest, notes } : rest;
      }
      return next;
    });
  }

  /**
   * Removes the run folder. Works on runs with a broken run.json (that is how
   * problems get cleaned up) but refuses a run whose owner is still training
   * unless `force` is set.
   */
  delete(id: string, options: { force?: boolean } = {}): void {
    if (isSymlink(L.runDir(this.workspace, id))) {
      // The problem a symlinked run folder is listed as goes with the link; what it points to stays.
      fs.unlinkSync(L.runDir(this.workspace, id));
      return;
    }
    const dir = this.requireRunDir(id);
    if (!options.force) {
      let rec: RunRecord | undefined;
      try {
        rec = this.readRecord(id);
      } catch {
        rec = undefined;
      }
      if (rec && rec.status === 'running' && this.isLive(rec)) {
        throw new Error(`run "${id}" is still running (pid ${rec.pid}); cancel it before deleting`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  duplicateConfig(id: string): RunConfig {
    return parseRunConfig(structuredClone(this.readRecord(id).config));
  }

  // ---- metrics and log ----

  appendMetrics(id: string, rec: EvalRecord): void {
    this.readRecord(id);
    if (!Number.isSafeInteger(rec.step) || rec.step < 0) throw new Error(`metrics step must be a whole number >= 0 (got ${rec.step})`);
    const file = L.metricsPath(this.workspace, id);
    // After a crash mid-append the file ends in a torn line; start on a fresh
    // line so the next record is not glued onto the fragment.
    const prefix = endsWithoutNewline(file) ? '\n' : '';
    fs.appendFileSync(file, `${prefix}${JSON.stringify(rec)}\n`);
    this.mutate(id, (cur) => ({ ...cur, lastStep: rec.step, last: rec }));
  }

  /** Every valid line in file order; torn or invalid lines (from crashes) are skipped. */
  readMetrics(id: string): EvalRecord[] {
    this.requireRunDir(id);
    let text: string;
    try {
      text = fs.readFileSync(L.metricsPath(this.workspace, id), 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT') return [];
      throw e;
    }
    return parseMetricsLines(text);
  }

  appendLog(id: string, line: string): void {
    this.requireRunDir(id);
    fs.appendFileSync(L.logPath(this.workspace, id), line.endsWith('\n') ? line : `${line}\n`);
  }

  // ---- backward images ----

  writeBackwardInputs(id: string, pngs: Buffer[]): void {
    this.requireRunDir(id);
    this.writeImages(L.backwardDir(this.workspace, id, 'inputs'), pngs, (i) => L.backwardPath(this.workspace, id, 'inputs', i));
  }

  /**
   * Images first, then the step in run.json: a listed step always has its
   * files. `features`: per layer k, the feature-map grids of its input's reconstruction.
   */
  writeBackward(id: string, step: number, pngs: Buffer[], features?: Map<number, Buffer[]>): void {
    this.readRecord(id);
    const dir = L.backwardDir(this.workspace, id, step);
    this.writeImages(dir, pngs, (i) => L.backwardPath(this.workspace, id, step, i));
    for (const [k, grids] of features ?? []) this.writeImages(dir, grids, (i) => L.featurePath(this.workspace, id, step, k, i));
    const layers = features ? [...features.keys()].sort((a, b) => a - b) : [];
    this.mutate(id, (cur) => ({ ...cur, backwardSteps: addStep(cur.backwardSteps, step), ...(layers.length ? { featureLayers: layers } : {}) }));
  }

  readFeatureMaps(id: string, step: number, k: number, i: number): Buffer {
    return this.readOrExplain(
      id,
      L.featurePath(this.workspace, id, step, k, i),
      () => `run "${id}" has no feature maps of layer ${k + 1}'s input for step ${step}`,
    );
  }

  backwardPath(id: string, step: number | 'inputs', i: number): string {
    return L.backwardPath(this.workspace, id, step, i);
  }

  readBackward(id: string, step: number | 'inputs', i: number): Buffer {
    const file = this.backwardPath(id, step, i);
    return this.readOrExplain(id, file, () => `run "${id}" has no backward image ${i} for ${step === 'inputs' ? 'the inputs' : `step ${step}`}`);
  }

  // ---- checkpoints ----

  /** The file first, then the step in run.json. `data` (safetensors, see model/checkpoint.ts) is stored verbatim. */
  writeCheckpoint(id: string, step: number, data: Buffer): void {
    this.readRecord(id);
    const file = L.checkpointPath(this.workspace, id, step);
    makeDirs(L.checkpointsDir(this.workspace, id));
    writeFileAtomic(file, data);
    this.mutate(id, (cur) => ({ ...cur, checkpointSteps: addStep(cur.checkpointSteps, step) }));
  }

  /** The optimizer's state at a checkpoint step; older states are removed (only the latest is needed to resume). */
  writeOptimizerState(id: string, step: number, data: Buffer): void {
    this.requireRunDir(id);
    const dir = L.optimizerDir(this.workspace, id);
    makeDirs(dir);
    const file = L.optimizerPath(this.workspace, id, step);
    writeFileAtomic(file, data);
    for (const n of fs.readdirSync(dir)) {
      if (L.STEP_FILE_RE.test(n) && path.join(dir, n) !== file) fs.rmSync(path.join(dir, n), { force: true });
    }
  }

  /** The optimizer's state saved with the checkpoint at `step` (safetensors, or an older run's JSON), or null (none saved). */
  readOptimizerState(id: string, step: number): Buffer | null {
    this.requireRunDir(id);
    return readFirst([L.optimizerPath(this.workspace, id, step), L.legacyOptimizerPath(this.workspace, id, step)]);
  }

  /**
   * Takes a run back to `step` (its checkpoint, to resume from): evaluations
   * after it are dropped from metrics.jsonl (rewritten atomically) and from the
   * record's lists; images after it are overwritten as training goes on.
   */
  rewindTo(id: string, step: number): RunRecord {
    this.readRecord(id);
    const kept = this.readMetrics(id).filter((r) => r.step <= step);
    writeFileAtomic(L.metricsPath(this.workspace, id), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return this.mutate(id, (cur) => ({
      ...cur,
      lastStep: kept.length ? kept[kept.length - 1]!.step : 0,
      backwardSteps: cur.backwardSteps.filter((s) => s <= step),
      checkpointSteps: cur.checkpointSteps.filter((s) => s <= step),
    }));
  }

  /** The checkpoint's bytes: safetensors, or the JSON of a run from before (parseCheckpoint reads both). */
  readCheckpoint(id: string, step: number): Buffer {
    this.requireRunDir(id);
    const data = readFirst([L.checkpointPath(this.workspace, id, step), L.legacyCheckpointPath(this.workspace, id, step)]);
    if (data === null) throw new Error(`run "${id}" has no checkpoint at step ${step}`);
    return data;
  }

  /**
   * Highest step with a checkpoint file, or null. Read from the folder rather
   * than run.json: a crash between the (atomic) file write and the record
   * update still leaves a usable checkpoint.
   */
  latestCheckpointStep(id: string): number | null {
    this.requireRunDir(id);
    let names: string[];
    try {
      names = fs.readdirSync(L.checkpointsDir(this.workspace, id));
    } catch (e) {
      if (code(e) === 'ENOENT') return null;
      throw e;
    }
    let best: number | null = null;
    for (const n of names) {
      const m = L.STEP_FILE_RE.exec(n);
      if (m) best = Math.max(best ?? 0, Number(m[1]));
    }
    return best;
  }

  // ---- disk space for the final status ----

  /**
   * Sets `bytes` aside in the run folder (best effort: false when even that
   * does not fit). A run that fills the disk releases it to record how it
   * ended: run.json is written via a temporary file, which needs free space.
   */
  reserveSpace(id: string, bytes = 64 * 1024): boolean {
    this.requireRunDir(id);
    return reserveFile(L.reservePath(this.workspace, id), bytes);
  }

  releaseSpace(id: string): void {
    fs.rmSync(L.reservePath(this.workspace, id), { force: true });
  }

  // ---- test set ----

  /** Stored verbatim (see data/storedTestSet.ts). */
  writeTestSet(id: string, text: string): void {
    this.requireRunDir(id);
    writeFileAtomic(L.testSetPath(this.workspace, id), text);
  }

  /** null when the run has no stored test set. */
  readTestSet(id: string): string | null {
    this.requireRunDir(id);
    try {
      return fs.readFileSync(L.testSetPath(this.workspace, id), 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT') return null;
      throw e;
    }
  }

  // ---- SVD ----

  /** Images first and the JSON last, so an existing JSON means a complete result. */
  writeSvd(id: string, layer: number, step: number, json: string, pngs: Buffer[]): void {
    this.requireRunDir(id);
    const jsonFile = L.svdJsonPath(this.workspace, id, layer, step);
    this.writeImages(L.svdImageDir(this.workspace, id, layer, step), pngs, (j) => L.svdImagePath(this.workspace, id, layer, step, j));
    writeFileAtomic(jsonFile, json);
  }

  readSvd(id: string, layer: number, step: number): string | null {
    this.requireRunDir(id);
    try {
      return fs.readFileSync(L.svdJsonPath(this.workspace, id, layer, step), 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
      throw e;
    }
  }

  hasSvdImage(id: string, layer: number, step: number, j: number): boolean {
    this.requireRunDir(id);
    return fs.existsSync(L.svdImagePath(this.workspace, id, layer, step, j));
  }

  readSvdImage(id: string, layer: number, step: number, j: number): Buffer {
    this.requireRunDir(id);
    return fs.readFileSync(L.svdImagePath(this.workspace, id, layer, step, j));
  }

  // ---- internals ----

  private view(rec: RunRecord): RunRecord {
    return rec.status === 'running' && !this.isLive(rec) ? this.interrupted(rec) : rec;
  }

  /**
   * A run whose writer died, as 'interrupted', with its latest evaluation taken
   * from metrics.jsonl: a writer killed between appending an evaluation and
   * recording it in run.json leaves run.json one evaluation behind. Read for
   * dead runs only, so listing live ones never reads their metrics.
   */
  private interrupted(rec: RunRecord): RunRecord {
    const last = this.readMetrics(rec.id).at(-1);
    const newer = last && last.step > (rec.last?.step ?? -1);
    return { ...rec, status: 'interrupted', ...(newer ? { last, lastStep: last.step } : {}) };
  }

  private requireRunDir(id: string): string {
    const dir = L.runDir(this.workspace, id);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') throw new RunNotFoundError(id, this.workspace);
      throw e;
    }
    // Written and served through, a link would lead the run's files outside the workspace.
    if (st.isSymbolicLink()) throw new RunRecordError(id, symlinkedRunMessage(id));
    if (!st.isDirectory()) throw new RunNotFoundError(id, this.workspace);
    return dir;
  }

  /** The record exactly as stored (no liveness view). */
  private readRecord(id: string): RunRecord {
    this.requireRunDir(id);
    const file = L.runJsonPath(this.workspace, id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT') throw new RunRecordError(id, `run "${id}" has no run.json (${file})`);
      throw new RunRecordError(id, `run "${id}": cannot read run.json: ${errorMessage(e)}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new RunRecordError(id, `run "${id}": run.json is not valid JSON: ${errorMessage(e)}`);
    }
    let rec: RunRecord;
    try {
      rec = parseRunRecord(data);
    } catch (e) {
      throw new RunRecordError(id, `run "${id}": run.json is invalid: ${errorMessage(e)}`);
    }
    // A folder copied or renamed by hand: writing through rec.id would hit another run.
    if (rec.id !== id) throw new RunRecordError(id, `run "${id}": run.json belongs to run "${rec.id}"`);
    return rec;
  }

  /** Validated before writing, so the store never produces a run.json that list() would reject. */
  private writeRecord(rec: RunRecord): RunRecord {
    const valid = parseRunRecord(rec);
    writeFileAtomic(L.runJsonPath(this.workspace, valid.id), recordText(valid));
    return valid;
  }

  // Read-modify-write on the freshest record. Not locked across processes:
  // each run has one writer at a time (its training process while it trains,
  // else the engine service or the CLI), and edits reach the writer as messages.
  private mutate(id: string, fn: (cur: RunRecord) => RunRecord): RunRecord {
    return this.writeRecord(fn(this.readRecord(id)));
  }

  private writeImages(dir: string, pngs: Buffer[], pathOf: (i: number) => string): void {
    makeDirs(dir);
    pngs.forEach((png, i) => writeFileAtomic(pathOf(i), png));
  }

  private readOrExplain(id: string, file: string, missing: () => string): Buffer {
    this.requireRunDir(id);
    try {
      return fs.readFileSync(file);
    } catch (e) {
      if (code(e) === 'ENOENT') throw new Error(missing());
      throw e;
    }
  }
}

const recordText = (valid: RunRecord): string => `${JSON.stringify(valid, null, 2)}\n`;

/** run.json's text for a record, validated as the store validates what it writes (e.g. for a bench filling a workspace fast). */
export function runJsonText(rec: RunRecord): string {
  return recordText(parseRunRecord(rec));
}
