import { describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../../electron/engine/config/schema';
import { netGeometry } from '../../electron/engine/model/geometry';
import { PRESETS } from '../../electron/engine/presets';
import { configToForm, defaultForm, formToInput, inputShapeOf, keptLines, upgradeSavedForm, validateForm, type FormState } from '../../renderer/src/lib/form';
import { sameShape } from '../../renderer/src/lib/stores/session.svelte';
import { blankLayer, layerShapes } from '../../renderer/src/lib/layerForm';

/** A conv net with every layer type, every field off its default. */
const CNN: RunConfigInput = {
  name: 'cnn',
  data: { source: { kind: 'peak', trainPerClass: 4, testPerClass: 2, size: 28, seed: 0 } },
  network: {
    layers: [
      { type: 'conv', filters: 8, kernel: 5, stride: 2, padding: 2, activation: 'tanh', batchNorm: true, lambda: 1e-6 },
      { type: 'pool', kind: 'avg', size: 2, lambda: 2e-6 },
      { type: 'residual', filters: 12, stride: 1, activation: 'sigmoid', batchNorm: true, lambda: 3e-6 },
      { type: 'pool', kind: 'max', size: 7, lambda: 0 },
      { units: 32, activation: 'relu', batchNorm: true, lambda: 4e-6 },
      { units: 2, activation: 'linear', lambda: 0 },
    ],
  },
  training: { steps: 10 },
};

describe('the layer form round-trips every layer type', () => {
  it('a config with conv, pool, residual and dense layers comes back from the form as it went in', () => {
    const config = RunConfigSchema.parse(CNN);
    const f = configToForm(config);
    expect(f.layers.map((l) => l.type)).toEqual(['conv', 'pool', 'residual', 'pool', 'dense', 'dense']);
    const back = validateForm(f);
    expect(back.issues).toEqual([]);
    expect(back.config).toEqual(config);
    // Dense layers stay without `type`, as every stored config.
    expect((formToInput(f).network as { layers: Record<string, unknown>[] }).layers[4]).not.toHaveProperty('type');
  });

  it('a row keeps only its own type’s fields in the config, and switching type back keeps what was typed', () => {
    const f = configToForm(RunConfigSchema.parse(CNN));
    const row = f.layers[0]!;
    row.type = 'pool';
    const asPool = (formToInput(f).network as { layers: Record<string, unknown>[] }).layers[0];
    expect(asPool).toEqual({ type: 'pool', kind: 'max', size: 2, lambda: 1e-6 });
    row.type = 'conv';
    expect((formToInput(f).network as { layers: Record<string, unknown>[] }).layers[0]).toEqual(CNN.network.layers[0]);
  });
});

describe('each row’s shape and parameter count come from the engine’s geometry', () => {
  it('matches netGeometry layer by layer', () => {
    const config = RunConfigSchema.parse(CNN);
    const rows = layerShapes(configToForm(config).layers, [1, 28, 28]);
    const g = netGeometry([1, 28, 28], config.network.layers);
    expect(rows).toEqual(g.map((l) => ({ output: l.output.join(' x '), size: l.output.reduce((a, b) => a * b, 1), params: l.params })));
    expect(rows.map((r) => r && 'output' in r && r.output)).toEqual(['8 x 14 x 14', '8 x 7 x 7', '12 x 7 x 7', '12 x 1 x 1', '32', '2']);
    // conv 5x5 on 1 channel, 8 filters, batch norm: 8*25 + 8 + 2*8.
    expect(rows[0]).toMatchObject({ params: 224 });
  });

  it('follows the data: peak size and MNIST give 1 x H x W, a folder its shape once the engine has read it', () => {
    const f = configToForm(RunConfigSchema.parse(CNN));
    f.data.peak.size = '32';
    expect(inputShapeOf(f)).toEqual([1, 32, 32]);
    f.data.kind = 'mnist';
    expect(inputShapeOf(f)).toEqual([1, 28, 28]);
    f.data.kind = 'folder';
    expect(inputShapeOf(f)).toBeNull();
    expect(inputShapeOf(f, [3, 32, 32])).toEqual([3, 32, 32]);
    expect(layerShapes(f.layers, [3, 32, 32])[0]).toMatchObject({ output: '8 x 16 x 16', params: 8 * 3 * 25 + 8 + 16 });
  });
});

describe('a shape that cannot work is flagged on its row before Start', () => {
  const form = () => configToForm(RunConfigSchema.parse(CNN));

  it('a kernel larger than its input', () => {
    const f = form();
    f.data.peak.size = '16';
    f.layers[0]!.kernel = '40';
    f.layers[0]!.padding = '0';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['network.layers.0']).toBe('a 40x40 kernel does not fit its 16x16 input (padding 0): use a smaller kernel or more padding');
    expect(v.issues.map((i) => i.text)).toContain('layer 1: a 40x40 kernel does not fit its 16x16 input (padding 0): use a smaller kernel or more padding');
    // Rows below have no known input: no shape, no second error about them.
    expect(layerShapes(f.layers, inputShapeOf(f)).slice(1)).toEqual([null, null, null, null, null]);
  });

  it('a pooling window that does not divide its input', () => {
    const f = form();
    f.layers[3]!.size = '3';
    const v = validateForm(f);
    expect(v.errors['network.layers.3']).toBe('a 3x3 pooling window does not divide its 7x7 input: use a size that divides 7 and 7');
  });

  it('a spatial layer after a dense one', () => {
    const f = form();
    f.layers.splice(0, 0, blankLayer('dense', { units: '16' }));
    const v = validateForm(f);
    expect(v.errors['network.layers.1']).toMatch(/^a conv layer needs feature maps \(C x H x W\) as its input, but layer 1 is dense/);
  });

  it('an output layer that is not dense', () => {
    const f = form();
    f.layers[5]!.type = 'conv';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['network.layers.5']).toMatch(/^the output layer produces the logits: make it a dense layer \(it is conv\)/);
  });

  it('the same net fits once the data are large enough', () => {
    const f = form();
    f.data.peak.size = '16';
    f.layers[0]!.kernel = '40';
    expect(validateForm(f).ok).toBe(false);
    f.layers[0]!.kernel = '5';
    f.layers[3]!.size = '4';
    expect(validateForm(f).issues).toEqual([]);
  });
});

