// Response rules: the inspector as a deliberately imperfect endpoint (issue 15 §1). One schema for the editor, the
// control API (getRules/setRules) and `serve --rules FILE`. A rule changes only the answer; the delivery is
// stored first, whatever the rule says. Every refusal names the rule (its number, from 1, and its name) and the
// field, and nothing is applied unless the whole set is valid.
import { z } from 'zod';

/** A delay may run past the gateway's 10 s timeout, up to this (the point is to watch the gateway give up). */
export const RULE_DELAY_MAX_MS = 600_000;
const MAX_RULES = 100;
const MAX_BODY_CHARS = 65_536;
/** framing headers are the receiver's: a rule that set them would produce a broken answer */
const RESERVED_HEADERS = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade'];

/** a type error's message: a missing field is "required", a present one of the wrong type gets `message` */
const need = (message: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : message);

const status = z
  .number({ error: need('must be a number') })
  .int('must be a whole number')
  // a 1xx is not a final answer: Node would send it and then the usual 200 after it
  .min(200, 'must be 200–599')
  .max(599, 'must be 200–599');
const text = (max: number) => z.string({ error: need('must be a string') }).min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const attemptNumber = z.number({ error: need('must be a number') }).int('must be a whole number').min(1, 'must be 1 or more').max(1000, 'must be at most 1000');

const headers = z
  .record(
    z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a header name (letters, digits, - and the like)')
      .max(200, 'must be at most 200 characters')
      .refine((n) => !RESERVED_HEADERS.includes(n.toLowerCase()), { message: `must not be one of ${RESERVED_HEADERS.join(', ')}: the receiver sets those` }),
    z
      .string({ error: need('must be a string') })
      .max(4000, 'must be at most 4000 characters')
      .regex(/^[^\r\n\0]*$/, 'must not contain line breaks')
      // what Node's http.validateHeaderValue accepts (line breaks are refused above, with their own words): a value
      // it refuses would throw while answering, after the delivery is stored
      .regex(/^[\t\x20-\x7e\x80-\xff\r\n\0]*$/, 'must hold only Latin-1 characters (no control characters)'),
  )
  .refine((h) => Object.keys(h).length <= 50, { message: 'must be at most 50 headers' });

