// One colour per run, from its id: the same run has the same colour in every
// chart, selection and export; collisions within one chart get a dash.
import { describe, expect, it } from 'vitest';
import { makeRunId } from '../../electron/engine/store/layout';
import { RUN_PALETTE, hashId, runColor, runStyles, withAlpha } from '../../electron/figures/runColors';

describe('run colours', () => {
  it('hash the id with FNV-1a (stable across processes and platforms)', () => {
    // Reference values of 32-bit FNV-1a.
    expect(hashId('')).toBe(0x811c9dc5);
    expect(hashId('a')).toBe(0xe40c292c);
    expect(hashId('foobar')).toBe(0xbf9cf968);
  });

  it('give a run the same colour every time, and spread real run ids over the whole palette', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => makeRunId(['MNIST_Std', 'MNIST_RR', 'peak_Ort'][i % 3]!, new Date(Date.UTC(2025, 0, 1, 0, 0, i))));
    for (const id of ids.slice(0, 20)) expect(runColor(id)).toBe(runColor(id));
    const counts = new Map<string, number>();
    for (const c of ids.map(runColor)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...RUN_PALETTE].sort());
    for (const n of counts.values()) expect(n / ids.length).toBeGreaterThan(0.05);
  });

  it('dash the later runs (by id, not by position) of a colour shared in one chart', () => {
    // Find two ids with the same colour and one with another.
    const ids = Array.from({ length: 200 }, (_, i) => `run-${i}`);
    const a = ids[0]!;
    const twin = ids.find((id) => id !== a && runColor(id) === runColor(a))!;
    const other = ids.find((id) => runColor(id) !== runColor(a))!;
    const s1 = runStyles([twin, other, a]);
    const s2 = runStyles([a, other, twin]);
    for (const s of [s1, s2]) {
      expect(s.get(a)).toEqual({ color: runColor(a) });
      expect(s.get(other)).toEqual({ color: runColor(other) });
      expect(s.get(twin)!.color).toBe(runColor(a));
      expect(s.get(twin)!.dash).toEqual([6, 3]);
    }
  });

  it('turn a colour into rgba with an alpha', () => {
    expect(withAlpha('#4e79a7', 0.25)).toBe('rgba(78,121,167,0.250)');
  });
});

describe('run colours of ids that differ only in their random suffix', () => {
  it('are spread evenly over the palette', () => {
    const ids = Array.from({ length: 4096 }, (_, i) => `20261130-202915-e2e-long-${i.toString(16).padStart(4, '0')}`);
    const counts = new Array<number>(RUN_PALETTE.length).fill(0);
    for (const id of ids) counts[RUN_PALETTE.indexOf(runColor(id) as (typeof RUN_PALETTE)[number])]!++;
    for (const n of counts) expect(Math.abs(n / ids.length - 0.1)).toBeLessThan(0.02);
  });
});
