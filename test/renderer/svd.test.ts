// @vitest-environment jsdom
// The SVD view's rules and its compact runs x vectors grid.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary, SvdView } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { RunRecord } from '../../electron/engine/types';
import { runColor } from '../../electron/figures/runColors';
import SvdGrid from '../../renderer/src/components/SvdGrid.svelte';
import SvdViewComponent from '../../renderer/src/components/SvdView.svelte';
import VectorDialog, { type EnlargedVector } from '../../renderer/src/components/VectorDialog.svelte';
import {
  alignedOutside,
  bestAligned,
  outsideNote,
  sharedSigmaRange,
  shownVectors,
  svdLayers,
  vectorKind,
  vectorName,
  vectorPixels,
} from '../../renderer/src/lib/svd';
import { AppStore } from '../../renderer/src/lib/stores/app.svelte';
import { fakeApi } from './fakeApi';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

/** An MNIST-RR-like spectrum: 32 vectors, the data-like ones (best aligned) with the smallest σ. */
function mnistRrLike(runId: string): SvdView {
  const singularValues = Array.from({ length: 32 }, (_, j) => 1.5 - j * 0.015);
  const perVector = singularValues.map((_, j) => (j >= 30 ? 0.3 : 0.01));
  return {
    runId,
    layer: 0,
    step: 900,
    rows: 4,
    cols: 32,
    image: { height: 2, width: 2 },
    singularValues,
    vectors: singularValues.map(() => 'data:image/png;base64,'),
    alignment: {
      perVector,
      energyTopK: 0.02,
      energyBestK: 0.6,
      k: 2,
      classMeans: [
        { label: 0, bestVector: 30, cosine: 0.8, meanImage: 'data:image/png;base64,mean0' },
        { label: 1, bestVector: 31, cosine: 0.7, meanImage: 'data:image/png;base64,mean1' },
      ],
      score: 0.75,
    },
  };
}

describe('SVD rules', () => {
  const v = mnistRrLike('r');

  it('orders the vectors shown by σ either way or by alignment', () => {
    expect(shownVectors(v, 'sigma', 4)).toEqual([0, 1, 2, 3]);
    expect(shownVectors(v, 'sigma-asc', 3)).toEqual([31, 30, 29]);
    expect(shownVectors(v, 'alignment', 3)).toEqual([30, 31, 0]);
    expect(shownVectors(v, 'sigma', 0)).toHaveLength(32);
    expect(vectorName(0)).toBe('u1');
  });

  it('says where best-aligned vectors lie when they are not shown', () => {
    expect([...bestAligned(v)]).toEqual([
      [30, [0]],
      [31, [1]],
    ]);
    expect(alignedOutside(v, shownVectors(v, 'sigma', 8))).toEqual([30, 31]);
    expect(outsideNote(v, shownVectors(v, 'sigma', 8), 'sigma', String)).toBe(
      'Best aligned with the data: u31 (class 0), u32 (class 1) among the smallest σ, outside the 8 shown: order by alignment to see them first.',
    );
    expect(outsideNote(v, shownVectors(v, 'alignment', 8), 'alignment', String)).toBeNull();
  });

  it('draws a vector with the diverging map on a given scale, and spans spectra with one axis', () => {
    const px = vectorPixels([0, 2, -2, 4], 2);
    expect([...px.slice(0, 4)]).toEqual([0xf7, 0xf7, 0xf7, 255]); // 0: the centre colour
    expect([...px.slice(4, 7)]).toEqual([0x67, 0x00, 0x1f]); // +scale: darkest red
    expect([...px.slice(8, 11)]).toEqual([0x05, 0x30, 0x61]); // -scale: darkest blue
    expect([...px.slice(12, 15)]).toEqual([0x67, 0x00, 0x1f]); // beyond the scale: clipped
    expect(
      sharedSigmaRange([
        [3, 1, 0],
        [5, 0.5],
      ]),
    ).toEqual({ min: 0.5, max: 5 });
  });
});

function runRec(id: string, name: string, lambda: number): RunRecord {
  return {
    id,
    name,
    status: 'completed',
    config: RunConfigSchema.parse({
      name,
      network: {
        layers: [
          { units: 32, lambda },
          { units: 2, activation: 'linear', lambda },
        ],
      },
    }),
    totalSteps: 900,
    backend: 'cpu',
    versions: {},
    createdAt: '2025-01-01T00:00:00Z',
    lastStep: 900,
    backwardSteps: [],
    checkpointSteps: [900],
    dataInfo: { name: 'x', height: 2, width: 2, classNames: ['zero', 'one'], trainCount: 4, testCount: 4 },
  };
}