/** What the answer carries: `body` is sent as given (default: the usual JSON acknowledgement naming the rule). */
const answerFields = { status, body: z.string({ error: need('must be a string') }).max(MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`).optional(), headers: headers.optional() };

const action = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('status'), ...answerFields }),
    z.strictObject({
      kind: z.literal('delay'),
      ms: z
        .number({ error: need('must be a number') })
        .int('must be a whole number')
        .min(0, `must be from 0 to ${RULE_DELAY_MAX_MS}`)
        .max(RULE_DELAY_MAX_MS, `must be from 0 to ${RULE_DELAY_MAX_MS}`),
      ...answerFields,
      status: status.default(200),
    }),
    z.strictObject({ kind: z.literal('close') }),
    z.strictObject({ kind: z.literal('hang') }),
  ],
  { error: (iss) => (iss.input === undefined ? 'is required' : iss.code === 'invalid_union' ? 'kind must be one of status, delay, close, hang' : undefined) },
);

const match = z.strictObject({
  /** exact, or a prefix when it ends with `*` */
  path: text(2048).optional(),
  /** case-insensitive (`delivered` matches DELIVERED) */
  type: text(100).optional(),
  reference: text(500).optional(),
  /** a phone number matches however it is typed (spaces, +, -, parentheses are ignored) */
  userId: text(100).optional(),
  campaign: text(500).optional(),
  /** case-insensitive: RCS or SMS */
  channel: text(50).optional(),
  /** the attempt number of the delivery within its event (1 = first), or a range */
  attempt: z
    .union([attemptNumber, z.strictObject({ min: attemptNumber.optional(), max: attemptNumber.optional() })], {
      error: 'must be a number or {"min": N, "max": N}',
    })
    .optional(),
});

const rule = z.strictObject({
  /** stable across edits and reordering; given as `rule-<n>` when absent */
  id: text(64).optional(),
  name: z.string({ error: need('must be a string') }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  enabled: z.boolean({ error: need('must be true or false') }).default(true),
  /** every field given must hold; none given matches every stored delivery */
  match: match.default({}),
  action,
  /** only the first N attempts of each event (then the usual 200) */
  firstAttempts: attemptNumber.optional(),
  /** only this share of deliveries, decided by a hash of the seed and the delivery (the same on every run) */
  percent: z.number({ error: need('must be a number') }).min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').optional(),
});

const ruleSet = z.strictObject({
  /** the one-click "all off": rules stay as written, none applies */
  enabled: z.boolean({ error: need('must be a boolean') }).default(true),
  /** the seed of `percent` decisions */
  seed: z.number({ error: need('must be a number') }).int('must be a whole number').min(0, 'must be 0 or more').max(0xffffffff, 'must be at most 4294967295').default(0),
  /** in order: the first rule that applies answers */
  rules: z.array(rule, { error: need('must be a list') }).max(MAX_RULES, `must hold at most ${MAX_RULES} rules`).default([]),
});

/** What may be written (ids, enabled, match, seed optional). */
export type ResponseRulesInput = z.input<typeof ruleSet>;
export type ResponseRules = Omit<z.output<typeof ruleSet>, 'rules'> & { rules: ResponseRule[] };
export type ResponseRule = z.output<typeof rule> & { id: string };
export type RuleAction = ResponseRule['action'];
export type RuleActionKind = RuleAction['kind'];

export const NO_RULES: ResponseRules = { enabled: true, seed: 0, rules: [] };

export type ParsedRules = { ok: true; rules: ResponseRules } | { ok: false; message: string };

export function parseResponseRules(input: unknown): ParsedRules {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, message: 'the rules must be an object: {"enabled": true, "rules": [...]}' };
  }
  const parsed = ruleSet.safeParse(input);
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error.issues, input) };
  const rules = parsed.data.rules.map((r, i) => ({ ...r, id: r.id ?? `rule-${i + 1}` }));
  const seen = new Map<string, number>();
  for (const [i, r] of rules.entries()) {
    const first = seen.get(r.id);
    if (first !== undefined) return { ok: false, message: `${ruleLabel(i, r.name)}: id "${r.id}" is used by rule ${first + 1} too` };
    seen.set(r.id, i);
  }
  return { ok: true, rules: { ...parsed.data, rules } };
}

/** Rules that can answer a delivery now: the badge's number (0 when all are off). */
export function activeRuleCount(rules: ResponseRules): number {
  return rules.enabled ? rules.rules.filter((r) => r.enabled).length : 0;
}

function ruleLabel(index: number, name: unknown): string {
  return typeof name === 'string' && name.trim() !== '' ? `rule ${index + 1} '${name.trim()}'` : `rule ${index + 1}`;
}

/** Every problem, each as `rule N 'name': field message`, the rule numbered from 1 as a reader counts. */
function describeIssues(issues: readonly z.core.$ZodIssue[], input: object): string {
  const lines = issues.map((iss) => {
    const path = [...iss.path];
    let where = '';
    if (path[0] === 'rules' && typeof path[1] === 'number') {
      const rules = (input as { rules?: unknown }).rules;
      const raw = Array.isArray(rules) ? (rules[path[1]] as { name?: unknown } | undefined) : undefined;
      where = `${ruleLabel(path[1], raw?.name)}: `;
      path.splice(0, 2);
    }
    const field = path.map(String).join('.');
    if (iss.code === 'unrecognized_keys') return `${where}${field ? `${field}: ` : ''}unknown field ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    let message = iss.message;
    if (iss.code === 'invalid_type' && /^Invalid input/.test(message)) message = `must be a ${iss.expected}`;
    // a discriminated union's path already ends in the discriminator
    if (message.startsWith('kind ')) message = message.slice('kind '.length);
    return `${where}${field ? `${field} ` : ''}${message}`.trim();
  });
  return [...new Set(lines)].slice(0, 5).join('; ');
}
