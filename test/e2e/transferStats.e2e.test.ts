// End to end in Chromium (browser mode, the real engine process): "Transfer
// from this run..." with the engine's one-line errors inline, the transfer
// run's lineage in the runs list and the config diff, and the statistics
// panel of selected runs with its CSV and LaTeX from the engine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../electron/engine/config/schema';
import { startEngine } from '../../electron/host/startEngine';
import type { EngineClient } from '../../electron/host/engineClient';
import { startBrowserServer, type BrowserServer } from '../../electron/server/browserServer';
import { call } from '../helpers/contract';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../..');
const RENDERER = path.join(ROOT, 'dist', 'renderer');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const skipE2e = process.env.RACECAR_SKIP_E2E === '1';

let workspace: string;
let userDataDir: string;
let service: EngineClient;
let server: BrowserServer;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

const config = (name: string, seed: number, lambda: number): RunConfigInput => ({
  name,
  seed,
  data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3 } },
  network: {
    layers: [
      { units: 12, activation: 'relu', batchNorm: true, lambda },
      { units: 2, activation: 'linear', lambda },
    ],
  },
  training: { steps: 40, evalEvery: 20, checkpointEvery: 20, backwardSamples: 2, optimizer: { kind: 'adam', learningRate: 1e-3 } },
});

async function trained(c: RunConfigInput): Promise<string> {
  const { id } = await call(service, 'runs.start', { config: c });
  // In beforeAll (no expect.poll there): until the run has ended, then it must have completed.
  let status = 'queued';
  for (const until = Date.now() + 120_000; (status === 'queued' || status === 'running') && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 200));
    status = (await service.handle('runs.get', { id })).run.status;
  }
  expect(status).toBe('completed');
  return id;
}

const row = (id: string) => page.locator(`[data-testid="run-row"][data-run="${id}"]`);

