// The Sweep view's chart: a sweep figure (electron/figures/sweepCharts.ts, the
// same definition the export draws) in the app's theme, with tooltips, and a
// click on a point that stands for one run opening that run.
import {
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { sweepChartJsConfig, type SweepFigure } from '../../../electron/figures/sweepCharts';
import { appTheme, context2d } from './charts';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend, Title, Tooltip, MatrixController, MatrixElement);

interface Raw {
  runId?: string;
  info?: string;
}

/** A clickable point in CSS px of the canvas (for keyboard users' list and for tests). */
export interface PointSpot {
  x: number;
  y: number;
  runId: string;
  info: string;
}

export class SweepChart {
  private chart: Chart | null = null;

  /** @param onLayout called after the chart is laid out again (a resize): its points have moved. */
  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onOpen: (runId: string) => void,
    private readonly onLayout: () => void = () => {},
  ) {}

  draw(fig: SweepFigure): void {
    this.chart?.destroy();
    this.chart = null;
    if (!context2d(this.canvas)) return;
    const config = sweepChartJsConfig(fig, appTheme(), { responsive: true, interactive: true, title: true }) as ChartConfiguration;
    const options = (config.options ??= {});
    if (fig.kind === 'line') options.interaction = { mode: 'nearest', intersect: true };
    options.onResize = () => requestAnimationFrame(() => this.onLayout());
    options.onHover = (e, elements) => {
      const t = e.native?.target as HTMLElement | undefined;
      if (t) t.style.cursor = elements.some((el) => this.rawAt(el.datasetIndex, el.index)?.runId) ? 'pointer' : 'default';
    };
    options.onClick = (_e, elements) => {
      for (const el of elements) {
        const id = this.rawAt(el.datasetIndex, el.index)?.runId;
        if (id) return this.onOpen(id);
      }
    };
    this.chart = new Chart(this.canvas, config);
  }

  private rawAt(ds: number, i: number): Raw | undefined {
    return this.chart?.data.datasets[ds]?.data[i] as Raw | undefined;
  }

  /** Points that open a run, where they are drawn. */
  spots(): PointSpot[] {
    const c = this.chart;
    if (!c) return [];
    const out: PointSpot[] = [];
    c.data.datasets.forEach((ds, d) => {
      const meta = c.getDatasetMeta(d);
      ds.data.forEach((raw, i) => {
        const r = raw as Raw;
        const el = meta.data[i] as unknown as { getCenterPoint?: () => { x: number; y: number }; x: number; y: number } | undefined;
        if (!r?.runId || !el) return;
        const p = el.getCenterPoint ? el.getCenterPoint() : { x: el.x, y: el.y };
        if (Number.isFinite(p.x) && Number.isFinite(p.y)) out.push({ x: Math.round(p.x), y: Math.round(p.y), runId: r.runId, info: r.info ?? '' });
      });
    });
    return out;
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}
