// Command line: `serve` (receiver + store + control API + renderer, for machines without a display and for
// scripts), `export` (NDJSON, CSV, HAR), `import`, `replay` and `recover`. Machine-readable lines go to stdout as JSON; prose goes to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCore } from './core/app-core';
import { startControlServer } from './core/control-server';
import { openUiSession } from './core/ui-session';
import { defaultDataDir } from './core/data-dir';
import { OutputClosed } from './core/export';
import { atomicFile } from './core/export-file';
import { EXPORT_FORMATS, runExport, type ExportFormat } from './core/export-run';
import { importFile, ImportFileError } from './core/import-file';
import { holdImportLock, ImportRunningError, storeInUse } from './core/import-guard';
import { replayCli } from './core/replay';
import { SIMULATE_HELP, SIMULATE_USAGE, simulateCmd } from './cli-simulate';
import { conformCmd } from './cli-conform';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_RECEIVER_PORT,
  DEFAULT_REPLAY_CONCURRENCY,
  DEFAULT_UI_PORT,
  MAX_REPLAY_CONCURRENCY,
  MAX_REPLAY_SPEED,
} from '../shared/constants';
import { subdomainProblem } from '../shared/tunnel-subdomain';
import { revealHidden } from '../shared/visible-text';
import { ApiError } from '../shared/api-error';
import { formatReport, REPORT_FORMATS, type ReportFormat } from './core/report-format';
import { listenProblem, onPortOrFree } from './serve-ports';
import { onStopRequest } from './serve-stop';
import { tunnelNotes } from './serve-tunnel-notes';
import { loadRulesFile, RulesFileError } from './cli-rules';
import { openStore } from './core/store';
import { readStoreFiles, recordRecovery, unrecovered } from './core/store/active-file';
import { recoverStore, RecoverError } from './core/store/recover';
import { describeRanges, summarizeRanges, type UnreadableRange } from './core/store/salvage';

const USAGE = `Usage:
  npm run cli -- serve [--port N] [--ui-port N] [--data-dir DIR] [--tunnel none|localtunnel]
                       [--tunnel-host URL] [--subdomain NAME] [--max-body BYTES] [--probe-interval MS] [--mask]
                       [--rules FILE]
  npm run cli -- export [--data-dir DIR] --format ndjson|csv|har [--messages] [--filter QUERY] [--out FILE] [--force] [--mask]
  npm run cli -- import [--data-dir DIR] FILE
  npm run cli -- report [--data-dir DIR] [--filter QUERY] [--format text|json|md|csv]
  npm run cli -- replay [--data-dir DIR] --to URL [--filter QUERY] [--as-gateway] [--speed N] [--concurrency N] [--include-imported]
  npm run cli -- recover [--data-dir DIR] --out NEWDIR [--store FILE]
${SIMULATE_USAGE}
  npm run cli -- conform --to URL [--report text|md|json] [--seed S] [--header "Name: value"]...

serve     receive callbacks on --port (default ${DEFAULT_RECEIVER_PORT}; 0 = any free port), expose them through a localtunnel URL,
          and serve the inspector UI on 127.0.0.1:--ui-port (default ${DEFAULT_UI_PORT}). Prints one JSON line when ready:
          {"event":"ready","receiverUrl":...,"publicUrl":...|null,"uiUrl":...,"pid":N} as soon as the receiver and
          the UI listen (a taken --ui-port falls back to a free one, like --port), then one {"event":"tunnel",...}
          line per tunnel change. SIGINT, SIGTERM or SIGHUP (to serve, or to the npm running it) stops it: in-flight
          deliveries commit and are answered, the store closes, {"event":"stopped"} is printed and the exit status is 0.
          --mask starts with "mask personal data" on (kept until switched off in Settings).
          --rules FILE: response rules (JSON, see README) answer deliveries for this run instead of the saved ones;
          an invalid file exits 2 naming the rule and the field
export    write every delivery (or, with --messages, every message; or those --filter matches) to stdout or
          --out: ndjson = one JSON object per line, every field, bodies byte-exact; csv = a spreadsheet table
          (UTF-8 with BOM); har = HAR 1.2 of deliveries for browser dev tools and HTTP Toolkit. --out is written to a
          temporary file and renamed when complete; an existing file is kept unless --force. Deliveries not
          indexed yet are written as stored, without waiting for indexing. Parts of a damaged store that cannot be
          read are skipped and listed on stderr; the exit status is then 3. --mask hides personal data as the UI's
          masked view does (phone numbers as 55 11 9••••-••21, what customers wrote, names and vars as •••); bodies
          are then rewritten, so a masked NDJSON export is no longer byte-exact
import    add the deliveries of an NDJSON or HAR file (this app's export, or another tool's HAR: its POSTs) to the
          store, classified as if they had just arrived and marked imported (replay skips them unless asked).
          Deliveries already stored are not added again. Unreadable lines are reported with their number and
          skipped. Refused while serve or the app has the store open. Prints {"event":"imported",...}; exit 3
          when some lines were skipped
report    campaign analytics of the messages matching --filter (all by default): funnel, states, failure reasons,
          SMS fallback, latencies, gateway retries. json = the documented Report shape; md = Markdown tables for a
          ticket; text = the same for a terminal; csv = the per-campaign table. A filter that does not parse exits 2
replay    re-send stored deliveries (all, or those matching --filter) to --to, optionally as the gateway would
          (10 s timeout, retries on the documented schedule, sped up by --speed). Imported deliveries are left out
          unless --include-imported; exits 3 if any delivery did not
          get its 200, with each one's reason on stderr
recover   copy every readable delivery of a damaged store file (the one serve reported, or --store FILE) into a
          new store in NEWDIR, ids kept; prints what could not be read, and one JSON line:
          {"event":"recovered","deliveries":N,"unreadable":[...],...}. Exit 0 when something was recovered
conform   test your endpoint against the gateway's documented requirements (200 within 10 s, duplicates handled):
          a fixed battery of simulated callbacks (lifecycle, exact and key-reordered retries, out-of-order, SMS
          fallback, every documented type, unknown fields, large bodies, a burst of 20 at a time), one request
          each, measured; prints a pass/fail table with each failure's reason. Exit 0 when every MUST passed, 3 when
          one failed, 1 when the endpoint cannot be reached
${SIMULATE_HELP}
Data dir default: ${defaultDataDir()}`;

