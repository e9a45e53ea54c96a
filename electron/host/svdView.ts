import type { SvdView } from '../contract/contract';
import type { LayerSvd } from '../engine/svd/runSvd';

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
