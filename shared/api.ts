// The one API contract between the UI and the core, used by both transports (Electron IPC, HTTP+WS in `serve`).
// Every call takes exactly one argument object, validated with the zod schema below on the core side;
// results are typed by ApiResults. Adding a call means adding it to apiArgs and ApiResults, nowhere else.
import { z } from 'zod';
import type { Report } from './analytics';
import type { ApiErrorCode } from './api-error';
import { API_CALL_NAME_LIST } from './api-names';
import { NOTE_MAX_CHARS } from './marks';
import type { RetentionPolicy } from './retention';
import type { JobInfo } from './jobs';
import { DEFAULT_REPLAY_CONCURRENCY, MAX_REPLAY_CONCURRENCY, MAX_REPLAY_SPEED } from './constants';
import { subdomainProblem } from './tunnel-subdomain';
import { parseResponseRules, type ResponseRules, type ResponseRulesInput } from './response-rules';
import type {
  DeliveryDetail,
  DeliverySummary,
  FlagName,
  ForwardAttempt,
  MessageDetail,
  MessageSummary,
  MessageState,
  AnomalyName,
  Page,
} from './domain';

const limit = z.number().int().min(1).max(500).default(100);
const offset = z.number().int().min(0).default(0);
/** the query language of shared/query.ts: `type:EXCEPTION flag:duplicate -channel:SMS "free text"` */
const query = z.string().max(2000).default('');
const markKind = z.enum(['delivery', 'message']);
/** a delivery's id or a message's reference */
const markKey = z.union([z.number().int().min(1), z.string().min(1).max(500)]);
/** what a deletion takes: a selection of either list, what a query matches in either, or everything */
const deleteScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('deliveries'), ids: z.array(z.number().int().min(1)).min(1).max(1_000_000) }),
  z.object({ kind: z.literal('messages'), references: z.array(z.string().max(500)).min(1).max(1_000_000) }),
  z.object({ kind: z.literal('filter'), list: z.enum(['deliveries', 'messages']), query }),
  z.object({ kind: z.literal('all') }),
]);

