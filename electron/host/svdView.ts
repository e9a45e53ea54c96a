import type { SvdVectorsView, SvdView } from '../contract/contract';
import { svdImagePath, workspaceRef } from '../engine/store/layout';
import type { LayerSvdMeta, LayerVectors } from '../engine/svd/runSvd';

/** The UI's view of an SVD: its vector images as workspace paths, which the transports serve as files (data: URLs when not cached). */
export function toSvdView(workspace: string, r: LayerSvdMeta): SvdView {
  const { s, vectorCount, inlineVectors, ...rest } = r;
  return {
    ...rest,
    singularValues: s,
    // Not cached (read-only workspace, full disk): the images travel inline.
    vectors: inlineVectors ?? Array.from({ length: vectorCount }, (_, j) => workspaceRef(workspace, svdImagePath(workspace, r.runId, r.layer, r.step, j))),
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
