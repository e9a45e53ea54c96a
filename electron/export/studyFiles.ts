// The transfer study's result as files: a CSV, a LaTeX booktabs table and the
// figure of transfer accuracy per mode (PNG or SVG, by the one renderer);
// written by `racecar study transfer` and by the app's study.
import { SOURCE_DIGITS, STUDY_MODES, TARGET_DIGITS, type StudyResult } from '../engine/study/transferStudy';
import { resolveFigureSize } from '../figures/canvas';
import { csvField } from '../figures/csvField';
import { figureTheme, renderChartPng, renderChartSvg } from '../figures/renderChart';
import { transferStudyChart } from '../figures/transferChart';

export function studyCsv(r: StudyResult): string {
  const rows = [['mode', 'first_layer', 'n', 'test_accuracy_mean', 'sd', 'ci95_low', 'ci95_high', 'p_vs_std', 'runs']];
  for (const c of r.cells) {
    const a = c.accuracy;
    rows.push([
      c.mode,
      c.frozen ? 'frozen' : 'trained',
      String(a.n),
      String(a.mean),
      String(a.sd),
      String(a.mean - a.ci95),
      String(a.mean + a.ci95),
      c.vsStd ? String(c.vsStd.p) : '',
      c.runs.join(' '),
    ]);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

export function studyLatex(r: StudyResult): string {
  const cell = (mode: string, frozen: boolean) => {
    const c = r.cells.find((x) => x.mode === mode && x.frozen === frozen)!;
    const a = c.accuracy;
    return Number.isFinite(a.sd) ? `$${a.mean.toFixed(3)} \\pm ${a.sd.toFixed(3)}$` : `$${a.mean.toFixed(3)}$`;
  };
  return (
    [
      '% Racecar Workbench: transfer study (\\usepackage{booktabs})',
      '\\begin{table}[t]',
      '\\centering',
      '\\begin{tabular}{lrr}',
      '\\toprule',
      'Source & first layer trained & first layer frozen \\\\',
      '\\midrule',
      ...STUDY_MODES.map((m) => `${m} & ${cell(m, false)} & ${cell(m, true)} \\\\`),
      '\\bottomrule',
      '\\end{tabular}',
      `\\caption{Test accuracy after transfer from MNIST digits ${SOURCE_DIGITS[0]}--${SOURCE_DIGITS.at(-1)} to ${TARGET_DIGITS[0]}--${TARGET_DIGITS.at(-1)}, mean $\\pm$ standard deviation over seeds.}`,
      '\\end{table}',
    ].join('\n') + '\n'
  );
}

const figureSpec = (r: StudyResult) => transferStudyChart(r.cells, `Transfer from MNIST ${SOURCE_DIGITS.join(',')} to ${TARGET_DIGITS.join(',')}`);
const FIGURE_SIZE = { width: 5, height: 3.5, unit: 'in', dpi: 300 } as const;

/** 5 x 3.5 in at 300 dpi. */
export const studyFigurePng = (r: StudyResult): Buffer => renderChartPng(figureSpec(r), resolveFigureSize(FIGURE_SIZE), figureTheme('white'));
export const studyFigureSvg = (r: StudyResult): string => renderChartSvg(figureSpec(r), resolveFigureSize(FIGURE_SIZE), figureTheme('white'));
