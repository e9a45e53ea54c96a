// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Preset } from '../../electron/contract/contract';
import { RunConfigSchema } from '../../electron/engine/config/schema';
import ExperimentPanel from '../../renderer/src/components/ExperimentPanel.svelte';
import { ExperimentStore } from '../../renderer/src/lib/stores/experiment.svelte';
import { fakeApi, type Handlers } from './fakeApi';

const presets: Preset[] = [
  {
    id: 'peak_RR',
    label: 'peak RR',
    description: 'reference peak run with the reverse pass',
    config: {
      name: 'peak_RR',
      data: { source: { kind: 'peak', trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 } },
      network: {
        layers: [
          { units: 128, activation: 'relu', batchNorm: true, lambda: 1e-6 },
          { units: 2, activation: 'relu', batchNorm: true, lambda: 1e-6 },
        ],
      },
      loss: { referenceQuirks: true },
      training: { steps: 5000 },
    },
  },
];

async function setup(handlers: Handlers = {}) {
  const api = fakeApi({
    'presets.list': () => ({ presets }),
    'runs.start': () => ({ id: 'run-1' }),
    ...handlers,
  });
  const store = new ExperimentStore(api);
  await store.loadPresets();
  const onstart = vi.fn(async () => {
    await store.start();
  });
  const r = render(ExperimentPanel, { props: { store, onstart } });
  return { api, store, onstart, ...r };
}

const start = () => screen.getByTestId('start') as HTMLButtonElement;

async function type(el: HTMLElement, value: string) {
  await fireEvent.input(el, { target: { value } });
  flushSync();
}

