// `npm test` printed Rollup's MIXED_EXPORTS warning twice (once per Electron bundle pass): the Electron build config
// exported a list beside its default export. Loading the build configs must print no warning a newcomer would
// worry about.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfigFromFile } from 'vite';

const repo = path.resolve(__dirname, '../..');

describe('build configuration', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['vite.electron.config.ts', 'main'],
    ['vite.electron.config.ts', 'preload'],
    ['vite.config.ts', 'production'],
  ])('%s (--mode %s) loads without a MIXED_EXPORTS warning', async (file, mode) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loaded = await loadConfigFromFile({ command: 'build', mode }, path.join(repo, file), repo, 'silent', undefined, 'bundle');
    expect(loaded?.config).toBeTruthy();
    const printed = warn.mock.calls.map((c) => c.join(' '));
    expect(printed.filter((w) => /MIXED_EXPORTS/.test(w))).toEqual([]);
  });
});
