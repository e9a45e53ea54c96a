// The run config and the sweep spec cross the contract once, parsed by their
// own schemas: a bad one is refused there naming the field, a good one
// arrives complete (defaults filled in), as the engine stores it.
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../../electron/contract/contract';
import { parseRunConfig } from '../../../electron/engine/config/schema';

const config = { network: { layers: [{ units: 8 }, { units: 2, activation: 'linear' }] }, training: { steps: 5 } };

describe('contract: runs.start and sweeps.start', () => {
  it('parse the run config with RunConfigSchema: complete on arrival, refused naming the field', () => {
    const ok = parseRequest<'runs.start'>('runs.start', { config });
    expect(ok).toEqual({ ok: true, channel: 'runs.start', payload: { config: parseRunConfig(config) } });
    expect(parseRequest('runs.start', { config: { ...config, training: { steps: 0 } } })).toEqual({
      ok: false,
      error: 'runs.start: config.training.steps: steps must be at least 1',
    });
    expect(parseRequest('runs.start', { config: { network: { layers: [{ units: 2 }] } } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^runs\.start: config\.network\.layers\.0: the output layer produces logits/),
    });
  });

  it('parse the sweep spec with SweepSpecSchema', () => {
    const spec = { base: config, axes: [{ param: 'seed', values: [0, 1] }] };
    const ok = parseRequest<'sweeps.start'>('sweeps.start', { spec });
    expect(ok.ok && ok.payload.spec).toMatchObject({ format: 'racecar-sweep/1', name: 'sweep', mode: 'grid', axes: spec.axes });
    expect(parseRequest('sweeps.start', { spec: { ...spec, axes: [{ param: 'depth', values: [1] }] } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^sweeps\.start: spec\.axes\.0\.param: unknown axis 'depth'/),
    });
  });

  it('leave checking to the validate channels, which answer with what is wrong', () => {
    expect(parseRequest('runs.validate', { config: { training: { steps: 0 } } }).ok).toBe(true);
    expect(parseRequest('sweeps.validate', { spec: { axes: 3 } }).ok).toBe(true);
  });
});
