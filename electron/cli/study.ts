// `racecar study transfer`: the transfer study in one command (see
// engine/study/transferStudy.ts), printed as a table and written as CSV and a
// LaTeX table.
import { parseSeedList } from '../engine/sweep/spec';
import { RunStore } from '../engine/store/runStore';
import { STUDY_DEFAULTS, STUDY_MODES, SOURCE_DIGITS, TARGET_DIGITS, runTransferStudy, type StudyResult } from '../engine/study/transferStudy';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { studyCsv, studyFigurePng, studyFigureSvg, studyLatex } from '../export/studyFiles';
import { UsageError, intFlag, workspaceOf } from './flags';
import { fmt, table } from './format';
import { JSON_OPTION, WORKSPACE_OPTION, parseCommand, type CommandSpec } from './options';
import { abortOnSignals } from './signals';
import { checkTarget } from './stats';

export const STUDY_COMMAND: CommandSpec = {
  name: 'study',
  summary: 'ready-made studies: transfer (Std / Ort / RR / Pre sources fine-tuned on a new task)',
  usage: ['study transfer [--seeds 0-2] [--source-steps n] [--target-steps n] [--hidden 128] [--csv file] [--latex file] [--figure file.png] [--json]'],
  positionals: true,
  options: {
    seeds: { type: 'string', arg: '0-2', help: `training seeds (default ${STUDY_DEFAULTS.seeds.join(',')})` },
    'source-steps': { type: 'string', arg: 'n', help: `steps of each source run (default ${STUDY_DEFAULTS.sourceSteps}; Pre pretrains half as many first)` },
    'target-steps': { type: 'string', arg: 'n', help: `steps of each fine-tuning run (default ${STUDY_DEFAULTS.targetSteps})` },
    hidden: { type: 'string', arg: 'sizes', help: `hidden layer sizes (default ${STUDY_DEFAULTS.hidden.join(',')})` },
    csv: { type: 'string', arg: 'file', help: 'also write the table as CSV (a new file)' },
    latex: { type: 'string', arg: 'file', help: 'also write it as a LaTeX booktabs table (a new file)' },
    figure: {
      type: 'string',
      arg: 'file.png',
      help: 'also draw the accuracy per mode, trained and frozen, mean with 95% CI (a new .png or .svg, 5 x 3.5 in, 300 dpi)',
    },
    ...JSON_OPTION,
    ...WORKSPACE_OPTION,
  },
  footer: `Source task: MNIST digits ${SOURCE_DIGITS.join(',')}; target task: digits ${TARGET_DIGITS.join(',')}. Each source (${STUDY_MODES.join(', ')})
is fine-tuned twice, with its first layer frozen and not; every run is an ordinary run
of the workspace (racecar runs lists them, racecar stats compares any of them).`,
};

export async function cmdStudy(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(STUDY_COMMAND, args);
  if (positionals[0] !== 'transfer' || positionals.length !== 1) throw new UsageError('name the study: racecar study transfer');
  const csv = checkTarget('csv', values.csv as string | undefined);
  const latex = checkTarget('latex', values.latex as string | undefined);
  const figure = checkTarget('figure', values.figure as string | undefined);
  if (figure && !/\.(png|svg)$/i.test(figure)) throw new UsageError(`--figure ${values.figure as string}: name a .png or .svg file`);
  const seeds = values.seeds !== undefined ? parseSeedList(values.seeds as string) : STUDY_DEFAULTS.seeds;
  const hidden = values.hidden !== undefined ? (values.hidden as string).split(',').map((v) => intFlag('hidden', v.trim())!) : STUDY_DEFAULTS.hidden;
  const o = {
    seeds,
    hidden,
    sourceSteps: intFlag('source-steps', values['source-steps'] as string | undefined) ?? STUDY_DEFAULTS.sourceSteps,
    targetSteps: intFlag('target-steps', values['target-steps'] as string | undefined) ?? STUDY_DEFAULTS.targetSteps,
  };
  const store = new RunStore(workspaceOf(values));
  const stop = abortOnSignals();
  const total = seeds.length * STUDY_MODES.length * 3;
  let finished = 0;
  const onEvent = (e: { type: string; status?: string }, label: string) => {
    if (e.type === 'finished') process.stderr.write(`[${++finished}/${total}] ${label}: ${e.status}\n`);
  };
  let r: StudyResult;
  try {
    r = await runTransferStudy(store, o, onEvent, stop.signal);
  } finally {
    stop.dispose();
  }
  if (csv) writeFileAtomic(csv, studyCsv(r));
  if (latex) writeFileAtomic(latex, studyLatex(r));
  if (figure) writeFileAtomic(figure, /\.svg$/i.test(figure) ? studyFigureSvg(r) : studyFigurePng(r));
  if (values.json) {
    console.log(JSON.stringify(r, null, 2));
    return 0;
  }
  console.log(`transfer from MNIST ${SOURCE_DIGITS.join(',')} to ${TARGET_DIGITS.join(',')}, test accuracy over seeds ${seeds.join(',')}:`);
  console.log(
    table(
      ['source', 'first layer', 'runs', 'mean ± sd [95% CI]', 'p vs Std'],
      r.cells.map((c) => [
        c.mode,
        c.frozen ? 'frozen' : 'trained',
        String(c.accuracy.n),
        `${fmt(c.accuracy.mean, 4)} ± ${fmt(c.accuracy.sd, 4)} [${fmt(c.accuracy.mean - c.accuracy.ci95, 4)}, ${fmt(c.accuracy.mean + c.accuracy.ci95, 4)}]`,
        c.vsStd ? fmt(c.vsStd.p, 4) : '-',
      ]),
    ),
  );
  return 0;
}
