const ort = require('onnxruntime-node');
const { GraphBuilder } = require('./dist/electron/engine/onnx/graph');
const sizes = [401408, 131072, 2560];
function build(kind, chunk) {
  const g = new GraphBuilder('a');
  const ss = g.input('ss', []), vs = g.input('vs', []);
  sizes.forEach((N, i) => {
    const w = g.input('w' + i, [N]), gr = g.input('g' + i, [N]), m = g.input('m' + i, [N]), v = g.input('v' + i, [N]);
    const chain = (w, gr, m, v) => {
      if (kind === 'A') {
        const m2 = g.add(g.scale(m, 0.9), g.scale(gr, 0.1));
        const v2 = g.add(g.scale(v, 0.999), g.scale(g.square(gr), 0.001));
        const den = g.add(g.sqrt(g.mul(v2, vs)), g.scalar(1e-8));
        return [g.add(w, g.div(g.mul(m2, ss), den)), m2, v2];
      }
      const m2 = g.add(m, g.scale(g.sub(gr, m), 0.1));
      const v2 = g.add(v, g.scale(g.sub(g.square(gr), v), 0.001));
      const den = g.add(g.sqrt(v2), vs);
      return [g.add(w, g.mul(g.div(m2, den), ss)), m2, v2];
    };
    if (kind === 'C' && N > chunk) {
      const parts = Math.ceil(N / chunk);
      const split = (x) => { const outs = Array.from({ length: parts }, (_, j) => `${x}_s${j}`); g.nodes?.push; return outs; };
      // Split via op with multiple outputs: use Slice per chunk (simpler)
      const sl = (x, j) => g.op('Slice', [x, g.ints([j * chunk]), g.ints([Math.min(N, (j + 1) * chunk)]), g.ints([0])]);
      const res = [[], [], []];
      for (let j = 0; j < parts; j++) { const r = chain(sl(w, j), sl(gr, j), sl(m, j), sl(v, j)); r.forEach((x, k) => res[k].push(x)); }
      ['wo', 'mo', 'vo'].forEach((n, k) => g.output(g.concat(res[k]), n + i, [N]));
    } else {
      const r = chain(w, gr, m, v);
      ['wo', 'mo', 'vo'].forEach((n, k) => g.output(r[k], n + i, [N]));
    }
  });
  return g.encode('x');
}
(async () => {
  const threads = +(process.argv[2] || 1);
  const S = {};
  for (const [k, c] of [['A'], ['B'], ['C', 32768], ['C', 8192]]) S[k + (c || '')] = await ort.InferenceSession.create(build(k, c), { intraOpNumThreads: threads, logSeverityLevel: 3 });
  const T = (N, f) => new ort.Tensor('float32', new Float32Array(N).fill(f), [N]);
  const feeds = { ss: new ort.Tensor('float32', Float32Array.of(-1e-3), []), vs: new ort.Tensor('float32', Float32Array.of(1e-8), []) };
  const fetches = {};
  sizes.forEach((N, i) => { feeds['w' + i] = T(N, 0.1); feeds['g' + i] = T(N, 0.01); feeds['m' + i] = T(N, 0.001); feeds['v' + i] = T(N, 0.0001); ['wo', 'mo', 'vo'].forEach(n => fetches[n + i] = T(N, 0)); });
  const tot = {};
  for (let rep = 0; rep < 8; rep++) for (const [k, s] of Object.entries(S)) {
    for (let i = 0; i < 3; i++) await s.run(feeds, fetches);
    const t = performance.now(); for (let i = 0; i < 20; i++) await s.run(feeds, fetches); tot[k] = (tot[k] || 0) + (performance.now() - t) / 20;
  }
  for (const [k, v] of Object.entries(tot)) console.log(threads, k, (v / 8).toFixed(3), 'ms');
})();