describe('every preset the engine offers loads into the form and starts as it is', () => {
  it.each(PRESETS.map((p) => [p.id, p] as const))('%s', (_id, p) => {
    const config = RunConfigSchema.parse(p.config);
    const v = validateForm(configToForm(config));
    expect(v.issues).toEqual([]);
    expect(v.config).toEqual(config);
  });

  it('a transfer (init), which the panel does not edit, is kept with pretraining and information planes, listed, and can be dropped', () => {
    const config = RunConfigSchema.parse({
      ...CNN,
      init: { fromRun: 'src-run', step: 20, layers: [1, 3], freeze: [1] },
      training: { steps: 10, pretrain: { stepsPerLayer: 50 }, infoPlane: { bins: 20 } },
    });
    const f = configToForm(config);
    expect(keptLines(f.kept).map((k) => k.text)).toEqual(['start from run src-run at step 20, layers 1, 3 copied, layers 1 frozen']);
    expect(validateForm(f).config).toEqual(config);
    delete f.kept.init;
    expect(validateForm(f).config?.init).toBeUndefined();
  });
});

describe('a form saved before layer types', () => {
  it('comes back with its layers as dense rows', () => {
    const today = defaultForm();
    const old = JSON.parse(JSON.stringify(today)) as Record<string, unknown>;
    delete old.kept;
    old.layers = [
      { key: 1, units: '256', activation: 'tanh', batchNorm: true, lambda: '1e-6' },
      { key: 2, units: '2', activation: 'linear', batchNorm: false, lambda: '0' },
    ];
    expect(sameShape(old, today)).toBe(false);
    const up = upgradeSavedForm(old) as FormState;
    expect(sameShape(up, today)).toBe(true);
    expect(up.layers.map((l) => [l.type, l.units, l.activation, l.batchNorm, l.lambda])).toEqual([
      ['dense', '256', 'tanh', true, '1e-6'],
      ['dense', '2', 'linear', false, '0'],
    ]);
  });
});
