// Electronegativity over electron/: every finding must be on the explained allow-list below. The tool always
// exits 0, so its SARIF report is parsed. A deliberately insecure canary file is scanned in the same run to prove
// the checks actually fire (a broken parse would otherwise look like a clean report).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const cli = path.join(repo, 'node_modules/@doyensec/electronegativity/dist/index.js');
const ELECTRON_VERSION = (JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

/** ruleId + file (relative to electron/) → why it is acceptable. Line numbers are left out on purpose: they drift. */
const EXPLAINED: Record<string, string> = {
  'OPEN_EXTERNAL_JS_CHECK main.ts':
    'shell.openExternal is only reached through guardWebContents, which passes only credential-free http(s) URLs (isSafeExternalUrl; unit-tested with file:, javascript:, smb:, credentials).',
  'PRELOAD_JS_CHECK shell/main-window.ts':
    'The preload is ours: it exposes one named function per contract call and onEvents (no ipcRenderer, no generic invoke); see electron-ipc.test.ts.',
  'CSP_GLOBAL_CHECK shell/security.ts':
    'The scanner cannot evaluate a CSP built by a function; contentSecurityPolicy() is asserted directive by directive in electron-security.test.ts.',
};

const CANARY = `
import { BrowserWindow, shell } from 'electron';
const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });
w.loadURL('http://example.com/');
shell.openExternal(process.argv[2]);
`;

interface Finding {
  rule: string;
  file: string;
  line: number;
}

let findings: Finding[] = [];
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rci-scan-'));
  const input = path.join(tmp, 'input');
  fs.cpSync(path.join(repo, 'electron'), path.join(input, 'electron'), { recursive: true });
  fs.mkdirSync(path.join(input, 'canary'));
  fs.writeFileSync(path.join(input, 'canary', 'insecure.ts'), CANARY);
  const out = path.join(tmp, 'report.sarif');
  // AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list; tests stay offline, and the Electron
  // version is pinned in package.json and upgraded deliberately.
  const args = [cli, '-i', input, '-o', out, '-r', '-v', 'false', '-e', ELECTRON_VERSION, '-x', 'AvailableSecurityFixesGlobalCheck'];
  const r = spawnSync(process.execPath, args, {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (!fs.existsSync(out)) throw new Error(`electronegativity wrote no report (status ${r.status}): ${r.stderr || r.stdout}`);
  const sarif = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
  };
  findings = sarif.runs.flatMap((run) =>
    run.results.map((res) => ({
      rule: res.ruleId,
      file: res.locations[0].physicalLocation.artifactLocation.uri.replace(/\\/g, '/'),
      line: res.locations[0].physicalLocation.region.startLine,
    })),
  );
}, 200_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('electronegativity', () => {
  it('catches the insecure canary (the scan really parsed TypeScript)', () => {
    const canary = new Set(findings.filter((f) => f.file.startsWith('canary/')).map((f) => f.rule));
    expect([...canary]).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'HTTP_RESOURCES_JS_CHECK']));
  });

  it('saw our BrowserWindow (the preload finding proves it) and leaves no finding in electron/ unexplained', () => {
    const ours = findings.filter((f) => f.file.startsWith('electron/'));
    const keys = ours.map((f) => `${f.rule} ${f.file.slice('electron/'.length)}`);
    expect(keys).toContain('PRELOAD_JS_CHECK shell/main-window.ts');
    const unexplained = ours.filter((f, i) => !EXPLAINED[keys[i]]);
    expect(unexplained, 'add a fix, or an explanation to EXPLAINED').toEqual([]);
  });

  it('the allow-list holds nothing stale', () => {
    const seen = new Set(findings.filter((f) => f.file.startsWith('electron/')).map((f) => `${f.rule} ${f.file.slice('electron/'.length)}`));
    expect(Object.keys(EXPLAINED).filter((k) => !seen.has(k))).toEqual([]);
  });
});