describe.skipIf(skipE2e)('transfer and statistics in Chromium', () => {
  const std: string[] = [];
  const rr: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(RENDERER, 'index.html'))) {
      const { build } = await import('vite');
      await build({ configFile: path.join(ROOT, 'renderer', 'vite.config.mts'), logLevel: 'warn' });
    }
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-e2e-transfer-ws-'));
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'racecar-e2e-transfer-chromium-'));
    service = await startEngine({ workspace, mode: 'browser' });
    server = await startBrowserServer({ handler: service, staticDir: RENDERER, port: 0, workspace: () => service.workspace });
    for (const seed of [1, 2]) {
      std.push(await trained(config(`std-${seed}`, seed, 0)));
      rr.push(await trained(config(`rr-${seed}`, seed, 1e-3)));
    }
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 950 },
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(server.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-view').waitFor();
  }, 300_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await server?.close().catch(() => {});
    await service?.close().catch(() => {});
    for (const d of [workspace, userDataDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('transfer dialog: shows the engine’s errors inline, starts the run with config.init, and the list and diff show its lineage', async () => {
    const source = rr[0]!;
    await page.getByTestId(`actions-${source}`).locator('summary').click();
    await page.getByTestId(`transfer-${source}`).click();
    const dialog = page.getByTestId('transfer-dialog');
    await dialog.waitFor();
    // The source's checkpoints to start from.
    expect(await page.getByTestId('transfer-step').locator('option').allTextContents()).toEqual(['20', '40 (last)']);
    await page.getByTestId('transfer-step').selectOption('20');
    // Three classes: the output layer is no longer copied; copying it anyway is refused by the engine, in its words.
    await page.getByTestId('transfer-classes').fill('3');
    await expect.poll(() => page.getByTestId('transfer-copy-2').isChecked()).toBe(false);
    await page.getByTestId('transfer-copy-2').check();
    await expect
      .poll(() => page.getByTestId('transfer-error').textContent())
      .toBe(`init.layers: layer 2 is 12x3 here and 12x2 in run "${source}": leave it out of init.layers`);
    expect(await page.getByTestId('transfer-start').isDisabled()).toBe(true);
    await page.getByTestId('transfer-copy-2').uncheck();
    await page.getByTestId('transfer-freeze-1').check();
    await page.getByTestId('transfer-data').selectOption('peak');
    await page.getByTestId('transfer-data-seed').fill('5');
    await page.getByTestId('transfer-steps').fill('20');
    await page.getByTestId('transfer-name').fill('e2e transfer');
    await expect.poll(() => page.getByTestId('transfer-error').count()).toBe(0);
    await expect.poll(() => page.getByTestId('transfer-start').isEnabled()).toBe(true);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'transfer-dialog.png') });
    const before = new Set((await service.handle('runs.list', {})).runs.map((r) => r.run.id));
    await page.getByTestId('transfer-start').click();
    let id = '';
    await expect.poll(async () => (id = (await service.handle('runs.list', {})).runs.map((r) => r.run.id).find((x) => !before.has(x)) ?? '')).not.toBe('');
    await expect.poll(async () => (await service.handle('runs.get', { id })).run.status, { timeout: 120_000, interval: 250 }).toBe('completed');
    const run = (await service.handle('runs.get', { id })).run;
    expect(run.config.init).toEqual({ fromRun: source, step: 20, layers: [1], freeze: [1] });
    expect(run.config.network.layers.map((l) => ['units' in l ? l.units : null, l.lambda])).toEqual([
      [12, 0],
      [3, 0],
    ]);
    expect(run.config.data.source).toMatchObject({ kind: 'peak', seed: 5 });
    expect(run.config.training.steps).toBe(20);

    // The runs list: "← from rr-1@20", a link that selects the source.
    await page.getByTestId('nav-runs').click();
    await expect.poll(() => row(id).getByTestId('run-lineage').textContent()).toBe('← from rr-1@20');
    await page.getByTestId(`compare-${id}`).check();
    await row(id).getByTestId('run-lineage').click();
    await expect.poll(() => page.getByTestId(`compare-${source}`).isChecked()).toBe(true);
    // The config diff names the source.
    await expect.poll(() => page.getByTestId('diff-init.fromRun').allTextContents()).toEqual([`rr-1 (${source})`, '—']);
    await page.getByRole('button', { name: 'Clear selection' }).click();
    expect(problems).toEqual([]);
  }, 240_000);

  it('statistics panel: per mode n, mean, sd and 95% CI with Welch’s test, and the engine’s CSV and LaTeX to copy', async () => {
    await page.getByTestId('nav-runs').click();
    for (const id of [...std, ...rr]) await page.getByTestId(`compare-${id}`).check();
    await page.getByTestId('stats-compute').click();
    await page.getByTestId('stats-table').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('stats-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.mode))).toEqual(['Std', 'RR']);
    // The numbers are the engine's (runs.stats), for these runs.
    const s = await service.handle('runs.stats', { ids: [...std, ...rr] });
    const acc = s.groups[0]!.metrics.testAccuracy;
    const shown = await page.locator('[data-testid="stats-row"][data-mode="Std"] [data-testid="stats-testAccuracy"]').textContent();
    expect(shown).toContain(`[${String(Number((acc.mean - acc.ci95).toPrecision(4)))}`);
    expect(await page.getByTestId('stats-test-row').count()).toBe(1);
    await page.getByTestId('stats-panel').screenshot({ path: path.join(SHOTS, 'stats-panel.png') });
    expect(await page.getByTestId('stats-p-recon').textContent()).toMatch(/^p = [0-9.e−-]+ \(t = /);
    await page.getByTestId('stats-copy-csv').click();
    await expect.poll(() => page.getByTestId('stats-copied').textContent()).toBe('CSV copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(s.csv);
    await page.getByTestId('stats-copy-latex').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(s.latex);
    // Another selection: the numbers of the old one are not shown for it.
    await page.getByTestId(`compare-${rr[1]}`).uncheck();
    expect(await page.getByTestId('stats-table').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 240_000);

  it('the transfer study in one click: its twelve source runs queue in the engine', async () => {
    await page.getByTestId('nav-runs').click();
    const before = (await service.handle('runs.list', {})).total;
    await page.getByTestId('runs-transfer-study').click();
    await expect.poll(() => page.getByText(/^Transfer study started: 36 runs/).count()).toBe(1);
    const runs = (await service.handle('runs.list', {})).runs.map((r) => r.run);
    const sources = runs.filter((r) => r.name.startsWith('transfer-source-'));
    expect(runs).toHaveLength(before + 12);
    expect(sources.map((r) => r.name).sort()).toEqual(
      ['Std', 'Ort', 'RR', 'Pre'].flatMap((m) => [0, 1, 2].map((seed) => `transfer-source-${m}-s${seed}`)).sort(),
    );
    // Not trained to the end here (36 runs of hundreds of steps): the engine's close interrupts them.
    for (const r of sources) await service.handle('runs.cancel', { id: r.id }).catch(() => {});
    expect(problems).toEqual([]);
  }, 120_000);
});
