// The run list as a table: which columns exist (some optional), how a row is
// filtered (text, status, tag) and sorted. Pure, so the rules are tested
// without a DOM.
import type { RunSummary } from '../../../electron/contract/contract';
import type { RunStatus } from '../../../electron/engine/types';
import { LABELS } from './fieldLabels';
import { dataLabel, lambdasLabel, layersLabel, regularizerLabel } from './format';

export type ColumnId =
  | 'name'
  | 'status'
  | 'data'
  | 'layers'
  | 'reg'
  | 'lambda'
  | 'lambdaOrt'
  | 'steps'
  | 'testAcc'
  | 'trainAcc'
  | 'loss'
  | 'recon'
  | 'alignment'
  | 'backend'
  | 'duration'
  | 'created';

/** What the table knows besides the summaries: SVD alignment scores (cached ones). */
export interface RowExtras {
  alignment?: ReadonlyMap<string, number | null>;
}

export interface Column {
  id: ColumnId;
  label: string;
  /** Shown unless the user hides it. */
  default: boolean;
  /** Name and status are always shown. */
  fixed?: boolean;
  /** The value sorted by (null last, whatever the direction). */
  sortValue: (s: RunSummary, x: RowExtras) => string | number | null;
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Wall-clock seconds from start to finish (or to the last evaluation while it runs). */
export function runDuration(s: RunSummary): number | null {
  const { startedAt, finishedAt } = s.run;
  if (startedAt && finishedAt) {
    const d = (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000;
    if (Number.isFinite(d) && d >= 0) return d;
  }
  return num(s.last?.elapsed);
}

export function tagsOf(s: RunSummary): string[] {
  return s.run.tags ?? [];
}

export const COLUMNS: readonly Column[] = [
  { id: 'name', label: 'Name', default: true, fixed: true, sortValue: (s) => s.run.name.toLowerCase() },
  { id: 'status', label: 'Status', default: true, fixed: true, sortValue: (s) => s.run.status },
  { id: 'data', label: 'Data', default: true, sortValue: (s) => dataLabel(s.run.config) },
  { id: 'layers', label: 'Layers', default: true, sortValue: (s) => layersLabel(s.run.config, s.run) },
  { id: 'reg', label: 'Reg.', default: true, sortValue: (s) => regularizerLabel(s.run.config) },
  { id: 'lambda', label: 'λ RR', default: true, sortValue: (s) => Math.max(0, ...s.run.config.network.layers.map((l) => l.lambda)) },
  { id: 'lambdaOrt', label: 'λ Ort', default: true, sortValue: (s) => s.run.config.loss.lambdaOrt },
  { id: 'steps', label: 'Steps', default: true, sortValue: (s) => s.run.lastStep },
  { id: 'testAcc', label: 'Test acc.', default: true, sortValue: (s) => num(s.last?.testAccuracy) },
  { id: 'trainAcc', label: 'Train acc.', default: false, sortValue: (s) => num(s.last?.trainAccuracy) },
  { id: 'loss', label: 'Loss', default: true, sortValue: (s) => num(s.last?.loss.total) },
  { id: 'recon', label: 'Recon. error', default: false, sortValue: (s) => num(s.last?.testRecon[0]) },
  { id: 'alignment', label: 'Alignment', default: false, sortValue: (s, x) => x.alignment?.get(s.run.id) ?? null },
  { id: 'backend', label: 'Backend', default: false, sortValue: (s) => s.run.backend },
  { id: 'duration', label: 'Duration', default: false, sortValue: (s) => runDuration(s) },
  { id: 'created', label: 'Created', default: false, sortValue: (s) => s.run.createdAt },
];

export const DEFAULT_COLUMNS: ColumnId[] = COLUMNS.filter((c) => c.default).map((c) => c.id);

export function column(id: ColumnId): Column {
  return COLUMNS.find((c) => c.id === id)!;
}

export interface RunFilter {
  /** Words that must all appear (name, id, data, regulariser, λ, tags, notes, error), case-insensitive. */
  text: string;
  status: RunStatus | 'all';
  /** '' = any tag. */
  tag: string;
}

export const NO_FILTER: RunFilter = { text: '', status: 'all', tag: '' };

function haystack(s: RunSummary): string {
  const r = s.run;
  const notes = r.notes ?? '';
  return [r.name, r.id, dataLabel(r.config), regularizerLabel(r.config), lambdasLabel(r.config), r.backend ?? '', ...tagsOf(s), notes, r.error ?? '']
    .join(' ')
    .toLowerCase();
}

export function filterRuns(runs: readonly RunSummary[], f: RunFilter): RunSummary[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((s) => {
    if (f.status !== 'all' && s.run.status !== f.status) return false;
    if (f.tag && !tagsOf(s).includes(f.tag)) return false;
    if (!words.length) return true;
    const h = haystack(s);
    return words.every((w) => h.includes(w));
  });
}

export interface RunSort {
  by: ColumnId;
  dir: 'asc' | 'desc';
}

export const DEFAULT_SORT: RunSort = { by: 'created', dir: 'desc' };

/** Stable sort by a column; missing values last in both directions, then newest first. */
export function sortRuns(runs: readonly RunSummary[], sort: RunSort, extras: RowExtras = {}): RunSummary[] {
  const col = column(sort.by);
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = col.sortValue(a, extras);
    const vb = col.sortValue(b, extras);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else if (va !== vb) {
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      if (c !== 0) return sign * c;
    }
    return (b.run.createdAt ?? '').localeCompare(a.run.createdAt ?? '');
  });
}

/** Every tag used, sorted. */
export function allTags(runs: readonly RunSummary[]): string[] {
  return [...new Set(runs.flatMap(tagsOf))].sort((a, b) => a.localeCompare(b));
}

/**
 * With loss.referenceQuirks on MNIST, a run that stays at or near chance is
 * explained by the quirks (see the reference README), not by a defect.
 */
export function quirksNote(s: RunSummary): string | null {
  const c = s.run.config;
  const acc = s.last?.testAccuracy;
  if (!c.loss.referenceQuirks || c.data.source.kind !== 'mnist' || acc === undefined || !Number.isFinite(acc)) return null;
  const classes = s.run.dataInfo?.classNames.length ?? c.data.source.digits.length;
  if (acc > 1 / Math.max(1, classes) + 0.1) return null;
  return (
    'Expected with the reference quirks: raw 0–255 inputs saturate the first of the two softmaxes, so the cross-entropy has almost no gradient ' +
    `and the network barely learns (the reference code does the same). Untick '${LABELS.referenceQuirks}' (Experiment, Loss), or pick the scale '${LABELS.scaleUnit}', to train normally.`
  );
}
