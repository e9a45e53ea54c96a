// A chart spec drawn once as it is (no live appends): the Info plane view's
// plane, from the same definition as the exported figure, in the app's theme
// with tooltips.
import { Chart, type ChartConfiguration } from 'chart.js';
import { toChartJsConfig, type ChartSpec } from '../../../electron/figures/chartSpecs';
import { appTheme, context2d } from './charts';

export class SpecChart {
  private chart: Chart | null = null;
  private spec: ChartSpec | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  draw(spec: ChartSpec): void {
    this.spec = spec;
    this.chart?.destroy();
    this.chart = null;
    if (!context2d(this.canvas)) return;
    const config = toChartJsConfig(spec, appTheme(), { responsive: true, interactive: true, title: false });
    this.chart = new Chart(this.canvas, config as unknown as ChartConfiguration);
  }

  /** What is drawn (for its table and CSV). */
  current(): ChartSpec | null {
    return this.spec;
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}