class UsageError extends Error {}

const VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;

function int(name: string, v: string | undefined, fallback: number, min = 0, max = 65535): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

function line(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      'data-dir': { type: 'string' },
      tunnel: { type: 'string' },
      'tunnel-host': { type: 'string' },
      subdomain: { type: 'string' },
      'max-body': { type: 'string' },
      'probe-interval': { type: 'string' },
      mask: { type: 'boolean' },
      rules: { type: 'string' },
    },
  });
  const tunnelMode = values.tunnel ?? 'localtunnel';
  if (tunnelMode !== 'none' && tunnelMode !== 'localtunnel') throw new UsageError(`--tunnel must be none or localtunnel, got "${tunnelMode}"`);
  if (values['tunnel-host'] !== undefined && !/^https?:\/\/[^/\s]+/.test(values['tunnel-host'])) {
    throw new UsageError(`--tunnel-host must be an http(s) URL, got "${values['tunnel-host']}"`);
  }
  const subdomainRefused = values.subdomain === undefined ? null : subdomainProblem(values.subdomain);
  if (subdomainRefused) throw new UsageError(`--subdomain: ${subdomainRefused}`);
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const responseRules = values.rules === undefined ? undefined : loadRulesFile(values.rules);
  // a stop asked for while starting (a signal, npm gone) is carried out as soon as there is something to close
  let stopAsked: string | null = null;
  let stopNow = (why: string) => void (stopAsked = why);
  onStopRequest((why) => stopNow(why));
  // a closed terminal or a dead npm must not turn a goodbye line into an exception before the store is closed
  for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
  // tunnel lines are held back until the ready line: scripts read `ready` first, then every change
  let ready = false;
  const heldTunnelLines: Record<string, unknown>[] = [];
  const core = await createCore({
    dataDir,
    receiverPort: int('port', values.port, DEFAULT_RECEIVER_PORT),
    maxBodyBytes: int('max-body', values['max-body'], DEFAULT_MAX_BODY_BYTES, 1, 1024 * 1024 * 1024),
    tunnel: {
      enabled: tunnelMode === 'localtunnel',
      ...(values['tunnel-host'] !== undefined ? { host: values['tunnel-host'] } : {}),
      ...(values.subdomain !== undefined ? { subdomain: values.subdomain } : {}),
    },
    tunnelProbeIntervalMs: int('probe-interval', values['probe-interval'], DEFAULT_PROBE_INTERVAL_MS, 1000, 3_600_000),
    responseRules,
    maskPersonalData: values.mask === true,
    version: VERSION,
    log: (entry) => {
      if (ready || entry.event !== 'tunnel') line(entry);
      else heldTunnelLines.push(entry);
      if (entry.event === 'storeDamaged') {
        process.stderr.write(
          `\nThe store file ${entry.damagedFile} is damaged (${String(entry.problem).split('\n')[0]}).\n` +
            `  It is left exactly as it is. New deliveries are stored in ${entry.storeFile}.\n` +
            `  Copy out what the damaged file still holds with:\n    ${entry.recoverCommand}\n\n`,
        );
      }
    },
  });
  const control = await onPortOrFree(int('ui-port', values['ui-port'], DEFAULT_UI_PORT), (port) => startControlServer({
    handlers: core.handlers,
    subscribe: core.subscribe,
    files: core.files,
    // kept in the data folder: the printed link (and a bookmark of it) works across restarts until rotated
    session: openUiSession(dataDir),
    dataDir,
    onRotate: (uiUrl) => {
      line({ event: 'uiUrlChanged', uiUrl });
      process.stderr.write(`\nA new inspector link was made in the settings; older links no longer work:\n  Inspector UI:   ${uiUrl}\n\n`);
    },
    port,
    staticDir: path.join(__dirname, '..', 'dist', 'renderer'),
  }), line);
  // Ready as soon as the receiver and the UI listen: the tunnel (up to its 15 s handshake, retries when its server
  // cannot be reached) follows as its own lines, in JSON on stdout and, when there is something to do, on stderr.
  const tunnelNow = core.tunnel.status();
  ready = true;
  line({ event: 'ready', receiverUrl: core.receiverUrl, publicUrl: tunnelNow.publicUrl, uiUrl: control.uiUrl, dataDir, pid: process.pid });
  for (const held of heldTunnelLines.splice(0)) line(held);
  process.stderr.write(
    `\nRCS Callback Inspector ${VERSION}\n` +
      `  Inspector UI:   ${control.uiUrl}\n` +
      `  Receiver:       ${core.receiverUrl}/callbacks\n` +
      `  Public URL:     ${tunnelMode === 'none' ? '(tunnel off: --tunnel none)' : `(opening a tunnel through ${tunnelNow.host}; the URL follows here)`}\n` +
      `  Data:           ${dataDir}\n` +
      `  Stop with Ctrl-C (or SIGTERM); deliveries in flight are committed first.\n\n`,
  );
  const notes = tunnelNotes({ receiverUrl: core.receiverUrl, callbackPath: '/callbacks', write: (t) => process.stderr.write(t) });
  notes(tunnelNow);
  core.tunnel.on('status', notes);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${why}: finishing in-flight commits and closing…\n`);
    try {
      await control.close();
      await core.close();
    } catch (err) {
      process.stderr.write(`error while closing: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    line({ event: 'stopped', reason: why });
    // a requested stop is a success: process managers and `npm run` report 0, not 128+signal
    process.exit(0);
  };
  stopNow = (why) => void stop(why);
  if (stopAsked) stopNow(stopAsked);
}

