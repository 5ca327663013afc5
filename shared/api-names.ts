// The call names alone, free of zod, for the places that only need the names: the sandboxed preload and the
// renderer's clients (zod's runtime would otherwise be bundled there and trip the CSP with its eval probe).
// shared/api.ts checks at compile time that this list and the contract's schemas name the same calls.
export const API_CALL_NAME_LIST = [
  'getStatus',
  'listMessages',
  'getMessage',
  'listDeliveries',
  'getDelivery',
  'getCounts',
  'getAnalytics',
  'suggestValues',
  'sendTestCallback',
  'deleteTestCallbacks',
  'getSettings',
  'updateSettings',
  'reconnectTunnel',
  'listTargets',
  'saveTarget',
  'deleteTarget',
  'replayDelivery',
  'startBulkReplay',
  'cancelReplay',
  'checkIdempotency',
  'listForwards',
  'copyAsCurl',
  'conform',
  'listConformRuns',
] as const;
