// Figure-bundle export from the app: the Export dialog's form, the running
// export's progress (from 'export.progress' events) and its result or error.
// Kept outside the dialog, so closing the dialog does not lose a running export.
import type { EngineApi, EngineEvent, RequestOf, Results } from '../../../../electron/contract/contract';
import {
  BACKGROUNDS,
  COLORMAPS,
  convertLength,
  EXPORT_DEFAULTS,
  FORMATS,
  SIZE_UNITS,
  VECTOR_ORDERS,
  type FigureFormat,
  type SizeUnit,
} from '../../../../electron/export/options';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';

export interface ExportForm {
  /** A .zip file or a folder to create. */
  out: string;
  /** Chosen figure names (in the engine's order). */
  figures: string[];
  width: number | null;
  height: number | null;
  unit: SizeUnit;
  dpi: number | null;
  colormap: (typeof COLORMAPS)[number];
  vectorOrder: (typeof VECTOR_ORDERS)[number];
  background: (typeof BACKGROUNDS)[number];
  formats: FigureFormat[];
  overwrite: boolean;
}

export type ExportProgressEvent = Extract<EngineEvent, { type: 'export.progress' }>;

export const EXPORT_CHOICES = { units: SIZE_UNITS, colormaps: COLORMAPS, vectorOrders: VECTOR_ORDERS, backgrounds: BACKGROUNDS, formats: FORMATS } as const;

function initialForm(): ExportForm {
  const d = EXPORT_DEFAULTS;
  return {
    out: '',
    figures: [],
    width: d.width,
    height: d.height,
    unit: d.unit,
    dpi: d.dpi,
    colormap: d.colormap,
    vectorOrder: d.vectorOrder,
    background: d.background,
    formats: [...FORMATS],
    overwrite: false,
  };
}

const positive = (v: number | null): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

export class ExportStore {
  /** Every figure name and the suggested target, from the engine. */
  defaults = $state.raw<Results['export.defaults'] | null>(null);
  form = $state<ExportForm>(initialForm());
  running = $state(false);
  /** An export started elsewhere (another window, a browser tab) is running: it can be cancelled from here too. */
  elsewhere = $state(false);
  cancelling = $state(false);
  progress = $state.raw<ExportProgressEvent | null>(null);
  result = $state.raw<Results['export.bundle'] | null>(null);
  error = $state<string | null>(null);
  /** Whether the dialog is showing (a finished export is announced otherwise). */
  visible = $state(false);

  constructor(
    private readonly api: EngineApi,
    private readonly announce: (text: string, kind: 'error' | 'info') => void = () => {},
  ) {}

  /** Called when the dialog opens: a fresh suggested target (unless the user typed one), the figure list, a clean slate. */
  async prepare(): Promise<void> {
    if (this.running) return;
    this.clearOutcome();
    try {
      const previous = this.defaults;
      const d = await this.api.call('export.defaults', {});
      this.defaults = d;
      if (!this.form.out.trim() || this.form.out === previous?.out) this.form.out = d.out;
      if (!previous) this.form.figures = [...d.figures];
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  toggleFigure(name: string, on: boolean): void {
    const set = new Set(this.form.figures);
    if (on) set.add(name);
    else set.delete(name);
    const order = this.defaults?.figures ?? [...set];
    this.form.figures = order.filter((f) => set.has(f));
  }

  setAllFigures(on: boolean): void {
    this.form.figures = on ? [...(this.defaults?.figures ?? [])] : [];
  }

  toggleFormat(f: FigureFormat, on: boolean): void {
    this.form.formats = FORMATS.filter((x) => (x === f ? on : this.form.formats.includes(x)));
  }

  /** A new unit keeps the physical size (px at the current dpi). */
  setUnit(unit: SizeUnit): void {
    const f = this.form;
    const dpi = positive(f.dpi) ? f.dpi : EXPORT_DEFAULTS.dpi;
    if (positive(f.width)) f.width = convertLength(f.width, f.unit, unit, dpi);
    if (positive(f.height)) f.height = convertLength(f.height, f.unit, unit, dpi);
    f.unit = unit;
  }

  /** Problems the dialog can name before asking the engine (which checks the rest: paths, sizes, runs). */
  get problems(): { field: 'out' | 'width' | 'height' | 'dpi' | 'formats'; message: string }[] {
    const f = this.form;
    const out: ExportStore['problems'] = [];
    if (!f.out.trim()) out.push({ field: 'out', message: 'give a .zip file or a folder to create' });
    if (!positive(f.width)) out.push({ field: 'width', message: 'width must be a positive number' });
    if (!positive(f.height)) out.push({ field: 'height', message: 'height must be a positive number' });
    if (!positive(f.dpi)) out.push({ field: 'dpi', message: 'dpi must be a positive number' });
    if (f.formats.length === 0) out.push({ field: 'formats', message: 'choose png, svg or both' });
    return out;
  }

  request(ids: string[]): RequestOf<'export.bundle'> {
    const f = this.form;
    return {
      ids,
      out: f.out.trim(),
      figures: [...f.figures],
      width: f.width ?? undefined,
      height: f.height ?? undefined,
      unit: f.unit,
      dpi: f.dpi ?? undefined,
      colormap: f.colormap,
      vectorOrder: f.vectorOrder,
      background: f.background,
      formats: [...f.formats],
      overwrite: f.overwrite,
    };
  }

  async start(ids: string[]): Promise<void> {
    if (this.running || this.problems.length || ids.length === 0) return;
    this.running = true;
    this.cancelling = false;
    this.clearOutcome();
    try {
      const r = await this.api.call('export.bundle', this.request(ids));
      this.result = r;
      if (!this.visible) this.announce(`Exported ${r.files.length} files to ${r.out}`, 'info');
    } catch (e) {
      this.error = errorMessage(e);
      if (!this.visible && !this.cancelling) this.announce(`export: ${this.error}`, 'error');
    } finally {
      this.running = false;
      this.cancelling = false;
    }
  }

  /** Cancels the running export, whoever started it. */
  async cancel(): Promise<void> {
    if (!this.running && !this.elsewhere) return;
    this.cancelling = true;
    try {
      await this.api.call('export.cancel', {});
    } catch (e) {
      this.error = errorMessage(e);
      this.cancelling = false;
    }
  }

  private clearOutcome(): void {
    this.result = null;
    this.error = null;
    this.progress = null;
  }

  onProgress(e: ExportProgressEvent): void {
    if (!this.running && !this.elsewhere) {
      this.clearOutcome();
      this.elsewhere = true;
    }
    this.progress = e;
  }

  onEnded(): void {
    if (this.running) return; // our own call reports the outcome
    this.elsewhere = false;
    this.cancelling = false;
    this.progress = null;
  }
}
