// What the renderer's bundle holds, read off a real build (in memory, ~1 s). zod stays out of it: the renderer
// needs the domain's vocabulary (shared/domain.ts) and types, not the validation the core does on what arrives, and
// zod in the page costs ~80 kB and, under the app's CSP, an eval probe the browser reports as a violation.
import os from 'node:os';
import path from 'node:path';
import { build, type Rolldown } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** module id → the modules that import it, for the whole graph the build saw */
const importers = new Map<string, readonly string[]>();
/** modules whose code is in the output */
let bundled: string[] = [];

beforeAll(async () => {
  const out = (await build({
    configFile: path.join(ROOT, 'vite.config.ts'),
    root: path.join(ROOT, 'renderer'),
    mode: 'production',
    logLevel: 'silent',
    build: { write: false, sourcemap: false, minify: false, outDir: path.join(os.tmpdir(), 'rci-bundle-check'), emptyOutDir: false },
    plugins: [
      {
        name: 'record-importers',
        generateBundle() {
          for (const id of this.getModuleIds()) importers.set(id, this.getModuleInfo(id)?.importers ?? []);
        },
      },
    ],
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output).filter((c) => c.type === 'chunk');
  bundled = chunks.flatMap((c) => Object.entries(c.modules).filter(([, m]) => m.renderedLength > 0).map(([id]) => id));
}, 60_000);

/** How a module got in: the import chain from the entry down to it. */
function chainTo(id: string): string[] {
  const seen = new Set([id]);
  const paths: string[][] = [[id]];
  while (paths.length > 0) {
    const p = paths.shift()!;
    const from = importers.get(p[0]!) ?? [];
    if (from.length === 0) return p.map((m) => path.relative(ROOT, m));
    for (const f of from) if (!seen.has(f)) (seen.add(f), paths.push([f, ...p]));
  }
  return [path.relative(ROOT, id)];
}

const isZod = (id: string) => /[\\/]node_modules[\\/]zod[\\/]/.test(id);

describe('the renderer bundle', () => {
  it('is built from the renderer and the shared vocabulary', () => {
    expect(bundled.some((id) => id.endsWith(path.join('renderer', 'src', 'main.tsx')))).toBe(true);
    expect(bundled.some((id) => id.endsWith(path.join('shared', 'domain.ts')))).toBe(true);
  });

  it('holds no zod: domain constants come from shared/domain.ts, types through type-only imports', () => {
    const zod = bundled.filter(isZod);
    // on failure: the import chain that brought it in, from the entry on
    expect(zod.length === 0 ? [] : chainTo(zod[0]!), 'zod is bundled').toEqual([]);
  });
});
