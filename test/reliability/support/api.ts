// Talking to a running `serve` the way the UI and scripts do: the control API over HTTP, and the CLI export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { ApiCallName, ApiInput, ApiResults } from '../../../shared/api';
import type { ExportedDelivery } from '../../../electron/core/store/types';
import { runCli, type ServeHandle } from '../../support/serve';

export type ApiCall = <K extends ApiCallName>(name: K, arg: ApiInput<K>) => Promise<ApiResults[K]>;

function apiClient(uiUrl: string): ApiCall {
  const u = new URL(uiUrl);
  const token = u.searchParams.get('token') ?? '';
  return async (name, arg) => {
    const res = await fetch(`${u.origin}/api/call/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(arg),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

export function apiOf(s: ServeHandle): ApiCall {
  return apiClient(s.uiUrl);
}

/**
 * Every stored delivery, through `export --format ndjson` (a separate process reading the file). Written to a file
 * and read line by line: a soak run's export is larger than one string may be. `bodyText` is dropped (the bytes
 * are in bodyBase64) to halve what stays in memory.
 */
export async function exportDeliveries(dataDir: string): Promise<ExportedDelivery[]> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rci-export-')), 'deliveries.ndjson');
  try {
    const r = await runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', '--out', out]);
    if (r.code !== 0) throw new Error(`export failed (${r.code}): ${r.stderr}`);
    const rows: ExportedDelivery[] = [];
    for await (const line of readline.createInterface({ input: fs.createReadStream(out) })) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as ExportedDelivery;
      row.request.bodyText = '';
      rows.push(row);
    }
    return rows;
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}
