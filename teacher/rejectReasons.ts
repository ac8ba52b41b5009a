/**
 * Why the teacher rejected records, counted: each distinct reason with the number of rejected
 * records whose samples met it and one example record. Reasons that differ only in numbers (an
 * edit distance, a line number, a count of code blocks) are one reason. Pure code: the experiment
 * workflow merges the shards' tallies and decides with them.
 */

export interface ReasonTally {
  /** The example record's own wording of the reason. */
  reason: string;
  /** Rejected records whose samples met this reason (a record may count under several). */
  records: number;
  /** Id of the first such record. */
  example: string;
}

const pattern = (reason: string) => reason.replace(/\d+(\.\d+)?/g, '#');

/** Tallies of one shard's rejects, most frequent first. */
export function tallyRejectReasons(rejects: readonly { id: string; reasons: readonly string[] }[]): ReasonTally[] {
  return mergeReasonTallies([
    rejects.flatMap((r) => [...new Set(r.reasons.map(pattern))].map((p) => ({ reason: r.reasons.find((x) => pattern(x) === p)!, records: 1, example: r.id }))),
  ]);
}

/** One tally from many (shards in order): counts add up, the first example stays; most frequent first. */
export function mergeReasonTallies(lists: readonly (readonly ReasonTally[] | undefined)[]): ReasonTally[] {
  const byPattern = new Map<string, ReasonTally>();
  for (const list of lists) {
    for (const tally of list ?? []) {
      const key = pattern(tally.reason);
      const seen = byPattern.get(key);
      if (seen) seen.records += tally.records;
      else byPattern.set(key, { ...tally });
    }
  }
  // Array.prototype.sort is stable: equal counts keep the order in which they first came up.
  return [...byPattern.values()].sort((a, b) => b.records - a.records);
}

/** "61 records: identical to ... (e.g. record stubborn); 3 records: ..." for the top `n`. */
export function describeTopReasons(tallies: readonly ReasonTally[], n = 3): string {
  return tallies
    .slice(0, n)
    .map((t) => `${t.records} record${t.records === 1 ? '' : 's'}: ${t.reason} (e.g. record ${t.example})`)
    .join('; ');
}
