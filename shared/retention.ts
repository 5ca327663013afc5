// Retention: how much the store keeps (electron/core/retention.ts prunes in the background; pinned rows stay).

export interface RetentionPolicy {
  /** deliveries received more than this many days ago are pruned (null: kept however old) */
  maxDays: number | null;
  /** the oldest deliveries are pruned while the rows take more than this many GiB (null: no limit) */
  maxGb: number | null;
}

export const NO_RETENTION: RetentionPolicy = { maxDays: null, maxGb: null };
