// The transfer study started from the app (study.transfer): its runs go
// through the engine's run queue like any other, in training processes: the
// source runs first (as many at once as fit the cores), each source's two
// fine-tuning runs as soon as it has completed. When every run has ended, its
// table and figure are written to <workspace>/studies/<id>/. The study's
// progress lives in this engine process: a restart of the engine leaves the
// runs trained so far, without the table (racecar stats compares them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../engine/config/schema';
import type { RunStore } from '../engine/store/runStore';
import { timeStamp } from '../engine/store/layout';
import { STUDY_MODES, sourceConfig, summarizeStudy, targetConfig, type StudyEntry, type StudyMode, type StudyOptions } from '../engine/study/transferStudy';
import { prepareRun } from '../engine/train/trainer';
import { datasetLoader } from '../engine/data/load';
import { writeFileAtomic } from '../engine/util/atomicWrite';
import { errorMessage } from '../engine/util/errorMessage';
import { studyCsv, studyFigurePng, studyLatex } from '../export/studyFiles';

export interface StudyHost {
  store(): RunStore;
  /** Queues a run that may train beside others; its id. */
  enqueue(config: RunConfig, totalSteps: number): string;
  /** The study has ended: its folder and how. */
  ended(e: { id: string; folder: string; ok: boolean; message: string }): void;
}

interface Study {
  id: string;
  folder: string;
  o: StudyOptions;
  /** Runs still to end: a source (with its mode and seed) or a fine-tuning run. */
  sources: Map<string, { mode: StudyMode; seed: number }>;
  targets: Map<string, { mode: StudyMode; frozen: boolean; source: string }>;
  entries: StudyEntry[];
  failed: string[];
}

export class StudyRunner {
  private readonly studies: Study[] = [];
  constructor(private readonly host: StudyHost) {}

  /** Every source config is checked before a run exists; the study's id, folder and run count. */
  start(o: StudyOptions): { id: string; folder: string; runs: number } {
    const load = datasetLoader();
    const planned = o.seeds.flatMap((seed) => STUDY_MODES.map((mode) => ({ mode, seed, p: prepareRun(sourceConfig(mode, seed, o), load) })));
    prepareRun(targetConfig('check', 'Std', o.seeds[0]!, false, o), load); // the target task's data set and network, checked now
    const id = `${timeStamp()}-transfer`;
    const folder = path.join(this.host.store().workspace, 'studies', id);
    const study: Study = { id, folder, o, sources: new Map(), targets: new Map(), entries: [], failed: [] };
    this.studies.push(study);
    for (const { mode, seed, p } of planned) study.sources.set(this.host.enqueue(p.config, p.totalSteps), { mode, seed });
    return { id, folder, runs: planned.length * 3 };
  }

  /** A run has ended: a completed source's fine-tuning runs are queued; the last run of a study writes its files. */
  onFinished(runId: string, status: string): void {
    for (const s of this.studies) {
      const src = s.sources.get(runId);
      const tgt = s.targets.get(runId);
      if (!src && !tgt) continue;
      if (src) {
        s.sources.delete(runId);
        if (status !== 'completed') s.failed.push(`the ${src.mode} source of seed ${src.seed} ${status}`);
        else
          for (const frozen of [false, true]) {
            try {
              const p = prepareRun(targetConfig(runId, src.mode, src.seed, frozen, s.o));
              s.targets.set(this.host.enqueue(p.config, p.totalSteps), { mode: src.mode, frozen, source: runId });
            } catch (e) {
              s.failed.push(`the ${src.mode} transfer of seed ${src.seed}: ${errorMessage(e)}`);
            }
          }
      } else if (tgt) {
        s.targets.delete(runId);
        if (status !== 'completed') s.failed.push(`the ${tgt.mode} transfer run ${runId} ${status}`);
        else {
          const accuracy = this.host.store().readMetrics(runId).at(-1)?.testAccuracy ?? NaN;
          s.entries.push({ mode: tgt.mode, frozen: tgt.frozen, run: runId, source: tgt.source, accuracy });
        }
      }
      if (s.sources.size === 0 && s.targets.size === 0) this.finish(s);
      return;
    }
  }

  private finish(s: Study): void {
    this.studies.splice(this.studies.indexOf(s), 1);
    if (!s.entries.length) {
      this.host.ended({
        id: s.id,
        folder: s.folder,
        ok: false,
        message: `transfer study ${s.id}: no transfer run completed (${s.failed.join('; ')}): nothing written`,
      });
      return;
    }
    try {
      const r = summarizeStudy(s.entries);
      fs.mkdirSync(s.folder, { recursive: true });
      writeFileAtomic(path.join(s.folder, 'transfer.csv'), studyCsv(r));
      writeFileAtomic(path.join(s.folder, 'transfer.tex'), studyLatex(r));
      writeFileAtomic(path.join(s.folder, 'transfer.png'), studyFigurePng(r));
      writeFileAtomic(path.join(s.folder, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
      const note = s.failed.length ? `; left out: ${s.failed.join('; ')}` : '';
      this.host.ended({ id: s.id, folder: s.folder, ok: s.failed.length === 0, message: `transfer study ${s.id}: table and figure in ${s.folder}${note}` });
    } catch (e) {
      this.host.ended({ id: s.id, folder: s.folder, ok: false, message: `transfer study ${s.id}: ${errorMessage(e)}` });
    }
  }
}