/** The store file new deliveries go to (a fresh one after damage, see active-file.ts). */
function activeStoreFile(dataDirArg: string | undefined): string {
  const dataDir = path.resolve(dataDirArg ?? defaultDataDir());
  const files = readStoreFiles(dataDir);
  if (!fs.existsSync(files.active)) throw new UsageError(`no inspector data in ${dataDir} (expected ${files.active})`);
  for (const d of unrecovered(dataDir, files)) {
    process.stderr.write(`note: ${d.path} is damaged and not read here; \`recover --data-dir ${dataDir} --out NEWDIR\` copies what it holds\n`);
  }
  return files.active;
}

function openExistingStore(dataDirArg: string | undefined) {
  const store = openStore({ file: activeStoreFile(dataDirArg) });
  // Deliveries a crash left unclassified are classified first, so export and replay see what the app would show.
  try {
    while (store.indexPending(2000).length > 0);
    while (store.indexText(5000) > 0);
  } catch (err) {
    process.stderr.write(`warning: ${store.pendingCount()} deliveries could not be classified (${String(err)}); exported with parse-only flags\n`);
  }
  return store;
}

/**
 * A read-only store cannot add to the full-text index what the app left queued for it (store/full-text.ts; the app
 * adds it when deliveries stop arriving and when it closes): a free-text filter then does not see those deliveries.
 */
