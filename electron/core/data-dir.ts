// Where `serve` keeps its data when --data-dir is not given: the platform's per-user data folder, the same
// place Electron's app.getPath('userData') resolves to for this app, so the desktop app and `serve` share history.
import os from 'node:os';
import path from 'node:path';

const APP_DIR_NAME = 'RCS Callback Inspector';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_DIR_NAME);
}
