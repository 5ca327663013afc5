// `conform --to URL`: the conformance battery against the user's endpoint, for a terminal or a CI job. The report
// goes to stdout (text, md or json), one line per finished check to stderr; the exit status gates CI.
import { parseArgs } from 'node:util';
import { ApiError } from '../shared/api-error';
import { revealHidden } from '../shared/visible-text';
import { conformCampaign } from './core/conform/campaign';
import { CONFORM_FORMATS, formatConform, type ConformFormat } from './core/conform/format';
import { runConformance } from './core/conform/run';
import { parseTargetUrl, validateOverrides, type HeaderPair } from './core/replay/request';

/** A MUST of the gateway's documentation failed (the same status as a replay whose target failed). */
const EXIT_NOT_CONFORMANT = 3;

export async function conformCmd(argv: string[], usage: (message: string) => Error): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      to: { type: 'string' },
      report: { type: 'string' },
      seed: { type: 'string' },
      header: { type: 'string', multiple: true },
    },
  });
  if (!values.to) throw usage('--to URL is required: the endpoint to test');
  try {
    parseTargetUrl(values.to);
  } catch (err) {
    throw usage(`--to: ${(err as Error).message}`);
  }
  const format = (values.report ?? 'text') as ConformFormat;
  if (!CONFORM_FORMATS.includes(format)) throw usage(`--report must be one of ${CONFORM_FORMATS.join(', ')}, got "${values.report}"`);
  if (values.seed !== undefined && !/^\d{1,9}$/.test(values.seed)) throw usage(`--seed must be a whole number from 0 to 999999999, got "${values.seed}"`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  const headers = (values.header ?? []).map((h): HeaderPair => {
    const colon = h.indexOf(':');
    if (colon <= 0) throw usage(`--header must be "Name: value", got "${h}"`);
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  });
  try {
    validateOverrides(headers, '--header');
  } catch (err) {
    if (err instanceof ApiError) throw usage(err.message);
    throw err;
  }

  process.stderr.write(`Testing ${values.to} (seed ${seed}; --seed ${seed} repeats this battery)\n`);
  let report;
  try {
    report = await runConformance({
      url: values.to,
      headers,
      seed,
      campaign: conformCampaign(seed),
      onCheck: (c) => process.stderr.write(`  ${c.verdict.padEnd(4)}  ${c.title}: ${revealHidden(c.reason)}\n`),
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'unavailable') {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  process.stdout.write(formatConform(report, format));
  if (!report.ok) process.exitCode = EXIT_NOT_CONFORMANT;
}
