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

export interface DatasetInfo {
  name: string;
  height: number;
  width: number;
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
    classNames: d.classNames.slice(),
    trainCount: d.train.count,
    testCount: d.test.count,
  };
}
