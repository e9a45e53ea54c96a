// The bundle's README.md (runs, a caption per figure, versions, file formats,
// how to reproduce and verify) and reproduce.sh.
import type { EvalRecord, RunRecord } from '../engine/types';
import { usesBatchNorm } from '../engine/config/schema';
import { imageShape } from '../engine/data/dataset';
import { layerLabel } from '../engine/config/layerNotation';
import { inputLabel } from '../engine/model/geometry';

export interface FigureEntry {
  /** README section: the run's label, or 'All runs'. */
  group: string;
  /** Bundle-relative paths of the figure's files (PNG, SVG or GIF). */
  files: string[];
  caption: string;
}

export interface ReadmeInput {
  exportedAt: string;
  /** What exported the bundle: app, tfjs, node, platform. */
  exporter: Record<string, string>;
  runs: { run: RunRecord; metrics: EvalRecord[]; configFile: string; label: string }[];
  figures: FigureEntry[];
  notes: string[];
  settings: string;
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const num = (v: number | undefined, digits = 4) =>
  v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toFixed(digits)));

export function describeNetwork(run: RunRecord): string {
  const input = run.dataInfo ? inputLabel(imageShape(run.dataInfo)) : '?';
  return [
    input,
    ...run.config.network.layers.map((l) => `${layerLabel(l)}${usesBatchNorm(l) ? ' BN' : ''}${l.type === 'pool' ? '' : ` ${l.activation}`}`),
  ].join(' → ');
}

export function describeData(run: RunRecord): string {
  const s = run.config.data.source;
  const info = run.dataInfo;
  const counts = info ? ` (${info.trainCount} train / ${info.testCount} test, ${info.height}x${info.width})` : '';
  const what = s.kind === 'peak' ? `peak (data seed ${s.seed})` : s.kind === 'mnist' ? `MNIST digits ${s.digits.join(',')}` : `folder ${s.path}`;
  return `${what}${counts}, scale ${run.config.data.scale}`;
}