export const apiArgs = {
  getStatus: z.object({}),
  listMessages: z.object({ query, offset, limit }),
  /** a message with one page of its timeline: events from eventsOffset on (a message can have thousands) */
  getMessage: z.object({
    reference: z.string().max(500),
    eventsOffset: z.number().int().min(0).default(0),
    eventsLimit: z.number().int().min(1).max(500).default(200),
  }),
  listDeliveries: z.object({ query, offset, limit }),
  getDelivery: z.object({ id: z.number().int().min(1) }),
  /** counts per flag, state, anomaly and campaign for the chips; scoped by the query */
  getCounts: z.object({ query }),
  /** campaign analytics (shared/analytics.ts) of the messages the query matches */
  getAnalytics: z.object({ query }),
  /** field values for autocomplete in the search box */
  suggestValues: z.object({ field: z.string().max(40), prefix: z.string().max(200).default('') }),
  sendTestCallback: z.object({ via: z.enum(['public', 'local']).default('local') }),
  /** deletes what sendTestCallback stored, so lists, counts and analytics hold the gateway's traffic only */
  deleteTestCallbacks: z.object({}),
  /** a small simulated campaign sent into this inspector's own receiver (electron/core/simulate); answers at once */
  simulate: z.object({
    messages: z.number().int().min(1).max(5000).default(50),
    speed: z.number().min(1).max(MAX_REPLAY_SPEED).default(60),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
  }),
  getSettings: z.object({}),
  updateSettings: z.object({
    tunnel: z
      .object({
        enabled: z.boolean().optional(),
        host: z.string().url().max(500).optional(),
        /** null or '' asks for a random one */
        subdomain: z
          .string()
          .nullable()
          .optional()
          .superRefine((name, ctx) => {
            const problem = name ? subdomainProblem(name) : null;
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
      })
      .optional(),
    notifications: z.boolean().optional(),
    proxyMode: z.boolean().optional(),
    forwardLive: z.boolean().optional(),
    /** the masked view: phone numbers, reply texts and names hidden on screen (shared/mask.ts) */
    maskPersonalData: z.boolean().optional(),
  }),
  reconnectTunnel: z.object({}),
  // replay and forward (issue: replay)
  listTargets: z.object({}),
  saveTarget: z.object({
    id: z.number().int().optional(),
    url: z.string().url().max(2000),
    headers: z.array(z.tuple([z.string().max(200), z.string().max(4000)])).max(50).default([]),
    isDefault: z.boolean().default(false),
  }),
  deleteTarget: z.object({ id: z.number().int() }),
  replayDelivery: z.object({
    deliveryId: z.number().int().min(1),
    targetId: z.number().int().optional(),
    /** edited body (validated JSON text); when absent, the original bytes are sent */
    body: z.string().max(5_000_000).optional(),
    headerOverrides: z.array(z.tuple([z.string().max(200), z.string().max(4000)])).max(50).default([]),
    asGateway: z.boolean().default(false),
    speed: z.number().min(1).max(MAX_REPLAY_SPEED).default(1),
  }),
  startBulkReplay: z.object({
    query,
    targetId: z.number().int().optional(),
    order: z.enum(['received', 'timestamp']).default('received'),
    concurrency: z.number().int().min(1).max(MAX_REPLAY_CONCURRENCY).default(DEFAULT_REPLAY_CONCURRENCY),
    asGateway: z.boolean().default(false),
    speed: z.number().min(1).max(MAX_REPLAY_SPEED).default(1),
  }),
  /** a bulk replay by the jobId startBulkReplay answered, or one delivery's gateway-style replay by the delivery */
  cancelReplay: z.union([z.object({ jobId: z.string().max(100) }), z.object({ deliveryId: z.number().int().min(1) })]),
  checkIdempotency: z.object({
    deliveryId: z.number().int().min(1),
    targetId: z.number().int().optional(),
    times: z.number().int().min(1).max(100).default(5),
  }),
  listForwards: z.object({ deliveryId: z.number().int().min(1) }),
  /** the response rules (shared/response-rules.ts), as saved */
  getRules: z.object({}),
  /**
   * replaces every rule at once; the next delivery is answered by the new ones. A refusal names the rule and the
   * field ("rule 2 'fail first 2': action.status must be 200–599") and changes nothing
   */
  setRules: z.custom<ResponseRulesInput>().transform((input, ctx): ResponseRules => {
    const parsed = parseResponseRules(input);
    if (parsed.ok) return parsed.rules;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }),
  copyAsCurl: z.object({ deliveryId: z.number().int().min(1), targetUrl: z.string().max(2000).optional(), mask: z.boolean().optional() }),
  /** the conformance battery (electron/core/conform) against a replay target (the default one unless named); saved */
  conform: z.object({ targetId: z.number().int().optional(), seed: z.number().int().min(0).max(2_147_483_647).optional() }),
  /** earlier conformance runs, newest first */
  listConformRuns: z.object({}),
  // pins, notes, deletion and retention (issue 16; electron/core/retention-api.ts)
  getMark: z.object({ kind: markKind, key: markKey }),
  /** pinned and/or note (absent: unchanged; note null or '': removed) */
  setMark: z.object({ kind: markKind, key: markKey, pinned: z.boolean().optional(), note: z.string().max(NOTE_MAX_CHARS).nullable().optional() }),
  /** what deleteData would take: the confirmation's count */
  previewDelete: z.object({ scope: deleteScope, includePinned: z.boolean().default(false) }),
  /** deletes in the background, in small slices; answers when done. clearPins (with scope all): pins go first */
  deleteData: z.object({ scope: deleteScope, includePinned: z.boolean().default(false), clearPins: z.boolean().default(false) }),
  getRetention: z.object({}),
  /** keep at most maxDays days and/or maxGb GiB of deliveries (null: no limit; left out: as it was); pinned ones are always kept */
  setRetention: z.object({ maxDays: z.number().min(1).max(36_500).nullable().optional(), maxGb: z.number().min(0.01).max(100_000).nullable().optional() }),
  // export and import jobs from the UI (electron/core/jobs; shared/jobs.ts): progress as live `job` events
  /** the current filter or the selection; the desktop app asks where to save (null: the dialog was closed) */
  startExport: z.object({
    format: z.enum(['ndjson', 'csv', 'har']),
    kind: z.enum(['deliveries', 'messages']),
    scope: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('filter'), query }),
      z.object({ kind: z.literal('selection'), ids: z.array(z.number().int().min(1)).max(100_000).optional(), references: z.array(z.string().max(500)).max(100_000).optional() }),
    ]),
  }),
  /** desktop app: imports the file its open dialog picks (null: closed). `serve` takes an upload instead */
  startImport: z.object({}),
  cancelJob: z.object({ jobId: z.string().max(100) }),
  /** the running or last job of each kind */
  listJobs: z.object({}),
} as const;