describe('compact runs x vectors grid', () => {
  it('shows each run’s top vectors and its best-aligned ones in its colour, on one colour scale, and enlarges a vector', async () => {
    const runs: RunSummary[] = [
      { run: runRec('rr-id', 'MNIST RR', 1e-5), last: null },
      { run: runRec('std-id', 'MNIST Std', 0), last: null },
    ];
    const f32 = (vals: number[]) => Buffer.from(Float32Array.from(vals).buffer).toString('base64');
    const api = fakeApi({
      'svd.get': ({ id }) => mnistRrLike(id),
      // Vector j of run r: all entries equal to (j + 1) / 100, and 4x larger for the Std run.
      'svd.vectors': ({ id, indices }) => ({
        runId: id,
        layer: 0,
        step: 900,
        rows: 4,
        k: 32,
        image: { height: 2, width: 2 },
        vectors: indices.map((j) => ({ index: j, sigma: 1, values: f32(Array(4).fill(((j + 1) / 100) * (id === 'std-id' ? 4 : 1))) })),
      }),
    });
    const app = new AppStore(api);
    const onenlarge = vi.fn();
    render(SvdGrid, { props: { app, runs, layer: 0, sort: 'sigma', count: 4, shared: true, zoom: 3, onenlarge } });
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-tile')).toHaveLength(2 * (4 + 2)));
    const rows = screen.getAllByTestId('svd-grid-row');
    expect(rows.map((r) => r.dataset.run)).toEqual(['rr-id', 'std-id']);
    expect((rows[0]!.querySelector('.swatch') as HTMLElement).style.background).toBe(hexToRgb(runColor('rr-id')));
    // Top 4 by σ, then the best-aligned u31 and u32, outlined, and a sentence about them.
    expect(
      within(rows[0]!)
        .getAllByTestId('svd-tile')
        .map((t) => t.textContent!.split('σ')[0]!.trim()),
    ).toEqual(['u1', 'u2', 'u3', 'u4', 'u31', 'u32']);
    expect(within(rows[0]!).getByTestId('svd-outside-note').textContent).toMatch(
      /u31 \(class zero\), u32 \(class one\) among the smallest σ, outside the 4 shown/,
    );
    const vectorCalls = api.calls.filter((c) => c.channel === 'svd.vectors').map((c) => (c.payload as { indices: number[] }).indices);
    expect(vectorCalls).toContainEqual([0, 1, 2, 3, 30, 31]);
    // One scale for all: the largest |value| shown anywhere (Std's u32: 4 x 0.32).
    await vi.waitFor(() => expect(screen.getByTestId('colour-bar').textContent).toContain('+1.3'));
    await fireEvent.click(within(rows[0]!).getAllByTestId('svd-tile')[0]!);
    expect(onenlarge).toHaveBeenCalledTimes(1);
    const enlarged = onenlarge.mock.calls[0]![0] as EnlargedVector;
    expect(enlarged).toMatchObject({ runName: 'MNIST RR', index: 0, height: 2, width: 2 });
    expect(enlarged.scale).toBeCloseTo(1.28, 6);
    expect(Array.from(enlarged.values)).toEqual(Array(4).fill(Math.fround(0.01)));
  });

  it('reads out the value under the keyboard cursor in the enlarged vector', async () => {
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    };
    const v: EnlargedVector = {
      runName: 'RR',
      runId: 'r',
      layer: 0,
      step: 10,
      index: 2,
      sigma: 1.5,
      values: Float32Array.from([0.5, -0.25, 0.125, 1]),
      height: 2,
      width: 2,
      scale: 1,
      scaleNote: '',
    };
    render(VectorDialog, { props: { v, onclose: () => {} } });
    await tick();
    expect(screen.getByRole('heading', { hidden: true }).textContent).toBe('RR: u3 of layer 1 at step 10');
    const canvas = screen.getByTestId('vector-canvas');
    await fireEvent.keyDown(canvas, { key: 'ArrowRight' }); // from the centre (1, 1) to column 2
    expect(screen.getByTestId('vector-value').textContent).toBe('row 2, column 2: 1');
    await fireEvent.keyDown(canvas, { key: 'ArrowUp' });
    expect(screen.getByTestId('vector-value').textContent).toBe('row 1, column 2: -0.25');
  });
});

function hexToRgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('SVD view', () => {
  it('orders the rows Std / Ort / RR whatever the order picked, and defines score and energies where it shows them', async () => {
    const ort = runRec('ort-id', 'MNIST Ort', 0);
    ort.config = { ...ort.config, loss: { ...ort.config.loss, lambdaOrt: 0.1 } };
    const runs: RunSummary[] = [
      { run: runRec('rr-id', 'MNIST RR', 1e-5), last: null },
      { run: ort, last: null },
      { run: runRec('std-id', 'MNIST Std', 0), last: null },
    ];
    const api = fakeApi({
      'runs.list': () => ({ runs, total: runs.length, problems: [], queue: [] }),
      'svd.get': ({ id }) => mnistRrLike(id),
      'svd.vectors': ({ id, indices }) => ({
        runId: id,
        layer: 0,
        step: 900,
        rows: 4,
        k: 32,
        image: { height: 2, width: 2 },
        vectors: indices.map((j) => ({ index: j, sigma: 1, values: Buffer.from(new Float32Array(4).fill(j).buffer).toString('base64') })),
      }),
    });
    const app = new AppStore(api);
    await app.runs.refresh();
    app.svdRunIds = ['rr-id', 'ort-id', 'std-id'];
    render(SvdViewComponent, { props: { app } });
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-grid-row').map((r) => r.dataset.run)).toEqual(['std-id', 'ort-id', 'rr-id']));
    expect(screen.getByTestId('svd-definitions').textContent).toContain('score (beside each run): the mean over classes of the best |cosine|');
    // Each row shows what its vectors are compared with: the class means.
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-class-mean')).toHaveLength(6));
    expect(screen.getAllByTestId('svd-class-mean')[1]!.getAttribute('alt')).toBe('test-set mean of class one');
    await fireEvent.click(screen.getByTestId('svd-mode-rows'));
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-row').map((r) => r.dataset.run)).toEqual(['std-id', 'ort-id', 'rr-id']));
    await vi.waitFor(() => expect(screen.getAllByTestId('svd-definitions')).toHaveLength(3));
    const text = screen.getAllByTestId('svd-definitions')[0]!.textContent!;
    expect(text).toMatch(/energy top-2: the share of the test images' energy .* in the 2 singular vectors with the largest σ/);
    expect(text).toMatch(/energy best-2: the share in the 2 singular vectors that capture the most of it, whatever their σ/);
  });
});

describe('conv layers in the SVD view', () => {
  const cnn = RunConfigSchema.parse({
    network: {
      layers: [
        { type: 'conv', filters: 8, kernel: 5, padding: 2 },
        { type: 'pool', size: 2 },
        { type: 'residual', filters: 8 },
        { units: 2, activation: 'linear' },
      ],
    },
  });
  const dense = RunConfigSchema.parse({ network: { layers: [{ units: 16 }, { units: 4 }, { units: 3 }, { units: 2, activation: 'linear' }] } });

  it('offers the layers with weights, by their notation, and never a pooling layer', () => {
    expect(svdLayers([cnn])).toEqual([
      { index: 0, label: '1 (conv8k5p2, input layer)' },
      { index: 2, label: '3 (res8)' },
      { index: 3, label: '4 (2)' },
    ]);
    // Several runs: a layer is offered where every run has weights there.
    expect(svdLayers([cnn, dense]).map((l) => l.label)).toEqual(['1 (conv8k5p2 / 16, input layer)', '3 (res8 / 3)', '4 (2)']);
  });

  it('names a kernel layer’s vectors as filters k x k x c_in, magnified to an image’s size, and a dense first layer’s as input images', () => {
    expect(vectorKind(cnn.network.layers[0], { height: 5, width: 5 })).toEqual({ filters: true, label: 'filters 5 x 5 x 1', magnify: 5 });
    expect(vectorKind(cnn.network.layers[2], { height: 3, width: 24 })).toEqual({ filters: true, label: 'filters 3 x 3 x 8', magnify: 9 });
    expect(vectorKind(dense.network.layers[0], { height: 28, width: 28 })).toEqual({ filters: false, label: 'input images 28 x 28', magnify: 1 });
  });
});
