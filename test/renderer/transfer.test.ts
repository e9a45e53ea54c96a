// The transfer dialog's config: the source's network with a new output size,
// the chosen task, init naming the source and step; a config the schema takes.
import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import type { RunRecord } from '../../electron/engine/types';
import { defaultCopy, defaultTransferForm, lineageLabel, transferConfig } from '../../renderer/src/lib/transfer';

const source = {
  id: 'src-1',
  name: 'rr',
  checkpointSteps: [20, 40],
  totalSteps: 40,
  config: RunConfigSchema.parse({
    name: 'rr',
    data: { source: { kind: 'peak', trainPerClass: 10, testPerClass: 3, seed: 2 } },
    network: {
      layers: [
        { units: 12, batchNorm: true, lambda: 1e-3 },
        { units: 2, activation: 'linear', lambda: 1e-3 },
      ],
    },
    loss: { lambdaOrt: 0.1 },
    training: { steps: 40, evalEvery: 20, checkpointEvery: 20, pretrain: { stepsPerLayer: 5 } },
  }),
} as unknown as RunRecord;

describe('transferConfig', () => {
  it('defaults: the last checkpoint, every layer copied, nothing frozen, the source task, no regularisation, no pretraining', () => {
    const f = defaultTransferForm(source);
    expect([f.step, f.copy, f.freeze, f.classes]).toEqual([40, [1, 2], [], '2']);
    const c = RunConfigSchema.parse(transferConfig(source, f));
    expect(c.init).toEqual({ fromRun: 'src-1', step: 40, layers: [1, 2], freeze: [] });
    expect(c.network.layers.map((l) => l.lambda)).toEqual([0, 0]);
    expect(c.loss.lambdaOrt).toBe(0);
    expect(c.training.pretrain).toBeUndefined();
    expect(c.data).toEqual(source.config.data);
  });

  it('another class count makes the output layer new; MNIST digits, another peak seed; bad digits named', () => {
    expect(defaultCopy(source, 3)).toEqual([1]);
    const f = { ...defaultTransferForm(source), classes: '10', copy: [1], freeze: [1], data: 'mnist' as const, digits: '5,6,7,8,9', steps: '10' };
    const c = RunConfigSchema.parse(transferConfig(source, f));
    expect(c.network.layers.map((l) => ('units' in l ? l.units : null))).toEqual([12, 10]);
    expect(c.data.source).toEqual({ kind: 'mnist', digits: [5, 6, 7, 8, 9] });
    expect([c.training.steps, c.training.evalEvery, c.training.checkpointEvery]).toEqual([10, 10, 10]);
    expect(c.init).toEqual({ fromRun: 'src-1', step: 40, layers: [1], freeze: [1] });
    const peak = transferConfig(source, { ...f, data: 'peak', dataSeed: '7', keepRegularisation: true });
    expect(peak.data.source).toEqual({ kind: 'peak', trainPerClass: 10, testPerClass: 3, size: 28, seed: 7 });
    expect(peak.network.layers.map((l) => l.lambda)).toEqual([1e-3, 1e-3]);
    expect(() => transferConfig(source, { ...f, digits: '5,x' })).toThrow('digits: give MNIST digits 0-9 like 5,6,7,8,9');
    expect(() => transferConfig(source, { ...f, classes: '0' })).toThrow('classes: give a whole number of at least 1');
  });

  it('names the lineage as "<source>@<step>"', () => {
    const t = { ...source, config: { ...source.config, init: { fromRun: 'src-1', step: 20, freeze: [] } } } as RunRecord;
    expect(lineageLabel(t, 'rr')).toBe('rr@20');
    expect(lineageLabel(t, undefined)).toBe('src-1@20');
    expect(lineageLabel(source, 'rr')).toBeNull();
  });
});
