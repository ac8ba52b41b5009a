/**
 * Heartbeat details convention: every long activity heartbeats at least these fields, so
 * `fait status` and the progress bars can show any stage without knowing its details.
 */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  unit: string;
  /** Items that ended as rejects so far, for stages that reject per item. */
  rejected?: number;
  /** Items being worked on right now (e.g. teacher requests in flight). */
  inFlight?: number;
}
