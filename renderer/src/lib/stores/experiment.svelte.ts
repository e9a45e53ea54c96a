// The Experiment panel's state: the form, its validation (derived, so every
// edit re-validates through RunConfigSchema), the engine's presets, and Start.
import type { EngineApi, Preset } from '../../../../electron/contract/contract';
import type { RunConfig, RunConfigInput } from '../../../../electron/engine/config/schema';
import {
  addLayer,
  applyMnistPair,
  applyRegularizer,
  configToForm,
  defaultForm,
  inputShapeOf,
  moveLayer,
  regularizerOf,
  removeLayer,
  rrLambdasOf,
  validateForm,
  type FormState,
  type LayerForm,
  type Regularizer,
} from '../form';
import { errorMessage } from '../../../../electron/engine/util/errorMessage';
import type { FeatureShape } from '../../../../electron/engine/model/geometry';

/** What the engine read of an image folder: its images' shape, or why it could not. */
export interface FolderShape {
  path: string;
  shape: FeatureShape | null;
  error: string | null;
}

export class ExperimentStore {
  form = $state<FormState>(defaultForm());
  /** The last image folder the engine read (data.shape); its shape counts while the form names that folder. */
  folder = $state<FolderShape | null>(null);
  /** The network's input shape: built-in data from the form, a folder's from the engine once read. */
  inputShape = $derived(inputShapeOf(this.form, this.folder && this.folder.path === this.form.data.folder.path.trim() ? this.folder.shape : null));
  validation = $derived(validateForm(this.form, this.inputShape));
  regularizer = $derived(regularizerOf(this.form));
  presets = $state<Preset[]>([]);
  presetsError = $state<string | null>(null);
  /** Id of the preset last loaded, or '' after edits from scratch. */
  presetId = $state('');
  rrLambda = $state('1e-6');
  ortLambda = $state('0.1');
  /** The per-layer RR lambdas to give back when RR is chosen again (by layer key), and the "all layers" value they were kept under. */
  private kept: { lambdas: Map<LayerForm['key'], string>; rrLambda: string } | null = null;
  starting = $state(false);
  startError = $state<string | null>(null);

  constructor(private api: EngineApi) {}

  async loadPresets(): Promise<void> {
    try {
      const r = await this.api.call('presets.list', {});
      this.presets = r.presets;
      this.presetsError = null;
    } catch (e) {
      this.presetsError = errorMessage(e);
    }
  }

  /** Reads the named image folder's shape through the engine (it loads the folder on a worker thread); a later path wins. */
  async readFolderShape(): Promise<void> {
    const path = this.form.data.folder.path.trim();
    if (this.form.data.kind !== 'folder' || path === '' || this.folder?.path === path) return;
    this.folder = { path, shape: null, error: null };
    try {
      const r = await this.api.call('data.shape', { source: { kind: 'folder', path } });
      if (this.folder?.path === path) this.folder = { path, shape: r.shape, error: null };
    } catch (e) {
      if (this.folder?.path === path) this.folder = { path, shape: null, error: errorMessage(e) };
    }
  }

  applyPreset(id: string): void {
    const p = this.presets.find((x) => x.id === id);
    if (!p) return;
    this.loadConfig(p.config);
    this.presetId = id;
  }

  loadConfig(config: RunConfig | RunConfigInput): void {
    this.form = configToForm(config);
    this.presetId = '';
    this.startError = null;
    const rr = this.form.layers.find((l) => Number(l.lambda) > 0);
    if (rr) this.rrLambda = rr.lambda;
    this.kept = null;
    this.keepLambdas();
    if (Number(this.form.loss.lambdaOrt) > 0) this.ortLambda = this.form.loss.lambdaOrt;
  }

  reset(): void {
    this.form = defaultForm();
    this.presetId = '';
    this.kept = null;
  }

  /** Remembers the layers' own RR lambdas (the ones set now win over older ones). */
  private keepLambdas(): void {
    const lambdas = new Map([...(this.kept?.lambdas ?? []), ...rrLambdasOf(this.form)]);
    this.kept = lambdas.size > 0 ? { lambdas, rrLambda: this.rrLambda } : null;
  }

  addLayer(at?: number): void {
    addLayer(this.form, at);
  }
  removeLayer(i: number): void {
    removeLayer(this.form, i);
  }
  moveLayer(i: number, d: -1 | 1): void {
    moveLayer(this.form, i, d);
  }
  /** Std / Ort / RR on the same network: RR gives each layer back its own lambda, unless "RR λ (all layers)" was changed since. */
  setRegularizer(kind: Regularizer): void {
    // A new value for all layers is one for all layers.
    if (this.kept && this.kept.rrLambda !== this.rrLambda) this.kept = null;
    else this.keepLambdas();
    const kept = this.kept?.lambdas;
    applyRegularizer(this.form, kind, { rrLambda: this.rrLambda, ortLambda: this.ortLambda, ...(kept ? { kept } : {}) });
  }
  mnistPair(): void {
    applyMnistPair(this.form);
  }

  /** Starts the run; resolves to its id, or null when invalid or refused (startError says why). */
  async start(): Promise<string | null> {
    const v = this.validation;
    if (!v.ok || this.starting) return null;
    this.starting = true;
    this.startError = null;
    try {
      // A plain copy of the form's reactive state.
      const config = JSON.parse(JSON.stringify(v.config)) as RunConfig;
      const r = await this.api.call('runs.start', { config });
      return r.id;
    } catch (e) {
      this.startError = errorMessage(e);
      return null;
    } finally {
      this.starting = false;
    }
  }
}
