// One colour per run, derived from its id alone, so a run looks the same in
// Live, Compare, the SVD rows, sweeps and exported figures whatever else is
// selected with it and in whatever order. PURE: safe in the renderer and Node.
//
// A hash into a small palette collides now and then (two of three runs share a
// colour about a quarter of the time with ten colours); runStyles() gives the
// later of such runs (by id, not by position) a dash so lines stay apart.

/** Tableau-10: readable on light and dark backgrounds (the same palette as the chart series). */
export const RUN_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

/** Dashes for runs whose colour is already taken in one chart (the first keeps a solid line). */
export const COLLISION_DASHES: readonly (readonly number[])[] = [
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
];

/** FNV-1a, 32 bit: stable across processes and platforms. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's finaliser: FNV-1a's low bits follow the characters' parities too closely to be taken modulo 10 as they are. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function runColorIndex(id: string): number {
  return mix(hashId(id)) % RUN_PALETTE.length;
}

/** The run's colour (#rrggbb). */
export function runColor(id: string): string {
  return RUN_PALETTE[runColorIndex(id)]!;
}

export interface RunStyle {
  color: string;
  /** Only for a run whose colour another run in the same chart also has. */
  dash?: number[];
}

/** Colours of runs drawn together; a colour shared by several gets dashes for all but the first id in sort order. */
export function runStyles(ids: readonly string[]): Map<string, RunStyle> {
  const byColor = new Map<number, string[]>();
  for (const id of new Set(ids)) {
    const c = runColorIndex(id);
    byColor.set(c, [...(byColor.get(c) ?? []), id]);
  }
  const out = new Map<string, RunStyle>();
  for (const [c, group] of byColor) {
    group.sort();
    group.forEach((id, k) => {
      const dash = k === 0 ? undefined : COLLISION_DASHES[(k - 1) % COLLISION_DASHES.length]!;
      out.set(id, { color: RUN_PALETTE[c]!, ...(dash ? { dash: [...dash] } : {}) });
    });
  }
  return out;
}

/** #rrggbb with an alpha, as rgba(). */
export function withAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${Math.max(0, Math.min(1, a)).toFixed(3)})`;
}
