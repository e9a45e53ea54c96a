import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The default workspace: RACECAR_WORKSPACE, else a folder inside the same
 * per-user directory Electron's app.getPath('userData') uses for this app, so
 * the CLI and the desktop app see the same runs.
 */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RACECAR_WORKSPACE) return path.resolve(env.RACECAR_WORKSPACE);
  const home = os.homedir();
  const base =
    process.platform === 'win32'
      ? (env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? path.join(home, 'Library', 'Application Support')
        : (env.XDG_CONFIG_HOME ?? path.join(home, '.config'));
  return path.join(base, 'racecar-workbench', 'workspace');
}
