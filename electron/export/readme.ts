// The bundle's README.md (runs, a caption per figure, versions, file formats,
// how to reproduce and verify) and reproduce.sh.
import type { EvalRecord, RunRecord } from '../engine/types';
import type { RetrainPlan } from './lineage';
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
  const transfers = r.runs.filter(({ run }) => run.config.init);
  if (transfers.length) {
    out.push(
      "Transfer runs start from another run's weights (`init` in their config). reproduce.sh retrains each source run first (its config is",
      "in `configs/` even where the source is not one of this bundle's runs), then the transfer run from the new source run (`--init-from <new id>@<step>`):",
      '',
    );
    for (const { run, label } of transfers)
      out.push(
        `- ${md(label)} (\`${run.id}\`) ← run \`${run.config.init!.fromRun}\`${run.config.init!.step !== undefined ? ` at step ${run.config.init!.step}` : ''}`,
      );
    out.push('');
  }
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

/** bash script retraining every run from its config in the bundle: a transfer run after its source, started from the source's new run. */
export function reproduceScript(plan: RetrainPlan): string {
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
    '# selects unless RACECAR_BACKEND is already set. A transfer run is trained after its',
    '# source run, from the weights of the new source run.',
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
    'missing=0',
    '',
  ];
  // The shell variable holding the new id of each run another one starts from.
  const sources = new Set(plan.entries.flatMap((e) => (e.run.config.init ? [e.run.config.init.fromRun] : [])));
  const idVar = new Map(plan.entries.filter((e) => sources.has(e.run.id)).map((e, k) => [e.run.id, `source_${k + 1}`]));
  for (const { run, configFile, label, sourceOnly } of plan.entries) {
    lines.push(
      `# ${label.replace(/[\r\n]/g, ' ')} (${run.id}): ${run.totalSteps} steps${run.backend ? `, backend ${run.backend}` : ''}${sourceOnly ? '; not in this bundle: the source of a transfer run' : ''}${run.status === 'diverged' ? `; the original run ${run.error ?? 'diverged'}` : run.status !== 'completed' ? `; the original run was ${run.status} at step ${run.lastStep}` : ''}`,
    );
    const init = run.config.init;
    const gone = plan.missing.get(run.id);
    if (gone !== undefined) {
      lines.push(
        `echo ${shQuote(`reproduce.sh: ${run.id} starts from run ${gone}, which was not in the workspace when this bundle was exported: it is not retrained`)} >&2`,
        'missing=1',
      );
      continue;
    }
    // ONNX Runtime's bits depend on its thread count too (onnx/runtime.ts).
    const threads =
      run.backend === 'onnx' && run.versions.onnxThreads ? `RACECAR_ONNX_THREADS="\${RACECAR_ONNX_THREADS:-${Number(run.versions.onnxThreads)}}" ` : '';
    const env = run.backend ? `RACECAR_BACKEND="\${RACECAR_BACKEND:-${run.backend}}" ${threads}` : '';
    // --init-from swaps the source for its new run; the layers copied and frozen stay the config's.
    const from = init ? ` --init-from "\${${idVar.get(init.fromRun)!}}${init.step !== undefined ? `@${init.step}` : ''}"` : '';
    const train = `${env}"\${racecar[@]}" train --config "$here"/${shQuote(configFile)}${from} --workspace "$workspace"`;
    const v = idVar.get(run.id);
    if (v === undefined) lines.push(train);
    else lines.push(`${v}="$(${train})"`, `echo "reproduce.sh: ${run.id} retrained as $${v}" >&2`);
  }
  lines.push('exit "$missing"', '');
  return lines.join('\n');
}
