// Who may import whom, and one error class per idea. The store is below the API: it must not reach up into the
// dispatch layer for an error. A second class for an idea that already has one splits every `instanceof` check in
// two, so each error class is listed here with the idea it stands for; a new one needs its own idea.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true }).flatMap((e) =>
    e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.relative(ROOT, path.join(e.parentPath, e.name))] : [],
  );
}

/** the project files `file` imports, as paths relative to the repository */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), m[1]!)));
}

const ERROR_CLASSES: Record<string, string> = {
  ApiError: 'a call the API refuses: the code both transports carry and the message for the user',
  UsageError: 'the command line was used wrongly: exit 2 with the usage',
  HandshakeError: 'the tunnel server would not register us, and whether retrying can help',
  StoreWriteError: 'a delivery could not be written, in words a user can act on',
  RecoverError: 'recover cannot start: nothing can be copied from that file into that folder',
  OutputClosed: 'the reader of an export went away: stop quietly',
  ImportFileError: 'the file given to import cannot be read as a whole (missing, empty, not NDJSON or HAR): nothing imported',
  ImportRunningError: 'an import is writing into the store: serve or the desktop app must not open it until it ends',
  RulesFileError: 'the file given to serve --rules cannot be used (missing, not JSON, or a rule the schema refuses): serve does not start',
  MissingNativeBindingError: "the desktop app's SQLite binding is not where it must be",
};

describe('layering', () => {
  it('the store imports nothing from the API dispatch layer', () => {
    const leaks = sources('electron/core/store').flatMap((f) =>
      importsOf(f)
        .filter((i) => i === path.join('electron', 'core', 'api-dispatch'))
        .map((i) => `${f} -> ${i}`),
    );
    expect(leaks).toEqual([]);
  });

  it('has one error class per idea, each listed with it', () => {
    const found = ['electron', 'shared', 'renderer/src'].flatMap(sources).flatMap((f) =>
      [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/class\s+(\w+)\s+extends\s+Error\b/g)].map((m) => m[1]!),
    );
    expect(found.filter((c, i) => found.indexOf(c) !== i), 'defined twice').toEqual([]);
    expect(found.filter((c) => !ERROR_CLASSES[c]), 'an error class for an idea that already has one, or a new idea to list').toEqual([]);
    expect(Object.keys(ERROR_CLASSES).filter((c) => !found.includes(c)), 'listed but gone').toEqual([]);
  });
});