export function bundleReadme(r: ReadmeInput): string {
  const names = r.runs.map((x) => x.label);
  const out: string[] = [];
  out.push(`# Figure bundle: ${names.join(', ')}`, '');
  out.push(
    `Exported ${r.exportedAt} by racecar-workbench ${r.exporter.app ?? '?'} (tfjs ${r.exporter.tfjs ?? '?'}, Node ${r.exporter.node ?? '?'}, ${r.exporter.platform ?? '?'}).`,
    `Reverse-pass ("racecar", RR) regularisation after Xie & Thuerey, *Reviving Autoencoder Pretraining* (Neural Computing and Applications 2022).`,
    '',
    `Figure settings: ${r.settings}.`,
    '',
  );

  out.push('## Runs', '');
  out.push('| run | id | status | data | network | λ_RR per layer | λ_Ort | optimiser | steps | seed | backend | test accuracy | test recon. (input) |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { run, metrics, label } of r.runs) {
    const last = metrics[metrics.length - 1];
    const t = run.config.training;
    out.push(
      `| ${md(label)} | \`${run.id}\` | ${run.status} | ${md(describeData(run))} | ${md(describeNetwork(run))} | ${run.config.network.layers.map((l) => num(l.lambda)).join(', ')} | ${num(run.config.loss.lambdaOrt)} | ${t.optimizer.kind} lr ${num(t.optimizer.learningRate)}, batch ${t.batchSize === 0 ? 'full' : t.batchSize} | ${run.lastStep}/${run.totalSteps} | ${run.config.seed} | ${run.backend ?? '-'} | ${num(last?.testAccuracy, 3)} | ${num(last?.testRecon[0])} |`,
    );
  }
  out.push('');
  out.push('Versions each run was trained with:', '');
  for (const { run, label } of r.runs) {
    const v = run.versions;
    const parts = Object.keys(v)
      .sort()
      .map((k) => `${k} ${v[k]}`);
    out.push(`- ${md(label)} (\`${run.id}\`): ${parts.length ? parts.join(', ') : 'not recorded'}`);
  }
  if (r.runs.some(({ run }) => run.config.loss.referenceQuirks)) {
    out.push(
      '',
      "Runs with `loss.referenceQuirks` reproduce the reference code's quirks (double softmax, BN+ReLU on the logits, BN in training mode at evaluation).",
    );
  }
  out.push('');

  out.push('## Figures', '');
  if (r.figures.length === 0) out.push('No figures were requested.', '');
  const groups = [...new Set(r.figures.map((f) => f.group))];
  for (const g of groups) {
    out.push(`### ${md(g)}`, '');
    for (const f of r.figures.filter((x) => x.group === g)) {
      out.push(`**${f.files.map((x) => `\`${x}\``).join(', ')}**`, '', f.caption, '');
    }
  }

  out.push('## Data', '');
  out.push(
    '- `metrics.csv`: one row per evaluation per run. Columns: `run_id`, `run_name`, `step`, `epoch`, `elapsed` (seconds since training started),',
    '  `steps_per_sec`, `loss_total`, `loss_ce`, `loss_rr_<k>` (λ-weighted reverse-pass term of layer k), `loss_ort` (λ-weighted SRIP term),',
    "  `train_accuracy`, `test_accuracy`, `test_recon_<k>` (test-set mean squared error of the reverse-pass reconstruction of layer k's input).",
    '  `phase`: the training phase the step belongs to (`pretraining layer <k>` for a run with layer-wise pretraining, then `task`).',
    '  Layers count from 1: layer 1 is the first layer, whose input is the image. Losses are those of the training batch at that step.',
    "  Numbers are written exactly as in the run's metrics.jsonl; `NaN` marks a value that was not finite, an empty field a layer the run does not have.",
    "- `metrics.json`: the same evaluations as JSON, with each run's record (status, backend, versions, data set summary) and its `phases` (first and last step of each).",
    "- `info-plane.csv` (runs trained with information planes): one row per run, evaluation and layer: `layer` d<k> (layer k's output, `kind` forward) or d'<k> (the reverse pass's reconstruction of d<k>, d'0 that of the image; `kind` reverse), `i_xt_bits` I(X;T), `i_ty_bits` I(T;Y), estimated by binning each unit into `bins` equal-width bins over `samples` fixed test images (I(X;T) is at most log2(samples), I(T;Y) at most H(Y); compare runs at the same bins and samples).",
    "- `configs/<run id>.json`: each run's complete configuration (data, seed, network, loss, training), as recorded by the run.",
    '',
  );

  out.push('## Reproduce', '');
  out.push(
    '    bash reproduce.sh [workspace]',
    '',
    'retrains every run from its config with `racecar train --config configs/<run id>.json --workspace <workspace>`',
    '(default workspace: `$RACECAR_WORKSPACE`, else `./racecar-reproduced`). It calls `$RACECAR` when set, e.g.',
    '`RACECAR="node /path/to/racecar-workbench/bin/racecar.js" bash reproduce.sh`, else `racecar` from PATH.',
    'Training is deterministic for a config on the same backend: every metric except `elapsed` and `steps_per_sec` comes out',
    'identical. Each command sets `RACECAR_BACKEND` to the backend the run used (and, on onnx, `RACECAR_ONNX_THREADS` to its',
    'thread count), unless it is set already.',
    '',
  );
  const partial = r.runs.filter(({ run }) => run.status !== 'completed');
  for (const { run, label } of partial) {
    if (run.status === 'diverged') {
      // The error names the step and the fix; lastStep is the last finite evaluation.
      out.push(`- ${md(label)} ${md(run.error ?? 'diverged')} (its last finite evaluation is at step ${run.lastStep} of ${run.totalSteps}).`);
    } else out.push(`- ${md(label)} was ${run.status} at step ${run.lastStep} of ${run.totalSteps}: reproduce.sh trains its full config.`);
  }
  if (partial.length) out.push('');
  if (r.runs.some(({ run }) => run.config.data.source.kind === 'folder')) {
    out.push('Runs on an image folder need that folder at the same path (see the config).', '');
  }

  out.push('## Integrity', '', '`MANIFEST.sha256` holds the SHA-256 of every other file; check an unpacked bundle with `sha256sum -c MANIFEST.sha256`.', '');
  if (r.notes.length) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${md(n)}`);
    out.push('');
  }
  return out.join('\n');
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** bash script retraining every run from its config in the bundle. */
export function reproduceScript(runs: { run: RunRecord; configFile: string; label: string }[]): string {
  const lines = [
    '#!/usr/bin/env bash',
    '# Retrains the runs of this figure bundle from their exact configurations.',
    '#',
    '#   bash reproduce.sh [workspace]',
    '#',
    '# The racecar command is $RACECAR when set (split on spaces), e.g.',
    '#   RACECAR="node /path/to/racecar-workbench/bin/racecar.js" bash reproduce.sh',
    '# else `racecar` from PATH. Runs are written to the workspace given as the first',
    '# argument, else $RACECAR_WORKSPACE, else ./racecar-reproduced. Metrics are identical',
    '# (except elapsed and steps_per_sec) on the backend the run used, which each command',
    '# selects unless RACECAR_BACKEND is already set.',
    'set -euo pipefail',
    'here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    'if [ -n "${RACECAR:-}" ]; then',
    '  read -r -a racecar <<< "$RACECAR"',
    'elif command -v racecar >/dev/null 2>&1; then',
    '  racecar=(racecar)',
    'else',
    '  echo \'reproduce.sh: racecar not found: put it on PATH or set RACECAR="node /path/to/racecar-workbench/bin/racecar.js"\' >&2',
    '  exit 127',
    'fi',
    'workspace="${1:-${RACECAR_WORKSPACE:-$PWD/racecar-reproduced}}"',
    '',
  ];
  for (const { run, configFile, label } of runs) {
    lines.push(
      `# ${label.replace(/[\r\n]/g, ' ')} (${run.id}): ${run.totalSteps} steps${run.backend ? `, backend ${run.backend}` : ''}${run.status === 'diverged' ? `; the original run ${run.error ?? 'diverged'}` : run.status !== 'completed' ? `; the original run was ${run.status} at step ${run.lastStep}` : ''}`,
    );
    // ONNX Runtime's bits depend on its thread count too (onnx/runtime.ts).
    const threads =
      run.backend === 'onnx' && run.versions.onnxThreads ? `RACECAR_ONNX_THREADS="\${RACECAR_ONNX_THREADS:-${Number(run.versions.onnxThreads)}}" ` : '';
    const env = run.backend ? `RACECAR_BACKEND="\${RACECAR_BACKEND:-${run.backend}}" ${threads}` : '';
    lines.push(`${env}"\${racecar[@]}" train --config "$here"/${shQuote(configFile)} --workspace "$workspace"`);
  }
  lines.push('');
  return lines.join('\n');
}
