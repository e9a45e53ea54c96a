import { describe, expect, it } from 'vitest';
import { DataSourceSchema } from '../../../electron/engine/config/schema';
import { DataError } from '../../../electron/engine/data/dataset';
import { datasetLoader, describeDataset, loadDataset } from '../../../electron/engine/data/load';
import { generatePeak } from '../../../electron/engine/data/peak';

describe('loadDataset', () => {
  it('generates peak data from the default source, identical to calling the generator', () => {
    const source = DataSourceSchema.parse({ kind: 'peak' });
    const d = loadDataset(source);
    expect(describeDataset(d)).toEqual({ name: 'peak', height: 28, width: 28, classNames: ['0', '1'], trainCount: 100, testCount: 10 });
    expect(d.train.images).toEqual(generatePeak({ trainPerClass: 50, testPerClass: 5, size: 28, seed: 0 }).train.images);
  });

  it('loads MNIST', () => {
    const d = loadDataset(DataSourceSchema.parse({ kind: 'mnist', digits: [0, 1], trainPerClass: 3, testPerClass: 2 }));
    expect(describeDataset(d)).toEqual({
      name: 'mnist',
      height: 28,
      width: 28,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      trainCount: 6,
      testCount: 4,
    });
  });

  it('loads a folder and passes its errors through', () => {
    const d = loadDataset(
      DataSourceSchema.parse({ kind: 'folder', path: '/work/shared/reference/peak', split: { kind: 'range', train: [0, 50], test: [50, 55] } }),
    );
    expect(describeDataset(d)).toEqual({ name: 'peak', height: 28, width: 28, classNames: ['0', '1'], trainCount: 100, testCount: 10 });
    expect(() => loadDataset(DataSourceSchema.parse({ kind: 'folder', path: '/nonexistent/racecar-data' }))).toThrow(DataError);
  });

  it('describeDataset returns a copy of the class names', () => {
    const d = generatePeak({ trainPerClass: 1, testPerClass: 1, size: 16, seed: 0 });
    const info = describeDataset(d);
    info.classNames.push('x');
    expect(d.classNames).toEqual(['0', '1']);
  });

  it('datasetLoader: runs of one request share a data set, loaded once per source', () => {
    const load = datasetLoader();
    const peak = DataSourceSchema.parse({ kind: 'peak', trainPerClass: 3, testPerClass: 1 });
    const first = load(peak);
    expect(load(DataSourceSchema.parse({ kind: 'peak', trainPerClass: 3, testPerClass: 1 }))).toBe(first);
    expect(load(DataSourceSchema.parse({ kind: 'peak', trainPerClass: 3, testPerClass: 1, seed: 1 }))).not.toBe(first);
    // Another request loads afresh (a folder may have changed in between).
    expect(datasetLoader()(peak)).not.toBe(first);
  });
});
