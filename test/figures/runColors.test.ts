// One colour per run: the same run has the same colour in every chart,
// selection and export, and runs drawn together never share one (up to the
// palette's size; beyond it, dashes and a note in the legend).
import { describe, expect, it } from 'vitest';
import { makeRunId } from '../../electron/engine/store/layout';
import { RUN_PALETTE, hashId, homeColors, paletteNote, runColor, runStyles, withAlpha } from '../../electron/figures/runColors';

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

  it('give runs drawn together distinct colours (whatever their hashes), keep each run its home colour, and dash only beyond the palette', () => {
    // Two ids with the same hashed colour (e.g. peak_Ort and peak_RR were both #e15759) and one with another.
    const ids = Array.from({ length: 200 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
    const a = ids[0]!;
    const twin = ids.find((id) => id !== a && runColor(id) === runColor(a))!;
    const other = ids.find((id) => runColor(id) !== runColor(a) && id > twin)!;
    for (const order of [
      [twin, other, a],
      [a, other, twin],
    ]) {
      const s = runStyles(order);
      expect(new Set(order.map((id) => s.get(id)!.color)).size).toBe(3);
      expect(s.get(a)).toEqual({ color: runColor(a) });
      expect(s.get(twin)!.dash).toBeUndefined();
    }
    // The twin keeps its own colour where the first is not drawn.
    expect(runStyles([twin, other], ids).get(twin)!.color).toBe(RUN_PALETTE[homeColors(ids).get(twin)!]);
    // Eleven runs: ten colours, the eleventh repeats one, dashed, and the legend says so.
    const eleven = ids.slice(0, 11);
    const s = runStyles(eleven);
    expect(new Set(eleven.map((id) => s.get(id)!.color)).size).toBe(10);
    expect(eleven.filter((id) => s.get(id)!.dash).length).toBe(1);
    expect(paletteNote(11)).toBe('11 runs, 10 colours: dashed lines repeat a colour');
    expect(paletteNote(10)).toBeNull();
  });

  it('give any ten runs made one after another ten home colours (the six reference runs, a sweep)', () => {
    const names = ['MNIST_Std', 'MNIST_Ort', 'MNIST_RR', 'peak_Std', 'peak_Ort', 'peak_RR'];
    for (let start = 0; start < 300; start += 7) {
      const made = names.map((n, i) => makeRunId(n, new Date(Date.UTC(2026, 11, 1, 10, 0, start + i)), '0000'));
      const homes = homeColors(made);
      expect(new Set(made.map((id) => homes.get(id))).size, made.join(' ')).toBe(6);
      // The same colours in every view, whatever else it shows: the runs list (all), a pair, an export.
      const all = runStyles(made, made);
      const pair = runStyles([made[4]!, made[5]!], made);
      expect(pair.get(made[4]!)).toEqual(all.get(made[4]!));
      expect(pair.get(made[5]!)).toEqual(all.get(made[5]!));
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
