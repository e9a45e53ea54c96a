import type { SvdVectorsView, SvdView } from '../contract/contract';
import type { LayerSvd, LayerVectors } from '../engine/svd/runSvd';

export function toSvdView(r: LayerSvd): SvdView {
  return {
    runId: r.runId,
    layer: r.layer,
    step: r.step,
    rows: r.rows,
    cols: r.cols,
    image: r.image,
    singularValues: r.s,
    vectors: r.vectorPngs.map((p) => `data:image/png;base64,${p.toString('base64')}`),
    alignment: r.alignment,
  };
}

export function toSvdVectorsView(r: LayerVectors): SvdVectorsView {
  return {
    ...r,
    vectors: r.vectors.map((v) => ({
      index: v.index,
      sigma: v.sigma,
      values: Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength).toString('base64'),
    })),
  };
}
