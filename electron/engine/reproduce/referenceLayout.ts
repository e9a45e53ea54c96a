// Writes a run in the reference code's own file layout so that existing
// analysis scripts keep working:
//   <out>/<run>/test_0000/{trainloss,testaccuracy,elapsedtime}.txt  (index<TAB>value per evaluation)
//   <out>/<run>/test_0000/backwardtest_img/test<i>_<nnnn>.png
//   <out>/<run>_SVD_0000_<nnnn>/v_<nnnn>.png
import * as path from 'node:path';
import type { RunStore } from '../store/runStore';
import type { LayerSvd } from '../svd/runSvd';
import { writeFileAtomic } from '../util/atomicWrite';
import { makeDirs } from '../util/makeDirs';

const pad4 = (n: number) => String(n).padStart(4, '0');

/** The reference saves ten singular-vector images. */
export const REFERENCE_SVD_IMAGES = 10;

export function writeReferenceLayout(store: RunStore, runId: string, outDir: string, name: string, svd: LayerSvd | null): string {
  const run = store.get(runId);
  const metrics = store.readMetrics(runId);
  const testDir = path.join(outDir, name, 'test_0000');
  const imgDir = path.join(testDir, 'backwardtest_img');
  makeDirs(imgDir);
  const lines = (f: (i: number) => number) => metrics.map((_, i) => `${i}\t${f(i)}`).join('\n') + '\n';
  writeFileAtomic(
    path.join(testDir, 'trainloss.txt'),
    lines((i) => metrics[i].loss.total),
  );
  writeFileAtomic(
    path.join(testDir, 'testaccuracy.txt'),
    lines((i) => metrics[i].testAccuracy),
  );
  writeFileAtomic(
    path.join(testDir, 'elapsedtime.txt'),
    lines((i) => metrics[i].elapsed),
  );
  const samples = Math.min(run.config.training.backwardSamples, run.dataInfo?.testCount ?? 0);
  run.backwardSteps.forEach((step, index) => {
    for (let i = 0; i < samples; i++) writeFileAtomic(path.join(imgDir, `test${i}_${pad4(index)}.png`), store.readBackward(runId, step, i));
  });
  if (svd) {
    const svdDir = path.join(outDir, `${name}_SVD_0000_${pad4(svd.step)}`);
    makeDirs(svdDir);
    svd.vectorPngs.slice(0, REFERENCE_SVD_IMAGES).forEach((png, j) => writeFileAtomic(path.join(svdDir, `v_${pad4(j)}.png`), png));
  }
  return path.join(outDir, name);
}
