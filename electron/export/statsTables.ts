// Statistics over seeds as tables: CSV (one row per mode and metric, and per
// test) and LaTeX (booktabs), ready to paste into a paper.
import type { RunStats, StatMetric } from '../engine/stats/groups';
import { STAT_METRICS, statLabel } from '../engine/stats/groups';
import { csvField } from '../figures/csvField';

const num = (v: number, digits = 4): string =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(digits)) : '';

export function statsCsv(s: RunStats): string {
  const rows = [['kind', 'mode', 'versus', 'metric', 'n', 'mean', 'sd', 'ci95_low', 'ci95_high', 't', 'df', 'p']];
  for (const g of s.groups)
    for (const m of STAT_METRICS) {
      const x = g.metrics[m];
      rows.push(['summary', g.mode, '', m, String(x.n), num(x.mean, 6), num(x.sd, 6), num(x.mean - x.ci95, 6), num(x.mean + x.ci95, 6), '', '', '']);
    }
  for (const t of s.tests) rows.push(['welch', t.a, t.b, t.metric, '', '', '', '', '', num(t.test.t, 4), num(t.test.df, 2), num(t.test.p, 4)]);
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

const tex = (s: string) => s.replace(/[\\&%$#_{}~^]/g, (c) => (c === '\\' ? '\\textbackslash{}' : `\\${c}`));
const cell = (m: StatMetric, mean: number, sd: number) => {
  const d = m === 'recon' ? 1 : 3;
  return Number.isFinite(mean) ? `$${mean.toFixed(d)}${Number.isFinite(sd) ? ` \\pm ${sd.toFixed(d)}` : ''}$` : '--';
};

/** Two booktabs tables: mean ± sd (n) per mode, and Welch's p-values between modes. */
export function statsLatex(s: RunStats, caption = 'Mean $\\pm$ standard deviation over seeds'): string {
  const head = ['Mode', 'n', ...STAT_METRICS.map((m) => tex(statLabel(m)))];
  const lines = [
    '% Racecar Workbench: statistics over seeds (\\usepackage{booktabs})',
    '\\begin{table}[t]',
    '\\centering',
    `\\begin{tabular}{l${'r'.repeat(head.length - 1)}}`,
    '\\toprule',
    `${head.join(' & ')} \\\\`,
    '\\midrule',
    ...s.groups.map((g) => `${tex(g.mode)} & ${g.runs.length} & ${STAT_METRICS.map((m) => cell(m, g.metrics[m].mean, g.metrics[m].sd)).join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{${caption}.}`,
    '\\end{table}',
  ];
  if (s.tests.length) {
    lines.push(
      '',
      '\\begin{table}[t]',
      '\\centering',
      `\\begin{tabular}{l${'r'.repeat(STAT_METRICS.length)}}`,
      '\\toprule',
      `Modes & ${STAT_METRICS.map((m) => tex(statLabel(m))).join(' & ')} \\\\`,
      '\\midrule',
    );
    const pairs = [...new Set(s.tests.map((t) => `${t.a}|${t.b}`))];
    for (const pair of pairs) {
      const [a, b] = pair.split('|');
      const p = (m: StatMetric) => s.tests.find((t) => `${t.a}|${t.b}` === pair && t.metric === m)?.test.p;
      lines.push(
        `${tex(a)} vs ${tex(b)} & ${STAT_METRICS.map((m) => (p(m) === undefined ? '--' : `$${p(m)! < 1e-3 ? '<0.001' : p(m)!.toFixed(3)}$`)).join(' & ')} \\\\`,
      );
    }
    lines.push('\\bottomrule', '\\end{tabular}', "\\caption{Welch's t-test between modes: two-sided $p$.}", '\\end{table}');
  }
  return lines.join('\n') + '\n';
}