function warnUnsearched(store: ReturnType<typeof openStore>, filter: string): void {
  let unseen = 0;
  try {
    unseen = store.prepareSearch(filter);
  } catch {
    return; // a filter that does not parse is reported where it is used
  }
  if (unseen > 0) {
    process.stderr.write(
      `warning: ${unseen} deliveries are not in the search index yet (the app adds them while it runs); the free text of --filter does not see them\n`,
    );
  }
}

/**
 * Read-only: reading never writes the store (nor checkpoints into a damaged one). A store of an older schema is
 * opened for writing once, so that its upgrade runs.
 */
function openForReading(file: string): ReturnType<typeof openStore> {
  try {
    return openStore({ file, readonly: true });
  } catch (err) {
    if ((err as { code?: string }).code !== 'RCI_SCHEMA_OLD') throw err;
    return openStore({ file });
  }
}

async function exportCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      format: { type: 'string' },
      messages: { type: 'boolean' },
      filter: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      mask: { type: 'boolean' },
    },
  });
  const format = values.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const kind = values.messages ? 'messages' : 'deliveries';
  if (format === 'har' && kind === 'messages') throw new UsageError('--format har holds HTTP requests: export deliveries (without --messages)');
  const file = activeStoreFile(values['data-dir']);
  let out: ReturnType<typeof atomicFile> | null = null;
  if (values.out !== undefined) {
    if (!values.force && fs.existsSync(values.out)) {
      throw new UsageError(`${path.resolve(values.out)} already exists; choose another name or add --force to replace it`);
    }
    out = atomicFile(values.out);
    // an interrupted export leaves no partial file: exiting removes the temporary one (export-file.ts)
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.once(sig, () => process.exit(code));
  }
  // exporting never waits for indexing: deliveries still in the inbox are exported as stored
  const store = openForReading(file);
  warnUnsearched(store, values.filter ?? '');
  const skipped: UnreadableRange[] = [];
  const progress = progressLine('exporting', kind);
  let n: number;
  try {
    n = await runExport(store, out?.tempPath ?? process.stdout, {
      format,
      kind,
      filter: values.filter ?? '',
      version: VERSION,
      mask: values.mask === true,
      onSkip: (r) => skipped.push(r),
      onProgress: progress.update,
    });
    out?.commit();
  } catch (err) {
    out?.discard();
    // the reader stopped reading (`export | head`): it has what it wanted
    if (err instanceof OutputClosed) process.exit(0);
    if (err instanceof ApiError && err.code === 'bad-request') {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  } finally {
    progress.end();
    store.close();
  }
  process.stderr.write(`exported ${n} ${kind}\n`);
  if (skipped.length > 0) {
    const s = summarizeRanges(skipped);
    process.stderr.write(
      `export incomplete: ${file} is damaged; skipped what could not be read: ${describeRanges(s.ranges)}` +
        ` (${s.ids}${s.open ? '+' : ''} ids). \`recover\` copies every readable delivery into a new store.\n`,
    );
    process.exitCode = EXIT_PARTIAL_EXPORT;
  }
}

/**
 * "exporting… 12000 of 340000 deliveries" (or importing) on stderr, never stdout: on a terminal redrawn in place at
 * most once a second, otherwise one line every 10 s (RCI_PROGRESS_EVERY_MS); a short run stays quiet.
 */
