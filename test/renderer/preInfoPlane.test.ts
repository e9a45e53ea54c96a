// The app's side of Pre and information planes: the Experiment form carries
// training.pretrain and training.infoPlane both ways with the schema's
// messages in the panel's words; the live charts place the phase markers as
// evaluations arrive, on any x axis, as an exported figure does; the
// information plane reads as a table per step.
import { describe, expect, it, vi } from 'vitest';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { EvalRecord } from '../../electron/engine/types';
import { accuracyChart, accuracyChartDef, reconChartDef } from '../../electron/figures/chartSpecs';
import { infoPlaneChart } from '../../electron/figures/infoPlaneChart';
import { PRE_PRESETS } from '../../electron/engine/presets';
import { SeriesChart } from '../../renderer/src/lib/charts';
import { chartTable } from '../../renderer/src/lib/chartTable';
import { configToForm, defaultForm, formToInput, validateForm } from '../../renderer/src/lib/form';
import { InfoPlaneStore } from '../../renderer/src/lib/stores/infoPlane.svelte';
import { fakeApi } from './fakeApi';

vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => null);

const config = RunConfigSchema.parse({
  network: { layers: [{ units: 8 }, { units: 4 }, { units: 2, activation: 'linear' }] },
  training: { steps: 60, pretrain: { stepsPerLayer: 20 } },
});
const rec = (step: number): EvalRecord => ({
  step,
  epoch: step / 10,
  elapsed: step / 5,
  stepsPerSec: 5,
  loss: { total: 1 / step, ce: 1 / step, rr: [0, 0, 0], ort: 0 },
  trainAccuracy: 0.5,
  testAccuracy: 0.5,
  testRecon: [1, 1, 1],
});

describe('Experiment form: Pre and information planes', () => {
  it('a Pre preset keeps its pretraining through the form, and info planes round-trip', () => {
    const preset = PRE_PRESETS.find((p) => p.id === 'peak_Pre')!;
    const f = configToForm(preset.config);
    expect(f.training).toMatchObject({ pretrain: true, stepsPerLayer: '1000', pretrainLayers: '', infoPlane: false });
    const v = validateForm(f);
    expect(v.ok && v.config.training.pretrain).toEqual({ stepsPerLayer: 1000 });
    f.training.infoPlane = true;
    f.training.infoBins = '12';
    f.training.infoSamples = '200';
    f.training.pretrainLayers = '2, 1';
    const back = validateForm(f);
    expect(back.ok && back.config.training.infoPlane).toEqual({ bins: 12, samples: 200 });
    expect(back.ok && back.config.training.pretrain).toEqual({ stepsPerLayer: 1000, layers: [2, 1] });
    expect(configToForm(back.config!).training).toMatchObject({ pretrain: true, pretrainLayers: '2, 1', infoPlane: true, infoBins: '12', infoSamples: '200' });
    // Off: neither is in the config.
    const d = defaultForm();
    expect(formToInput(d).training).not.toHaveProperty('pretrain');
    expect(formToInput(d).training).not.toHaveProperty('infoPlane');
  });

  it("bad values: the schema's reason, naming the panel's field", () => {
    const f = defaultForm();
    f.training.pretrain = true;
    f.training.stepsPerLayer = '0';
    f.training.pretrainLayers = '1, 5';
    f.training.infoPlane = true;
    f.training.infoBins = '1';
    f.training.infoSamples = 'many';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['training.pretrain.stepsPerLayer']).toBe('Pretraining steps per layer must be at least 1');
    expect(v.errors['training.infoPlane.bins']).toBe('Info-plane bins must be at least 2');
    expect(v.errors['training.infoPlane.samples']).toMatch(/^info-plane test images must be a number/i);
    // The layer check runs once the fields parse.
    f.training.stepsPerLayer = '10';
    f.training.infoPlane = false;
    const layers = validateForm(f);
    expect(layers.issues.map((i) => i.text)).toEqual(['Pretrained layers: layer 5 does not exist (the network has 2)']);
    expect(layers.errors['training.pretrain.layers']).toBe('Pretrained layers: layer 5 does not exist (the network has 2)');
  });
});

describe('live charts: phase markers', () => {
  it('placed as evaluations arrive, the same as the exported chart; on the epoch axis too', () => {
    const metrics = [rec(10), rec(30)];
    const chart = new SeriesChart(document.createElement('canvas'));
    chart.setChart(accuracyChartDef({}, config), metrics);
    expect(chart.phaseMarkers().map((m) => m.label)).toEqual(['pretraining layer 1', 'pretraining layer 2']);
    chart.append(rec(50));
    expect(chart.phaseMarkers()).toEqual(accuracyChart([...metrics, rec(50)], {}, config).markers);
    expect(chart.spec()!.markers!.map((m) => m.x)).toEqual([0, 20, 40]);
    const byEpoch = new SeriesChart(document.createElement('canvas'));
    byEpoch.setChart(reconChartDef(config, undefined, { x: 'epoch' }), [rec(10), rec(30), rec(50)]);
    expect(byEpoch.phaseMarkers().map((m) => m.x)).toEqual([0, 2, 4]);
  });
});

describe('information plane as a table', () => {
  it('one row per step, I(X;T) and I(T;Y) of each trajectory', () => {
    const ev = (step: number, a: number) => ({ step, bins: 10, samples: 50, forward: [{ ixt: a, ity: a / 10 }], reverse: [{ ixt: 2 * a, ity: 0.2 }] });
    const t = chartTable(infoPlaneChart([{ id: 'r', label: 'r', evaluations: [ev(10, 1), ev(20, 2)] }]));
    expect(t.columns).toEqual(['step', 'd1 I(X;T) (bits)', 'd1 I(T;Y) (bits)', "d'0 I(X;T) (bits)", "d'0 I(T;Y) (bits)"]);
    expect(t.rows).toEqual([
      [10, 1, 0.1, 2, 0.2],
      [20, 2, 0.2, 4, 0.2],
    ]);
  });
});

describe('Info plane view data', () => {
  it('loads the runs it has not, again once a run has evaluated since, and says why when it cannot', async () => {
    const ev = (step: number) => ({ step, bins: 10, samples: 50, forward: [{ ixt: 1, ity: 0.5 }], reverse: [{ ixt: 2, ity: 0.2 }] });
    let steps = [ev(0)];
    const api = fakeApi({
      'runs.infoPlane': ({ ids }) => {
        if (ids.includes('gone')) throw new Error('run "gone" not found');
        return { runs: ids.map((id) => ({ id, evaluations: steps })) };
      },
    });
    const store = new InfoPlaneStore(api);
    await store.load(new Map([['a', 0]]));
    expect(store.data['a']).toEqual([ev(0)]);
    await store.load(new Map([['a', 0]]));
    expect(api.calls).toHaveLength(1);
    steps = [ev(0), ev(10)];
    await store.load(new Map([['a', 10]]));
    expect(api.calls.map((c) => c.payload)).toEqual([{ ids: ['a'] }, { ids: ['a'] }]);
    expect(store.data['a']!.map((e) => e.step)).toEqual([0, 10]);
    await store.load(new Map([['gone', 5]]));
    expect(store.error).toBe('run "gone" not found');
    store.forget('a');
    expect(store.data).toEqual({});
  });
});