export type ApiCallName = keyof typeof apiArgs;
export const API_CALL_NAMES: readonly ApiCallName[] = API_CALL_NAME_LIST;
// Both directions: a call added to the schemas but not to the name list (or the reverse) fails to compile.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _namesMatch: Exactly<(typeof API_CALL_NAME_LIST)[number], ApiCallName> = true;
void _namesMatch;
/** What the caller may pass (defaults filled in by the core). */
export type ApiInput<K extends ApiCallName> = z.input<(typeof apiArgs)[K]>;
/** What the handler receives after validation. */
type ApiArgs<K extends ApiCallName> = z.output<(typeof apiArgs)[K]>;

export type TunnelState = 'disabled' | 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface TunnelStatus {
  state: TunnelState;
  publicUrl: string | null;
  host: string;
  requestedSubdomain: string | null;
  /** reconnecting: attempt number and when the next try happens */
  attempt: number;
  nextTryAt: number | null;
  /** offline/reconnecting: why */
  reason: string | null;
  since: number;
  downtime: { from: number; to: number | null; reason: string }[];
}

export interface Settings {
  tunnel: { enabled: boolean; host: string; subdomain: string | null };
  notifications: boolean;
  proxyMode: boolean;
  forwardLive: boolean;
  /** show personal data masked (a view: the store keeps the real values); absent means off */
  maskPersonalData?: boolean;
}

export interface AppStatus {
  version: string;
  receiverUrl: string;
  callbackPath: string;
  tunnel: TunnelStatus;
  deliveriesTotal: number;
  deliveriesToday: number;
  messagesTotal: number;
  /**
   * Deliveries stored (and acknowledged) but not indexed yet: normally none for more than milliseconds; during a
   * burst indexing yields to the receiver and lists fall behind. lagMs: age of the oldest, null when unknown
   * (left by an earlier run).
   */
  indexing: { pending: number; lagMs: number | null };
  storeBytes: number;
  dataDir: string;
  maxBodyBytes: number;
  /** the SQLite file new deliveries go to (a fresh one beside `inspector.sqlite` after damage) */
  storeFile: string;
  /** store files found damaged and not recovered yet: the UI shows a banner until they are */
  damagedStores: DamagedStore[];
  /** messages made by the first-run screen's test button and not deleted yet (absent: none) */
  testCallbacks?: number;
  /** response rules that answer deliveries now (the status bar's badge; 0 or absent: the usual 200) */
  rulesActive?: number;
}

/** What changes with every delivery: sent with each live `deliveries` frame, read from counters the core keeps. */
export type LiveStatus = Pick<AppStatus, 'deliveriesTotal' | 'deliveriesToday' | 'messagesTotal' | 'indexing' | 'storeBytes' | 'testCallbacks' | 'rulesActive'>;

/** A store file found damaged. It is never written again; what it still holds can be copied out with `recover`. */
export interface DamagedStore {
  file: string;
  detectedAt: number;
  /** what SQLite's check (or a failing read) said */
  problem: string;
  /** the command that copies its readable deliveries into a new store */
  recoverCommand: string;
}

export interface Counts {
  flags: Partial<Record<FlagName, number>>;
  states: Partial<Record<MessageState, number>>;
  anomalies: Partial<Record<AnomalyName, number>>;
  campaigns: { campaign: string; count: number }[];
  deliveries: number;
  messages: number;
  /**
   * true when a filtered count stopped early (at the count cap, or after examining as many rows as it may):
   * every number is then a lower bound, taken over the newest matches
   */
  sampled: boolean;
}

export interface Target {
  id: number;
  url: string;
  headers: [string, string][];
  isDefault: boolean;
}

interface ReplayJob {
  jobId: string;
  total: number;
}

export interface IdempotencyReport {
  targetUrl: string;
  sequential: { status: number | null; durationMs: number; error: string | null }[];
  concurrent: { status: number | null; durationMs: number; error: string | null }[];
  /** each spec requirement with whether the endpoint met it */
  checks: { requirement: string; ok: boolean; detail: string }[];
}

/** One check of the conformance battery: pass, fail (a MUST of the gateway's documentation not met) or warn. */
export interface ConformCheck {
  id: string;
  title: string;
  /** what was sent, in one sentence */
  what: string;
  /** the gateway's requirement the check judges */
  requirement: string;
  verdict: 'pass' | 'fail' | 'warn';
  /** why, in one sentence: the first failing answer ("answered 500 to an exact retry of …"), or what passed */
  reason: string;
  probes: number;
  ok200: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** up to 10 failing probes: what was sent and what came back */
  failures: { label: string; status: number | null; durationMs: number; error: string | null }[];
}

