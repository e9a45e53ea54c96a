// A minimal WebAssembly assembler: the opcodes, one function builder and a module
// encoder for the SIMD kernels of the SVD (svd/eigen.ts). Kernels are assembled at run time
// from these opcodes: no build tool, nothing to download.

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const utf8 = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** The instructions the kernels use. Addresses are byte offsets; memarg alignment is a hint. */
export const W = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  geS: [0x4e],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  f64store: (off = 0) => [0x39, 3, ...uleb(off)],
  fadd: [0xa0],
  vload: (off = 0) => [0xfd, 0x00, 4, ...uleb(off)],
  vstore: (off = 0) => [0xfd, 0x0b, 4, ...uleb(off)],
  vzero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x14],
  lane: (l: number) => [0xfd, 0x21, l],
  vadd: [0xfd, ...uleb(0xf0)],
  vsub: [0xfd, ...uleb(0xf1)],
  vmul: [0xfd, ...uleb(0xf2)],
};

export class WasmFn {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(
    readonly name: string,
    readonly params: number[],
  ) {}
  local(type: number): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }
  op(...parts: number[][]): this {
    for (const p of parts) this.code.push(...p);
    return this;
  }
  /** for (counter = 0; counter < end; counter += step) body() — byte offsets, end a local. */
  loop(counter: number, end: number, step: number, body: () => void): this {
    this.op(W.i32(0), W.set(counter), W.block, W.loop, W.get(counter), W.get(end), W.geS, W.brIf(1));
    body();
    return this.op(W.get(counter), W.i32(step), W.add, W.set(counter), W.br(0), W.end, W.end);
  }
  /** v128 at (ptr + counter). */
  load(ptr: number, counter: number): this {
    return this.op(W.get(ptr), W.get(counter), W.add, W.vload());
  }
  /** Stores the v128 on the stack top at (ptr + counter) (address computed first). */
  storeTo(ptr: number, counter: number, value: () => void): this {
    this.op(W.get(ptr), W.get(counter), W.add);
    value();
    return this.op(W.vstore());
  }
  bytes(): number[] {
    const groups: [number, number][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([c, t]) => [...uleb(c), t])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module of `fns` (no results) importing env.memory; a shared memory must be declared shared, with a maximum. */
export function assemble(fns: WasmFn[], sharedMemory = false): Uint8Array {
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const limits = sharedMemory ? [0x03, 1, ...uleb(65536)] : [0x00, 1];
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec(types)),
    ...section(2, vec([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.bytes()))),
  ]);
}
