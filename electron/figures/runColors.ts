// One colour per run, so a run looks the same in Live, Compare, the SVD rows,
// sweeps and exported figures, and runs drawn together never share one (up to
// the palette's size). A hash of the id alone collides too often (two of three
// runs share a colour about a quarter of the time with ten colours), so each
// run's colour also looks at the runs made just before it (homeColors), and a
// chart moves a run whose colour is already drawn to a free one (runStyles).
// PURE: safe in the renderer and Node.

/** Tableau-10: readable on light and dark backgrounds (the same palette as the chart series). */
export const RUN_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

/** Dashes for runs beyond the palette's size in one chart (the first of a colour keeps a solid line). */
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

/** The run's hashed colour (#rrggbb): its home colour unless a run made just before it has that one (homeColors). */
export function runColor(id: string): string {
  return RUN_PALETTE[runColorIndex(id)]!;
}

export interface RunStyle {
  color: string;
  /** Only where a chart shows more runs than the palette has colours: the runs beyond it repeat a colour, dashed. */
  dash?: number[];
}

/**
 * Home colours of a workspace's runs (palette indices). Run ids begin with
 * their creation time, so sorted ids are the order the runs were made in: each
 * run takes its hashed colour unless one of the nine runs made just before it
 * has it, else the next colour none of them has. So any ten runs made one after
 * another (a reproduce, a sweep, a Std/Ort/RR trio) have ten colours, and a run
 * has one colour in every view and export of the same workspace.
 */
export function homeColors(ids: readonly string[]): Map<string, number> {
  const order = [...new Set(ids)].sort();
  const n = RUN_PALETTE.length;
  const picked: number[] = [];
  const out = new Map<string, number>();
  order.forEach((id, i) => {
    const recent = new Set(picked.slice(Math.max(0, i - (n - 1)), i));
    const want = runColorIndex(id);
    let c = want;
    for (let k = 0; k < n && recent.has(c); k++) c = (want + k + 1) % n;
    picked.push(c);
    out.set(id, c);
  });
  return out;
}

/** The runs a chart's colours are chosen among: the workspace's run ids, or their homeColors. */
export type RunColorContext = readonly string[] | ReadonlyMap<string, number>;

/**
 * Colours of runs drawn together. `workspace`: the ids of all runs of the
 * workspace (default: those drawn) or their homeColors, which the runs keep; two drawn runs with the same home colour (made far apart) get
 * different ones: the later id the first colour free in this chart. Only
 * beyond the palette's size do colours repeat, with dashes (see paletteNote).
 */
export function runStyles(ids: readonly string[], workspace: RunColorContext = ids): Map<string, RunStyle> {
  const drawn = [...new Set(ids)].sort();
  const known = !Array.isArray(workspace) && drawn.every((id) => (workspace as ReadonlyMap<string, number>).has(id));
  const homes = known ? (workspace as ReadonlyMap<string, number>) : homeColors([...(Array.isArray(workspace) ? workspace : workspace.keys()), ...drawn]);
  const n = RUN_PALETTE.length;
  const taken = new Set<number>();
  const later: string[] = [];
  const out = new Map<string, RunStyle>();
  for (const id of drawn) {
    const c = homes.get(id)!;
    if (taken.has(c)) later.push(id);
    else {
      taken.add(c);
      out.set(id, { color: RUN_PALETTE[c]! });
    }
  }
  let repeats = 0;
  for (const id of later) {
    const home = homes.get(id)!;
    const free = Array.from({ length: n }, (_, k) => (home + k) % n).find((c) => !taken.has(c));
    if (free !== undefined) {
      taken.add(free);
      out.set(id, { color: RUN_PALETTE[free]! });
    } else {
      out.set(id, { color: RUN_PALETTE[home]!, dash: [...COLLISION_DASHES[repeats++ % COLLISION_DASHES.length]!] });
    }
  }
  return out;
}

/** The legend's note when a chart shows more runs than there are colours; null when every run has its own. */
export function paletteNote(runs: number): string | null {
  return runs > RUN_PALETTE.length ? `${runs} runs, ${RUN_PALETTE.length} colours: dashed lines repeat a colour` : null;
}

/** #rrggbb with an alpha, as rgba(). */
export function withAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${Math.max(0, Math.min(1, a)).toFixed(3)})`;
}
