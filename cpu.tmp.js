// CPU ms per step (user+sys of this process), less sensitive to other load than wall time.
const path = require('path'), fs = require('fs'), os = require('os');
const root = process.argv[2];
process.env.RACECAR_BACKEND = process.argv[3];
process.env.RACECAR_ONNX_THREADS = '1';
process.env.RACECAR_WASM_THREADS = '1';
const { trainToEnd } = require(path.join(root, 'dist/electron/engine/train/trainer.js'));
const { RunStore } = require(path.join(root, 'dist/electron/engine/store/runStore.js'));
const mk = (name, data, layers, quirks, steps, batchSize) => ({ name, data, network: { layers }, loss: { referenceQuirks: quirks }, training: { steps, evalEvery: 100000, checkpointEvery: 0, backwardSamples: 0, batchSize } });
const W1 = (s) => mk('W1', { source: { kind: 'peak', trainPerClass: 50, testPerClass: 5 } }, [{ units: 128, activation: 'relu', batchNorm: true, lambda: 1e-6 }, { units: 2, activation: 'relu', batchNorm: true, lambda: 1e-6 }], true, s, 0);
const W2 = (s) => mk('W2', { source: { kind: 'mnist' }, scale: 'unit' }, [{ units: 512, activation: 'relu', lambda: 1e-3 }, { units: 256, activation: 'relu', lambda: 1e-3 }, { units: 10, activation: 'linear', lambda: 1e-3 }], false, s, 128);
(async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'sp'));
  const store = new RunStore(ws);
  const out = {};
  const n1 = +process.argv[4], n2 = +process.argv[5];
  for (const [k, f, n] of [['W1', W1, n1], ['W2', W2, n2]]) {
    await trainToEnd(f(10), { store }); // warm-up (data load, sessions)
    const c0 = process.cpuUsage();
    const a = await trainToEnd(f(n), { store });
    const c1 = process.cpuUsage(c0);
    const b0 = process.cpuUsage();
    await trainToEnd(f(2 * n), { store });
    const c2 = process.cpuUsage(b0);
    out[k] = +(((c2.user + c2.system) - (c1.user + c1.system)) / 1000 / n).toFixed(3); // ms per extra step
  }
  console.log(JSON.stringify({ root, backend: process.argv[3], cpuMsPerStep: out }));
  fs.rmSync(ws, { recursive: true, force: true });
})();
