/**
 * Types of the offline mutation teacher: one small, plausible fault injected into the Python code
 * of a correct response, at the positions of parsed syntax nodes, so that everything outside the
 * edited region stays byte-identical.
 */

/** The kinds of fault the mutation teacher can inject. */
export const MUTATION_KINDS = [
  'off-by-one',
  'comparison-flip',
  'boolean-flip',
  'wrong-initial-value',
  'swapped-arguments',
  'wrong-return-variable',
  'removed-edge-case',
] as const;

export type MutationKind = (typeof MUTATION_KINDS)[number];

/** One text edit: replace `text.slice(from, to)` by `insert` (UTF-16 code-unit offsets). */
export interface Edit {
  from: number;
  to: number;
  insert: string;
}

/** What a variant changed, recorded with the variant. */
export interface Mutation {
  kind: MutationKind;
  /** 1-based line, in the response, where the edit starts. */
  line: number;
  /**
   * The text of the smallest enclosing syntax node that shows the fault (e.g. "range(n)", "i < n",
   * "total = 0"; for a removed branch, the removed lines), before and after the edit.
   */
  before: string;
  after: string;
  /** Human-readable summary, e.g. "range(n) -> range(n - 1)". */
  description: string;
  /** The edit itself, in UTF-16 code-unit offsets of the original response. */
  edit: Edit;
}

/** One way to mutate a site. `edit` is in offsets of the text the site was found in. */
export interface Alternative {
  edit: Edit;
  description: string;
}

/**
 * A place in the code where one fault of one kind can be injected, with one or more alternative
 * edits. `context` is the node whose text is recorded as `before`/`after`; it contains every edit.
 */
export interface Site {
  kind: MutationKind;
  /** Relative likelihood of being chosen (higher for faults that are likely to change behaviour). */
  weight: number;
  context: { from: number; to: number };
  alternatives: Alternative[];
}

export type NoMutationCode = 'no-code' | 'unparsable-code' | 'no-sites' | 'exhausted';

export type MutationOutcome =
  | { ok: true; incorrect: string; mutation: Mutation; /** The effective seed (seed + variant). */ seed: number }
  | { ok: false; code: NoMutationCode; reason: string };
