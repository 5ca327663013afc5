// `serve --rules FILE`: response rules (shared/response-rules.ts) read from a JSON file at start, for this run. A
// file that cannot be read or holds an invalid rule stops serve before anything listens, with one message that
// names the file, the rule and the field.
import fs from 'node:fs';
import { parseResponseRules, type ResponseRules } from '../shared/response-rules';

/** serve exits 2 with this message (a usage problem: nothing was started) */
export class RulesFileError extends Error {}

export function loadRulesFile(file: string): ResponseRules {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RulesFileError(`--rules ${file}: cannot be read (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new RulesFileError(`--rules ${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = parseResponseRules(json);
  if (!parsed.ok) throw new RulesFileError(`--rules ${file}: ${parsed.message}`);
  return parsed.rules;
}
