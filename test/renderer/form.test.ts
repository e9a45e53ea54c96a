import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import {
  addLayer,
  applyMnistPair,
  applyRegularizer,
  configToForm,
  defaultForm,
  formToInput,
  moveLayer,
  regularizerOf,
  removeLayer,
  toNumber,
  validateForm,
  type FormState,
} from '../../renderer/src/lib/form';
import { diffConfigs, flatten } from '../../renderer/src/lib/diff';
import { fieldLabel } from '../../renderer/src/lib/fieldLabels';
import { ema, emaNext } from '../../renderer/src/lib/series';

function threeLayers(): FormState {
  const f = defaultForm();
  f.layers = [];
  addLayer(f, 0, '128');
  addLayer(f, 1, '64');
  addLayer(f, 2, '2');
  f.layers[0]!.lambda = '1e-6';
  f.layers[1]!.lambda = '2e-6';
  f.layers[2]!.lambda = '3e-6';
  f.layers[2]!.activation = 'linear';
  return f;
}

describe('layer editing keeps each lambda with its layer', () => {
  it('removing a middle layer keeps the others aligned', () => {
    const f = threeLayers();
    expect(removeLayer(f, 1)).toBe(true);
    expect(f.layers.map((l) => [l.units, l.lambda])).toEqual([
      ['128', '1e-6'],
      ['2', '3e-6'],
    ]);
    const v = validateForm(f);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.config.network.layers.map((l) => l.lambda)).toEqual([1e-6, 3e-6]);
  });

  it('adding a hidden layer inserts before the output and copies its predecessor lambda', () => {
    const f = threeLayers();
    const added = addLayer(f);
    expect(f.layers.length).toBe(4);
    expect(f.layers[3]!.units).toBe('2');
    expect(f.layers[3]!.lambda).toBe('3e-6');
    expect(f.layers[2]).toBe(added);
    expect(added.lambda).toBe('2e-6');
    expect(f.layers.slice(0, 2).map((l) => l.lambda)).toEqual(['1e-6', '2e-6']);
    const v = validateForm(f);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.config.network.layers.map((l) => l.lambda)).toEqual([1e-6, 2e-6, 2e-6, 3e-6]);
  });

  it('moving a layer moves its lambda too; the last layer cannot be removed', () => {
    const f = threeLayers();
    moveLayer(f, 0, 1);
    expect(f.layers.map((l) => l.lambda)).toEqual(['2e-6', '1e-6', '3e-6']);
    removeLayer(f, 0);
    removeLayer(f, 0);
    expect(removeLayer(f, 0)).toBe(false);
    expect(f.layers.length).toBe(1);
  });

  it('keys stay unique so keyed rows follow their layers', () => {
    const f = threeLayers();
    addLayer(f);
    addLayer(f, 0);
    expect(new Set(f.layers.map((l) => l.key)).size).toBe(f.layers.length);
  });
});

