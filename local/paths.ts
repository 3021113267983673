/** Everything the local runtime writes lives under one ignored folder, `.local/` (override: LOCAL_DIR). */
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');

export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_DIR ? resolve(env.LOCAL_DIR) : join(REPO_ROOT, '.local');
}