function progressLine(verb: string, what: string): { update: (done: number, total: number | null) => void; end: () => void } {
  const started = Date.now();
  let last = started;
  let drawn = false;
  const tty = process.stderr.isTTY === true;
  // a log file or CI output gets a line now and then, not one a second
  const everyMs = tty ? 1000 : Number(process.env.RCI_PROGRESS_EVERY_MS ?? 10_000);
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      drawn = true;
      const text = `${verb}… ${done}${total !== null ? ` of ${total}` : ''} ${what}`;
      process.stderr.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
    },
    end() {
      if (drawn && tty) process.stderr.write('\n');
    },
  };
}

async function importCmd(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('import takes one FILE (NDJSON or HAR)');
  const source = path.resolve(positionals[0]!);
  if (!fs.existsSync(source)) throw new UsageError(`no such file: ${source}`);
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // a new data folder gets a store; an existing one gets its deliveries added
  fs.mkdirSync(dataDir, { recursive: true });
  const storeFile = readStoreFiles(dataDir).active;
  // held until the process ends: a serve or desktop app started meanwhile refuses to open the store (import-guard.ts)
  const importLock = holdImportLock(dataDir);
  if (importLock === null) {
    process.stderr.write(`error: another import is writing into ${dataDir}: run this one once it has finished.\n`);
    process.exit(1);
  }
  if (fs.existsSync(storeFile) && storeInUse(storeFile)) {
    process.stderr.write(
      `error: ${storeFile} is open in another program (a running serve or the desktop app). ` +
        `Stop it, run the import, then start it again: importing behind its back would leave its lists and counts out of date.\n`,
    );
    process.exit(1);
  }
  const store = fs.existsSync(storeFile) ? openExistingStore(dataDir) : openStore({ file: storeFile });
  let summary;
  const progress = progressLine('importing', 'lines read');
  try {
    summary = await importFile(store, source, {
      onProblem: (p) => process.stderr.write(`${p.unit} ${p.at}: skipped: ${revealHidden(p.reason)}\n`),
      onProgress: (s) => progress.update(s.read, null),
    });
  } catch (err) {
    if (err instanceof ImportFileError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  } finally {
    progress.end();
    store.close();
    importLock();
  }
  process.stderr.write(
    `imported ${summary.added} deliveries from ${source}` +
      (summary.duplicates > 0 ? `; ${summary.duplicates} were already stored` : '') +
      (summary.ignored > 0 ? `; ${summary.ignored} HAR entries were not POSTs with a body` : '') +
      (summary.problems.length > 0 ? `; ${summary.problems.length} ${summary.format === 'har' ? 'entries' : 'lines'} could not be read (above)` : '') +
      '\n',
  );
  line({ event: 'imported', file: source, ...summary, problems: summary.problems.length });
  if (summary.problems.length > 0) process.exitCode = 3;
}

async function reportCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { 'data-dir': { type: 'string' }, filter: { type: 'string' }, format: { type: 'string' } },
  });
  const format = (values.format ?? 'text') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const file = activeStoreFile(values['data-dir']);
  const store = openForReading(file);
  const query = values.filter ?? '';
  warnUnsearched(store, query);
  let report;
  try {
    report = store.getAnalytics(query);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'bad-request') {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  } finally {
    store.close();
  }
  process.stdout.write(formatReport(report, format, query));
}

/** export wrote everything it could read, but parts of a damaged store were skipped */
const EXIT_PARTIAL_EXPORT = 3;