describe('Experiment panel', () => {
  it('starts valid and enabled', async () => {
    await setup();
    expect(start().disabled).toBe(false);
    expect(screen.getByTestId('form-valid')).toBeTruthy();
    expect(screen.getAllByTestId('layer-row')).toHaveLength(2);
  });

  it("flags units 0 / 'abc' next to the field and disables Start until fixed", async () => {
    await setup();
    const units = screen.getByTestId('layer-units-0') as HTMLInputElement;
    await type(units, '0');
    expect(screen.getByTestId('layer-units-0-error').textContent).toBe('units must be at least 1');
    expect(units.getAttribute('aria-invalid')).toBe('true');
    expect(units.getAttribute('aria-describedby')).toBe(screen.getByTestId('layer-units-0-error').id);
    expect(start().disabled).toBe(true);
    expect(screen.getByTestId('form-issues').textContent).toContain('layer 1 units: units must be at least 1');
    expect(screen.getByTestId('form-issues').textContent).not.toContain('network.layers');

    await type(units, 'abc');
    expect(screen.getByTestId('layer-units-0-error').textContent).toMatch(/units must be a number/);
    expect(start().disabled).toBe(true);

    await type(units, '32');
    expect(screen.queryByTestId('layer-units-0-error')).toBeNull();
    expect(start().disabled).toBe(false);
  });

  it('flags a negative lambda with the reason', async () => {
    await setup();
    await type(screen.getByTestId('layer-lambda-1'), '-0.5');
    expect(screen.getByTestId('layer-lambda-1-error').textContent).toMatch(/lambda must be 0 or more/);
    expect(start().disabled).toBe(true);
  });

  it('flags training and data fields', async () => {
    await setup();
    await type(screen.getByTestId('steps'), '-3');
    expect(screen.getByTestId('steps-error').textContent).toBe('steps must be at least 1');
    await type(screen.getByTestId('learning-rate'), 'fast');
    expect(screen.getByTestId('learning-rate-error').textContent).toMatch(/must be a number/);
    await type(screen.getByTestId('peak-size'), '8');
    expect(screen.getByTestId('peak-size-error').textContent).toBe('size must be at least 16 px');
    expect(start().disabled).toBe(true);
  });

  it('adding and removing layers keeps the lambdas with their rows', async () => {
    const { store } = await setup();
    await type(screen.getByTestId('layer-lambda-0'), '1e-6');
    await type(screen.getByTestId('layer-lambda-1'), '3e-6');
    await fireEvent.click(screen.getByTestId('add-layer'));
    flushSync();
    expect(screen.getAllByTestId('layer-row')).toHaveLength(3);
    const lambdas = () => screen.getAllByTestId(/^layer-lambda-\d$/).map((e) => (e as HTMLInputElement).value);
    expect(lambdas()).toEqual(['1e-6', '1e-6', '3e-6']);
    await type(screen.getByTestId('layer-lambda-1'), '2e-6');
    await fireEvent.click(screen.getByTestId('layer-remove-0'));
    flushSync();
    expect(lambdas()).toEqual(['2e-6', '3e-6']);
    expect(store.validation.ok && store.validation.config.network.layers.map((l) => l.lambda)).toEqual([2e-6, 3e-6]);
    // the last layer cannot be removed
    await fireEvent.click(screen.getByTestId('layer-remove-0'));
    flushSync();
    expect((screen.getByTestId('layer-remove-0') as HTMLButtonElement).disabled).toBe(true);
  });

  it('RR / Ort / Std presets set lambdas and lambda_ort', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId('preset-rr'));
    flushSync();
    expect(screen.getAllByTestId(/^layer-lambda-\d$/).map((e) => (e as HTMLInputElement).value)).toEqual(['1e-6', '1e-6']);
    expect(screen.getByTestId('preset-rr').getAttribute('aria-pressed')).toBe('true');
    await fireEvent.click(screen.getByTestId('preset-ort'));
    flushSync();
    expect((screen.getByTestId('lambda-ort') as HTMLInputElement).value).toBe('0.1');
    expect(screen.getAllByTestId(/^layer-lambda-\d$/).map((e) => (e as HTMLInputElement).value)).toEqual(['0', '0']);
  });

  it('Std / Ort / RR on a duplicated run keep its network and per-layer lambdas, and name the copy after its mode', async () => {
    const { store } = await setup();
    store.loadConfig({
      name: 'my-rr-256-64',
      network: {
        layers: [
          { units: 256, activation: 'relu', lambda: 1e-6 },
          { units: 64, activation: 'relu', lambda: 3e-7 },
          { units: 2, activation: 'linear', lambda: 5e-6 },
        ],
      },
    });
    flushSync();
    const lambdas = () => screen.getAllByTestId(/^layer-lambda-\d$/).map((e) => (e as HTMLInputElement).value);
    const name = () => (screen.getByTestId('run-name') as HTMLInputElement).value;
    const units = () => screen.getAllByTestId(/^layer-units-\d$/).map((e) => (e as HTMLInputElement).value);
    await fireEvent.click(screen.getByTestId('preset-std'));
    flushSync();
    expect([name(), lambdas(), units()]).toEqual(['my-std-256-64', ['0', '0', '0'], ['256', '64', '2']]);
    await fireEvent.click(screen.getByTestId('preset-ort'));
    flushSync();
    expect(name()).toBe('my-ort-256-64');
    await fireEvent.click(screen.getByTestId('preset-rr'));
    flushSync();
    expect([name(), lambdas(), units()]).toEqual(['my-rr-256-64', ['1e-6', '3e-7', '5e-6'], ['256', '64', '2']]);
    expect(store.validation.ok && store.validation.config.network.layers.map((l) => l.lambda)).toEqual([1e-6, 3e-7, 5e-6]);
    // A new value for all layers is one for all layers.
    await type(screen.getByTestId('rr-lambda'), '2e-6');
    await fireEvent.click(screen.getByTestId('preset-rr'));
    flushSync();
    expect(lambdas()).toEqual(['2e-6', '2e-6', '2e-6']);
    // Preset names: peak_RR as Std is peak_Std.
    store.applyPreset('peak_RR');
    await fireEvent.click(screen.getByTestId('preset-std'));
    flushSync();
    expect(name()).toBe('peak_Std');
  });

  it('a layer row takes a type and its fields, shows its output shape and params, and flags a kernel too large on the row', async () => {
    await setup();
    await fireEvent.change(screen.getByTestId('layer-type-0'), { target: { value: 'conv' } });
    flushSync();
    expect(screen.queryByTestId('layer-units-0')).toBeNull();
    await type(screen.getByTestId('layer-filters-0'), '4');
    await type(screen.getByTestId('layer-kernel-0'), '5');
    await type(screen.getByTestId('layer-stride-0'), '2');
    await type(screen.getByTestId('layer-padding-0'), '2');
    expect(screen.getByTestId('layer-shape-0').textContent).toBe('4 x 14 x 14');
    expect(screen.getByTestId('layer-params-0').textContent).toBe('104');
    // The dense output layer flattens 4 x 14 x 14 = 784 values.
    expect(screen.getByTestId('layer-params-1').textContent).toBe('1,570');
    expect(start().disabled).toBe(false);
    await type(screen.getByTestId('layer-kernel-0'), '40');
    expect(screen.getByTestId('layer-0-error').textContent).toBe(
      'Layer 1: a 40x40 kernel does not fit its 28x28 input (padding 2): use a smaller kernel or more padding',
    );
    expect(screen.getByTestId('layer-shape-0').textContent).toBe('–');
    expect(start().disabled).toBe(true);
  });

  it("an image folder's shape is read by the engine and drives the rows' shapes", async () => {
    const { api } = await setup({ 'data.shape': () => ({ shape: [3, 32, 32], classes: 2 }) });
    await fireEvent.click(screen.getByTestId('data-folder'));
    flushSync();
    expect(screen.getByTestId('input-size').textContent).toBe('from the data');
    await type(screen.getByTestId('folder-path'), '/data/cifar2');
    await vi.waitFor(() => expect(screen.getByTestId('input-size').textContent).toBe('3 x 32 x 32'));
    expect(api.calls.filter((c) => c.channel === 'data.shape').map((c) => c.payload)).toEqual([{ source: { kind: 'folder', path: '/data/cifar2' } }]);
    expect(screen.getByTestId('folder-shape').textContent).toContain('images 3 x 32 x 32');
    expect(screen.getByTestId('layer-params-0').textContent).toBe('393,344'); // 3*32*32*128 + 128
  });

  it('loads a reference run from presets.list', async () => {
    const { store } = await setup();
    await fireEvent.click(screen.getByTestId('reference-peak_RR'));
    flushSync();
    expect((screen.getByTestId('steps') as HTMLInputElement).value).toBe('5000');
    expect((screen.getByTestId('reference-quirks') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('layer-bn-1') as HTMLInputElement).checked).toBe(true);
    expect(store.validation.ok).toBe(true);
  });

  it('MNIST pair preset picks digits 0 and 1 with one image each', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId('data-mnist'));
    flushSync();
    await fireEvent.click(screen.getByTestId('mnist-pair'));
    flushSync();
    expect((screen.getByTestId('digit-0') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('digit-1') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('digit-2') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByTestId('mnist-train') as HTMLInputElement).value).toBe('1');
    expect(screen.getByTestId('input-size').textContent).toBe('1 x 28 x 28');
  });

  it('Start sends the validated config to runs.start', async () => {
    const { api, onstart } = await setup();
    await type(screen.getByTestId('run-name'), 'my run');
    await type(screen.getByTestId('steps'), '20');
    await fireEvent.click(start());
    await vi.waitFor(() => expect(api.calls.some((c) => c.channel === 'runs.start')).toBe(true));
    expect(onstart).toHaveBeenCalledTimes(1);
    const call = api.calls.find((c) => c.channel === 'runs.start')!;
    const config = (call.payload as { config: unknown }).config;
    const parsed = RunConfigSchema.parse(config);
    expect(parsed).toEqual(config);
    expect(parsed.name).toBe('my run');
    expect(parsed.training.steps).toBe(20);
  });

  it('Start does nothing while invalid', async () => {
    const { api, onstart, container } = await setup();
    await type(screen.getByTestId('layer-units-1'), '0');
    const form = within(container).getByTestId('experiment-panel') as HTMLFormElement;
    await fireEvent.submit(form);
    expect(onstart).not.toHaveBeenCalled();
    expect(api.calls.some((c) => c.channel === 'runs.start')).toBe(false);
  });
});
