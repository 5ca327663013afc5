// vitest globalSetup: the CLI bundle is made fresh once, before the workers that start serve from it (cli-bundle.ts).
import { ensureCliBundle } from './cli-bundle';

export default function setup(): void {
  ensureCliBundle();
}