async function recoverCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { 'data-dir': { type: 'string' }, out: { type: 'string' }, store: { type: 'string' } },
  });
  if (!values.out) throw new UsageError('--out NEWDIR is required: the folder the recovered store is written to');
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const outDir = path.resolve(values.out);
  const files = readStoreFiles(dataDir);
  const damaged = unrecovered(dataDir, files);
  let source: string;
  if (values.store !== undefined) source = path.resolve(dataDir, values.store);
  else if (damaged.length === 1) source = damaged[0]!.path;
  else if (damaged.length > 1) {
    throw new UsageError(`several damaged store files in ${dataDir}; choose one with --store: ${damaged.map((d) => d.file).join(', ')}`);
  } else source = files.active;
  process.stderr.write(`recovering ${source} into ${outDir}…\n`);
  let result;
  try {
    result = recoverStore({
      source,
      outDir,
      onProgress: (copied, lastId) => {
        if (copied % 50_000 < 500) process.stderr.write(`  ${copied} deliveries copied (through id ${lastId})\n`);
      },
    });
  } catch (err) {
    if (err instanceof RecoverError) {
      line({ event: 'recoverFailed', source, out: outDir, reason: err.message });
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (path.dirname(source) === dataDir && (result.unreadable.length > 0 || result.damage.length > 0 || damaged.some((d) => d.path === source))) {
    // serve stops announcing the damaged file; the file itself stays as it is
    recordRecovery(dataDir, source, outDir, result.damage[0] ?? 'unreadable rows');
  }
  process.stderr.write(
    `recovered ${result.deliveries} deliveries (ids ${result.firstId}–${result.lastId}) into ${path.join(outDir, 'inspector.sqlite')}\n` +
      (result.unreadable.length > 0
        ? `could not read: ${describeRanges(result.unreadable)} (${result.unreadableIds} ids` +
          `${result.unreadable.some((r) => r.to === null) ? ', and every id past the last readable one' : ''})\n`
        : 'every delivery was readable\n') +
      (result.damage.length > 0 ? `SQLite's check of the file:\n${result.damage.map((l) => `  ${l}`).join('\n')}\n` : '') +
      (result.notCopied.length > 0 ? `not copied: ${result.notCopied.join('; ')}\n` : '') +
      `settings ${result.settings}, replay targets ${result.targets}, replay attempts ${result.forwards} copied\n` +
      `use it with --data-dir ${outDir}; ${source} was not modified\n`,
  );
  line({ event: 'recovered', ...result });
}

async function replayCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      to: { type: 'string' },
      filter: { type: 'string' },
      'as-gateway': { type: 'boolean' },
      speed: { type: 'string' },
      concurrency: { type: 'string' },
      'include-imported': { type: 'boolean' },
    },
  });
  if (!values.to || !/^https?:\/\//.test(values.to)) throw new UsageError('--to must be an http(s) URL');
  const store = openExistingStore(values['data-dir']);
  try {
    const summary = await replayCli({
      store,
      to: values.to,
      filter: values.filter ?? '',
      asGateway: values['as-gateway'] ?? false,
      speed: int('speed', values.speed, 1, 1, MAX_REPLAY_SPEED),
      concurrency: int('concurrency', values.concurrency, DEFAULT_REPLAY_CONCURRENCY, 1, MAX_REPLAY_CONCURRENCY),
      includeImported: values['include-imported'] ?? false,
      onImportedLeftOut: (n) => process.stderr.write(`${n} imported deliveries matched and are not sent (--include-imported sends them)\n`),
      onProgress: (p: Record<string, unknown>) => line({ event: 'replayProgress', ...p }),
      // the reason may quote the target's answer: shown with its control characters as codes, not sent to the terminal
      onFailure: (f) =>
        process.stderr.write(`delivery #${f.deliveryId} failed${f.attempts > 1 ? ` after ${f.attempts} attempts` : ''}: ${revealHidden(f.reason)}\n`),
    });
    line({ event: 'replayDone', ...summary });
    if (summary.failed > 0) {
      process.stderr.write(`${summary.failed} of ${summary.total} deliveries did not get their 200\n`);
      // distinct from 1 (the replay could not run) and 2 (usage), so scripts can tell a failing target apart
      process.exitCode = 3;
    }
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'export') return exportCmd(rest);
  if (cmd === 'import') return importCmd(rest);
  if (cmd === 'report') return reportCmd(rest);
  if (cmd === 'replay') return replayCmd(rest);
  if (cmd === 'recover') return recoverCmd(rest);
  if (cmd === 'simulate') return simulateCmd(rest, (m) => new UsageError(m));
  if (cmd === 'conform') return conformCmd(rest, (m) => new UsageError(m));
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  throw new UsageError(`unknown command "${cmd}"`);
}

main().catch((err) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof RulesFileError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof ImportRunningError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  }
  const cannotListen = listenProblem(err);
  if (cannotListen) {
    process.stderr.write(`error: ${cannotListen}\n`);
    process.exit(1);
  }
  process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