describe('validation names the field and the reason', () => {
  it('units 0 is flagged on that layer', () => {
    const f = threeLayers();
    f.layers[1]!.units = '0';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['network.layers.1.units']).toBe('units must be at least 1');
  });

  it("units 'abc' is flagged as not a number", () => {
    const f = threeLayers();
    f.layers[0]!.units = 'abc';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['network.layers.0.units']).toMatch(/units must be a number/);
  });

  it('empty and fractional units are flagged', () => {
    const f = threeLayers();
    f.layers[0]!.units = '';
    f.layers[1]!.units = '2.5';
    const v = validateForm(f);
    expect(v.errors['network.layers.0.units']).toMatch(/required/);
    expect(v.errors['network.layers.1.units']).toBe('units must be a whole number');
  });

  it('a negative lambda is flagged', () => {
    const f = threeLayers();
    f.layers[2]!.lambda = '-1e-5';
    const v = validateForm(f);
    expect(v.ok).toBe(false);
    expect(v.errors['network.layers.2.lambda']).toMatch(/lambda must be 0 or more/);
  });

  it('a non-linear output layer is flagged on its row unless reference quirks are on', () => {
    const f = threeLayers();
    f.layers[2]!.activation = 'relu';
    expect(validateForm(f).errors['network.layers.2']).toMatch(/output layer produces logits/);
    f.loss.referenceQuirks = true;
    expect(validateForm(f).ok).toBe(true);
  });

  it('other fields: learning rate, lambda_ort, steps, data counts, digits, folder path', () => {
    const f = threeLayers();
    f.training.learningRate = '0';
    f.loss.lambdaOrt = '-0.1';
    f.training.steps = 'ten';
    f.data.peak.trainPerClass = '0';
    let v = validateForm(f);
    expect(v.errors['training.optimizer.learningRate']).toBe('learningRate must be above 0');
    expect(v.errors['loss.lambdaOrt']).toMatch(/lambdaOrt must be 0 or more/);
    expect(v.errors['training.steps']).toMatch(/steps must be a number/);
    expect(v.errors['data.source.trainPerClass']).toBe('trainPerClass must be at least 1');

    const g = threeLayers();
    g.data.kind = 'mnist';
    g.data.mnist.digits = [];
    v = validateForm(g);
    expect(v.errors['data.source.digits']).toBeDefined();

    const h = threeLayers();
    h.data.kind = 'folder';
    h.data.folder.path = '';
    h.data.folder.testRatio = '1.5';
    v = validateForm(h);
    expect(v.errors['data.source.path']).toMatch(/path must name a folder/);
    expect(v.errors['data.source.split.testRatio']).toBe('testRatio must be below 1');
  });

  it('toNumber keeps text that is not a number', () => {
    expect(toNumber('1e-4')).toBe(1e-4);
    expect(toNumber(' 12 ')).toBe(12);
    expect(toNumber('abc')).toBe('abc');
    expect(toNumber('')).toBe('');
    expect(toNumber('Infinity')).toBe('Infinity');
  });
});

describe('the config built from the form round-trips through RunConfigSchema', () => {
  it('default form', () => {
    const v = validateForm(defaultForm());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const again = validateForm(configToForm(v.config));
    expect(again.ok).toBe(true);
    if (again.ok) expect(again.config).toEqual(v.config);
  });

  it('a fully customised form (mnist pair, sgd, batches, epochs, RR)', () => {
    const f = threeLayers();
    applyMnistPair(f);
    f.data.scale = 'unit';
    f.layers[1]!.batchNorm = true;
    f.layers[0]!.activation = 'tanh';
    f.loss.reduction = 'mean';
    f.training.optimizer = 'sgd';
    f.training.learningRate = '0.01';
    f.training.momentum = '0.5';
    f.training.fullBatch = false;
    f.training.batchSize = '8';
    f.training.durationKind = 'epochs';
    f.training.epochs = '3';
    f.training.evalEvery = '5';
    f.training.checkpointEvery = '0';
    f.training.backwardSamples = '4';
    f.seed = '7';
    f.name = 'custom';
    applyRegularizer(f, 'rr', { rrLambda: '1e-5', ortLambda: '0.1' });
    const v = validateForm(f);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(RunConfigSchema.parse(JSON.parse(JSON.stringify(v.config)))).toEqual(v.config);
    expect(v.config.data.source).toEqual({ kind: 'mnist', digits: [0, 1], trainPerClass: 1, testPerClass: 1 });
    expect(v.config.training.epochs).toBe(3);
    expect(v.config.training.steps).toBeUndefined();
    expect(v.config.training.batchSize).toBe(8);
    expect(v.config.network.layers.map((l) => l.lambda)).toEqual([1e-5, 1e-5, 1e-5]);
    const back = configToForm(v.config);
    const again = validateForm(back);
    expect(again.ok && again.config).toEqual(v.config);
    expect(formToInput(back)).toEqual(formToInput({ ...f, layers: f.layers.map((l, i) => ({ ...l, key: back.layers[i]!.key })) }));
  });

  it('folder with a range split', () => {
    const f = threeLayers();
    f.data.kind = 'folder';
    f.data.folder.path = '/data/peak';
    f.data.folder.splitKind = 'range';
    f.data.folder.trainStart = '0';
    f.data.folder.trainEnd = '50';
    f.data.folder.testStart = '50';
    f.data.folder.testEnd = '55';
    const v = validateForm(f);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.config.data.source).toEqual({ kind: 'folder', path: '/data/peak', split: { kind: 'range', train: [0, 50], test: [50, 55] } });
    const again = validateForm(configToForm(v.config));
    expect(again.ok && again.config).toEqual(v.config);
  });

  it('a partial reference-like config loads with defaults', () => {
    const f = configToForm({
      name: 'peak_RR',
      data: { source: { kind: 'peak' } },
      network: {
        layers: [
          { units: 128, activation: 'relu', batchNorm: true, lambda: 1e-6 },
          { units: 2, activation: 'relu', batchNorm: true, lambda: 1e-6 },
        ],
      },
      loss: { referenceQuirks: true },
      training: { steps: 5000 },
    });
    expect(f.layers.map((l) => l.lambda)).toEqual(['1e-6', '1e-6']);
    expect(f.training.fullBatch).toBe(true);
    expect(regularizerOf(f)).toBe('rr');
    const v = validateForm(f);
    expect(v.ok).toBe(true);
  });
});

