// Which workspace the desktop app opens, and remembering the user's choice:
// $RACECAR_WORKSPACE (as the CLI), else the one chosen last time, else the
// default in the per-user config folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineHandler, Results } from '../contract/contract';
import { writeFileAtomic } from '../engine/util/atomicWrite';

export type EngineService = EngineHandler & { close(): Promise<void>; readonly workspace: string };

/** Starts the engine for a workspace; rejects when the workspace cannot be opened. */
export type ServiceFactory = (opts: { workspace: string }) => Promise<EngineService>;

export class WorkspaceChoice {
  /** The workspace being opened or served (the About box, the file dialog's start). */
  current = '';

  constructor(private readonly userData: () => string) {}

  private get settingsFile(): string {
    return path.join(this.userData(), 'settings.json');
  }

  get defaultWorkspace(): string {
    return path.join(this.userData(), 'workspace');
  }

  saved(): string | null {
    try {
      const saved = (JSON.parse(fs.readFileSync(this.settingsFile, 'utf8')) as { workspace?: unknown }).workspace;
      return typeof saved === 'string' && path.isAbsolute(saved) ? saved : null;
    } catch {
      return null;
    }
  }

  remember(ws: string): void {
    this.current = ws;
    try {
      writeFileAtomic(this.settingsFile, JSON.stringify({ workspace: ws }, null, 2));
    } catch {
      // Not remembering the choice is not worth interrupting the user: it applies for this session anyway.
    }
  }

  /** The engine on the workspace to open; a saved workspace that cannot be opened is reported and the default used. */
  async open(createService: ServiceFactory, unavailable: (saved: string, e: unknown) => void): Promise<EngineService> {
    const fromEnv = process.env.RACECAR_WORKSPACE;
    if (fromEnv) {
      // Same override as the CLI, so both can be pointed at one workspace.
      this.current = path.resolve(fromEnv);
      return createService({ workspace: this.current });
    }
    const saved = this.saved();
    if (saved && saved !== this.defaultWorkspace) {
      try {
        this.current = saved;
        return await createService({ workspace: saved });
      } catch (e) {
        unavailable(saved, e);
      }
    }
    this.current = this.defaultWorkspace;
    return createService({ workspace: this.current });
  }

  /** The service, plus: a successful workspace.set (from the renderer or the menu) is remembered for the next start. */
  remembering(inner: EngineService): EngineHandler {
    return {
      handle: async (channel, payload) => {
        const result = await inner.handle(channel, payload);
        if (channel === 'workspace.set') this.remember((result as Results['workspace.set']).workspace);
        return result;
      },
      onEvent: (listener) => inner.onEvent(listener),
    };
  }
}
