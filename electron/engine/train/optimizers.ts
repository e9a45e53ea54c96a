// An optimizer's state as saved beside a checkpoint (the update rules
// themselves are model/optimizers.ts).

/** An optimizer's state as plain numbers (float32 arrays keep their bits). */
export interface OptimizerState {
  /**
   * Whose layout: 'graph', the step graph's slot.param arrays of every backend
   * ('onnx' before it served the tfjs backends too); 'flat-adam' and 'tfjs'
   * are earlier tfjs layouts, which a resume reports and starts afresh from.
   */
  kind: 'graph' | 'onnx' | 'flat-adam' | 'tfjs';
  arrays: { name: string; shape: number[]; data: Float32Array }[];
  scalars: Record<string, number>;
}

const OPTIMIZER_STATE_FORMAT = 'racecar-optimizer/1';

export function serializeOptimizerState(s: OptimizerState): string {
  return JSON.stringify({
    format: OPTIMIZER_STATE_FORMAT,
    kind: s.kind,
    scalars: s.scalars,
    arrays: s.arrays.map((a) => ({ name: a.name, shape: a.shape, data: Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64') })),
  });
}

export function parseOptimizerState(json: string): OptimizerState {
  const raw = JSON.parse(json) as {
    format?: string;
    kind: OptimizerState['kind'];
    scalars: Record<string, number>;
    arrays: { name: string; shape: number[]; data: string }[];
  };
  if (raw.format !== OPTIMIZER_STATE_FORMAT) throw new Error(`not a ${OPTIMIZER_STATE_FORMAT} file`);
  return {
    kind: raw.kind,
    scalars: raw.scalars,
    arrays: raw.arrays.map((a) => {
      const buf = Buffer.from(a.data, 'base64');
      const data = new Float32Array(buf.byteLength / 4);
      new Uint8Array(data.buffer).set(buf);
      return { name: a.name, shape: a.shape, data };
    }),
  };
}
