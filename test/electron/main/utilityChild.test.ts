import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
// vi.mock is hoisted above this import by vitest.
import { spawnUtilityChild } from '../../../electron/main/utilityChild';
import type { FromTraining, ToTraining } from '../../../electron/host/trainingProtocol';

const spawnTrainingProcess = (script: string) => spawnUtilityChild<ToTraining, FromTraining>(script, 'Racecar training');

// The Electron binary is not installed: stand in for the one API used.
const forked: FakeUtilityProcess[] = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (modulePath: string, args: string[], options: unknown) => {
      const p = new FakeUtilityProcess(modulePath, args, options);
      forked.push(p);
      return p;
    },
  },
}));

class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = [];
  readonly stderr = new PassThrough();
  kills = 0;
  pid: number | undefined = 1234;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: unknown,
  ) {
    super();
  }
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  kill() {
    this.kills++;
    return true;
  }
}

describe('spawnUtilityChild', () => {
  it('forks the script with utilityProcess: stdin ignored, stderr piped', () => {
    const w = spawnTrainingProcess('/app/dist/electron/host/trainingProcess.js');
    const p = forked.at(-1)!;
    expect(w.pid).toBe(1234);
    expect(p.modulePath).toBe('/app/dist/electron/host/trainingProcess.js');
    expect(p.args).toEqual([]);
    expect(p.options).toMatchObject({ serviceName: 'Racecar training', stdio: ['ignore', 'ignore', 'pipe'] });
  });

  it('posts messages, delivers replies, and reports the exit with the stderr tail', async () => {
    const w = spawnTrainingProcess('w.js');
    const p = forked.at(-1)!;
    const got: unknown[] = [];
    const exits: string[] = [];
    w.onMessage((m) => got.push(m));
    w.onExit((d) => exits.push(d));
    w.send({ type: 'cancel' });
    expect(p.posted).toEqual([{ type: 'cancel' }]);
    p.emit('message', { type: 'done' });
    expect(got).toEqual([{ type: 'done' }]);
    p.stderr.write('Error: out of memory\n');
    await new Promise((r) => setImmediate(r));
    p.emit('error', 'FatalError', 'v8::Heap', '{}');
    p.emit('exit', 134);
    expect(exits).toEqual(['exit 134; fatal FatalError at v8::Heap; stderr: Error: out of memory']);
    // After the end: no posting, no killing, and late onExit subscribers still hear about it.
    w.send({ type: 'cancel' });
    expect(p.posted).toHaveLength(1);
    w.kill();
    expect(p.kills).toBe(0);
    const late = await new Promise<string>((resolve) => w.onExit(resolve));
    expect(late).toBe('exit 134; fatal FatalError at v8::Heap; stderr: Error: out of memory');
  });

  it('kills a running child', () => {
    const w = spawnTrainingProcess('w.js');
    w.kill();
    expect(forked.at(-1)!.kills).toBe(1);
  });
});
