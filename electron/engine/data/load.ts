// One entry point from a configured data source to an in-memory data set.
import type { DataSource } from '../config/schema';
import type { Dataset } from './dataset';
import { loadFolder } from './folder';
import { loadMnist } from './mnist';
import { generatePeak } from './peak';

export function loadDataset(source: DataSource): Dataset {
  switch (source.kind) {
    case 'peak':
      return generatePeak(source);
    case 'mnist':
      return loadMnist(source);
    case 'folder':
      return loadFolder(source);
  }
}

/**
 * loadDataset, remembering what it loaded: for one request that prepares
 * several runs of the same data (a sweep, racecar reproduce), so that the
 * process loads each data set once. Not kept across requests (a folder may change).
 */
export function datasetLoader(): (source: DataSource) => Dataset {
  const loaded = new Map<string, Dataset>();
  return (source) => {
    const key = JSON.stringify(source);
    let d = loaded.get(key);
    if (!d) loaded.set(key, (d = loadDataset(source)));
    return d;
  };
}

export interface DatasetInfo {
  name: string;
  height: number;
  width: number;
  /** 3 for colour images; absent = 1 (grey). */
  channels?: number;
  classNames: string[];
  trainCount: number;
  testCount: number;
}

/** The summary recorded with a run (RunRecord.dataInfo) and shown in the UI. */
export function describeDataset(d: Dataset): DatasetInfo {
  return {
    name: d.name,
    height: d.height,
    width: d.width,
    ...((d.channels ?? 1) !== 1 ? { channels: d.channels } : {}),
    classNames: d.classNames.slice(),
    trainCount: d.train.count,
    testCount: d.test.count,
  };
}
