/**
 * Host uids for sandboxes started by root. RLIMIT_NPROC is never enforced for real uid 0 (and a
 * user namespace created by root still maps to uid 0 outside), so a root caller switches each
 * sandbox to its own unprivileged uid: the process limit then counts that sandbox's processes only,
 * and they can signal nothing of the host. The range is far above login and system accounts; the
 * caller's pid spreads concurrent worker processes over it.
 */
const BASE = 1_900_000_000;
const SLOTS = 256;

const inUse = new Set<number>();

export function acquireSandboxUid(): { uid: number; release: () => void } {
  const offset = (process.pid % 100_000) * SLOTS;
  for (let slot = 0; slot < SLOTS; slot++) {
    if (inUse.has(slot)) continue;
    inUse.add(slot);
    return { uid: BASE + offset + slot, release: () => inUse.delete(slot) };
  }
  // More concurrent sandboxes than slots: they share a uid, so they also share the process limit.
  return { uid: BASE + offset, release: () => undefined };
}