/** A conformance run: the battery's checks and the measurements over every probe. Fields may be added, never renamed. */
export interface ConformReport {
  /** the store's run number (0 for a run that was not saved) */
  id: number;
  targetUrl: string;
  seed: number;
  startedAt: number;
  durationMs: number;
  /** every check passed or warned: no MUST failed */
  ok: boolean;
  checks: ConformCheck[];
  summary: {
    probes: number;
    ok200: number;
    /** ok200 / probes */
    rate200: number;
    latencyMs: { p50: number | null; p99: number | null; max: number | null };
    /** the gateway's limit per attempt */
    limitMs: number;
    /** probes with no complete answer within the limit */
    timeouts: number;
    /** answers other than 200, by status */
    non200: Record<string, number>;
    /** probes that got no HTTP answer at all (reset, refused) */
    connectionErrors: number;
  };
}

export interface ApiResults {
  getStatus: AppStatus;
  listMessages: Page<MessageSummary>;
  getMessage: MessageDetail | null;
  listDeliveries: Page<DeliverySummary>;
  getDelivery: DeliveryDetail | null;
  getCounts: Counts;
  getAnalytics: Report;
  suggestValues: string[];
  sendTestCallback: { deliveryId: number | null; status: number; url: string };
  deleteTestCallbacks: { messages: number; deliveries: number };
  simulate: { messages: number; deliveries: number; seed: number; url: string };
  getSettings: Settings;
  updateSettings: Settings;
  reconnectTunnel: TunnelStatus;
  listTargets: Target[];
  saveTarget: Target;
  deleteTarget: { ok: true };
  replayDelivery: ForwardAttempt[];
  startBulkReplay: ReplayJob;
  cancelReplay: { ok: boolean };
  checkIdempotency: IdempotencyReport;
  listForwards: ForwardAttempt[];
  copyAsCurl: string;
  getRules: ResponseRules;
  setRules: ResponseRules;
  conform: ConformReport;
  listConformRuns: ConformReport[];
  getMark: Mark;
  setMark: Mark;
  previewDelete: DeletePreview;
  deleteData: DeletePreview & { slices: number };
  getRetention: RetentionPolicy;
  setRetention: RetentionPolicy;
  startExport: JobInfo | null;
  startImport: JobInfo | null;
  cancelJob: { ok: boolean };
  listJobs: JobInfo[];
}

/** A delivery's or message's pin and note. */
export interface Mark {
  pinned: boolean;
  note: string | null;
}

/** What a deletion takes: deliveries, the messages they belong to, and the pinned ones it keeps. */
export interface DeletePreview {
  deliveries: number;
  messages: number;
  pinned: number;
}

/** The API as the renderer sees it: one named async function per call. */
export type Api = { [K in ApiCallName]: (arg: ApiInput<K>) => Promise<ApiResults[K]> };
/** The API as the core implements it: arguments already validated and defaulted. */
export type ApiHandlers = { [K in ApiCallName]: (arg: ApiArgs<K>) => Promise<ApiResults[K]> | ApiResults[K] };

// ---- live events (core -> UI), always batched ----

export interface ApiEvents {
  /** new deliveries since the last batch (at most every ~100 ms); summaries only, never bodies */
  deliveries: {
    /** the newest rows indexed since the last frame (at most a few hundred), newest first */
    deliveries: DeliverySummary[];
    /** the messages those rows touched, as they are now */
    messages: MessageSummary[];
    /** indexed deliveries (what lists can show): how many really arrived when a frame carries only the newest */
    total: number;
    /** the status bar's numbers as of this frame, so the UI does not ask for the status again */
    status: LiveStatus;
  };
  tunnel: TunnelStatus;
  /** the public URL changed: the user must update the gateway's callback URL */
  urlChanged: { oldUrl: string | null; newUrl: string; reason: string };
  warning: { code: string; message: string; at: number };
  /** a store file was found damaged: new deliveries now go to storeFile (lists show that store from now on) */
  storeDamaged: { storeFile: string; damagedStores: DamagedStore[] };
  replayProgress: {
    jobId: string;
    done: number;
    total: number;
    ok: number;
    failed: number;
    /** HTTP attempts made so far, retries included */
    attempts: number;
    /** of those, the retries (as the gateway would: a send after one that did not get its 200) */
    retries: number;
    finished: boolean;
    cancelled: boolean;
  };
  forward: { deliveryId: number; attempt: ForwardAttempt };
  /** an export or import job started, progressed (at most every 200 ms) or ended */
  job: JobInfo;
}
export type ApiEventName = keyof ApiEvents;
/** One frame on the event channel: a batch of events in order. */
export type ApiEventBatch = { [K in ApiEventName]: { event: K; data: ApiEvents[K] } }[ApiEventName][];

/** Error shape returned by both transports (an ApiError from shared/api-error.ts, as data). */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}
