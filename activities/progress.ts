/**
 * Heartbeat details convention: every long activity heartbeats at least these fields, so
 * `fait status` and the progress bars can show any stage without knowing its details.
 */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  unit: string;
}