describe('Std / Ort / RR presets', () => {
  it('set lambdas and lambda_ort', () => {
    const f = threeLayers();
    applyRegularizer(f, 'std', { rrLambda: '1e-6', ortLambda: '0.1' });
    expect(f.layers.map((l) => l.lambda)).toEqual(['0', '0', '0']);
    expect(f.loss.lambdaOrt).toBe('0');
    expect(regularizerOf(f)).toBe('std');
    applyRegularizer(f, 'ort', { rrLambda: '1e-6', ortLambda: '0.1' });
    expect(f.loss.lambdaOrt).toBe('0.1');
    expect(regularizerOf(f)).toBe('ort');
    applyRegularizer(f, 'rr', { rrLambda: '1e-6', ortLambda: '0.1' });
    expect(f.layers.map((l) => l.lambda)).toEqual(['1e-6', '1e-6', '1e-6']);
    expect(f.loss.lambdaOrt).toBe('0');
    expect(regularizerOf(f)).toBe('rr');
  });
});

describe('helpers', () => {
  it('flatten and diff show only differing keys', () => {
    expect(flatten({ a: { b: 1 }, xs: [{ u: 2 }], d: [0, 1] })).toEqual({ 'a.b': '1', 'xs.0.u': '2', d: '[0,1]' });
    const rows = diffConfigs(
      [
        { name: 'a', loss: { lambdaOrt: 0 }, layers: [{ lambda: 0 }], steps: 5 },
        { name: 'b', loss: { lambdaOrt: 0.1 }, layers: [{ lambda: 0 }, { lambda: 1 }], steps: 5 },
      ],
      (k) => k === 'name',
    );
    expect(rows).toEqual([
      { key: 'loss.lambdaOrt', values: ['0', '0.1'] },
      { key: 'layers.1.lambda', values: [null, '1'] },
    ]);
  });

  it('names what a person reads by the panel: 1-based layers, the panel’s labels, one number format', () => {
    const f = defaultForm();
    f.layers[1]!.lambda = 'abc';
    f.training.learningRate = '';
    const v = validateForm(f);
    const texts = v.issues.map((i) => i.text);
    expect(texts).toContain('layer 2 λ (reverse pass) must be a number (got "abc")');
    expect(texts).toContain('learning rate is required');
    expect(texts.join('\n')).not.toMatch(/network\.layers|loss\.referenceQuirks|batchNorm/);
    const g = defaultForm();
    g.layers[1]!.activation = 'relu';
    g.loss.referenceQuirks = false;
    const logits = validateForm(g).issues.map((i) => i.text);
    expect(logits).toEqual([
      "layer 2: the output layer produces logits: set activation 'linear' and batch norm off, or tick 'Reference quirks (compatibility)'",
    ]);
    const rows = diffConfigs([{ network: { layers: [{ lambda: 0 }, { lambda: 0.00001 }] } }, { network: { layers: [{ lambda: 0 }, { lambda: 1e-7 }] } }]);
    expect(rows).toEqual([{ key: 'network.layers.1.lambda', values: ['1e-5', '1e-7'] }]);
    expect(fieldLabel(rows[0]!.key)).toBe('layer 2 λ (reverse pass)');
    expect(fieldLabel('data.source.trainPerClass', 'mnist')).toBe('Train per digit');
  });

  it('ema smooths and continues incrementally', () => {
    const pts = [1, 2, 3, 4].map((y, x) => ({ x, y }));
    const s = ema(pts, 0.5);
    expect(s.map((p) => p.y)).toEqual([1, 1.5, 2.25, 3.125]);
    expect(emaNext(3.125, 5, 0.5)).toBe(4.0625);
    expect(ema(pts, 0).map((p) => p.y)).toEqual([1, 2, 3, 4]);
  });
});
