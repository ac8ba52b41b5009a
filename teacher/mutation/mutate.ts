/**
 * The offline mutation teacher: for a correct markdown response, one incorrect variant that differs
 * from it by a single small fault in the Python code, chosen deterministically from (response, seed).
 *
 * The variant is the original text with one edit at the positions of parsed syntax nodes (the code
 * is never re-printed), so everything outside the edited region stays byte-identical.
 *
 * Sites are weighted by how likely their fault is to change behaviour (measured on the bundled
 * example tasks): equality and boolean flips, range bounds, index shifts and `len(x) - 1` almost
 * always do; strictness flips (`<` vs `<=`) only matter on ties, a removed guard may be redundant,
 * and swapped arguments are the least natural, so those weigh less. A site's alternatives (e.g.
 * `range(n - 1)` / `range(n + 1)` / `range(1, n)`) share its weight.
 */
import { CodeRegion, pythonBlocks } from './codeBlocks';
import { seededRandom, weightedIndex } from './random';
import { SITE_COLLECTORS, codeContext } from './sites';
import { hasSyntaxErrors, parsePython } from './syntax';
import { Edit, MUTATION_KINDS, Mutation, MutationKind, MutationOutcome, NoMutationCode, Site } from './types';

export interface MutateOptions {
  /** Base seed (a safe integer); default 0. */
  seed?: number;
  /** Variant index k, for retries ("re-ask with a new sample"): uses seed + k. Default 0. */
  variant?: number;
  /** Only these kinds of fault (default: all). */
  kinds?: readonly MutationKind[];
  /** Variant texts that must not be produced again (e.g. earlier attempts that were rejected). */
  exclude?: Iterable<string>;
}

/** A site in offsets of the whole response, with the block it lies in. */
export interface LocatedSite extends Site {
  block: CodeRegion;
}

export type SiteCollection =
  | { ok: true; sites: LocatedSite[]; blocks: CodeRegion[] }
  | { ok: false; code: NoMutationCode; reason: string };

function shiftEdit(edit: Edit, by: number): Edit {
  return { from: edit.from + by, to: edit.to + by, insert: edit.insert };
}

/** Every applicable mutation site of a response (offsets into the response), deduplicated. */
export function collectSites(response: string, kinds: readonly MutationKind[] = MUTATION_KINDS): SiteCollection {
  const blocks = pythonBlocks(response);
  if (blocks.length === 0) return { ok: false, code: 'no-code', reason: 'no applicable mutation: the response has no ```python code block' };
  const clean = blocks.filter((b) => b.to > b.from && response.slice(b.from, b.to).trim() !== '' && !hasSyntaxErrors(parsePython(response.slice(b.from, b.to))));
  if (clean.length === 0) {
    const empty = blocks.every((b) => response.slice(b.from, b.to).trim() === '');
    return empty
      ? { ok: false, code: 'no-code', reason: 'no applicable mutation: the ```python code blocks are empty' }
      : { ok: false, code: 'unparsable-code', reason: `no applicable mutation: none of the ${blocks.length} python code block(s) parses` };
  }
  const seen = new Set<string>();
  const sites: LocatedSite[] = [];
  for (const block of clean) {
    const code = response.slice(block.from, block.to);
    const ctx = codeContext(code, parsePython(code));
    for (const kind of MUTATION_KINDS) {
      if (!kinds.includes(kind)) continue;
      for (const site of SITE_COLLECTORS[kind](ctx)) {
        const alternatives = site.alternatives
          .map((a) => ({ ...a, edit: shiftEdit(a.edit, block.from) }))
          .filter((a) => {
            const key = `${a.edit.from}:${a.edit.to}:${a.edit.insert}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return a.edit.insert !== response.slice(a.edit.from, a.edit.to);
          });
        if (alternatives.length === 0) continue;
        sites.push({
          ...site,
          context: { from: site.context.from + block.from, to: site.context.to + block.from },
          alternatives,
          block,
        });
      }
    }
  }
  if (sites.length === 0) {
    return { ok: false, code: 'no-sites', reason: `no applicable mutation: no ${kinds.length === MUTATION_KINDS.length ? '' : `${kinds.join('/')} `}mutation site in the python code` };
  }
  return { ok: true, sites, blocks };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function applyEdit(text: string, edit: Edit): string {
  return text.slice(0, edit.from) + edit.insert + text.slice(edit.to);
}

/**
 * The variant for one alternative of a site, or null when it is not acceptable: identical to the
 * original, or the edited code block no longer parses (lezer error nodes) or no longer is the same block.
 */
function tryAlternative(response: string, site: LocatedSite, edit: Edit, description: string): { incorrect: string; mutation: Mutation } | null {
  const incorrect = applyEdit(response, edit);
  if (incorrect === response) return null;
  const { block } = site;
  const delta = edit.insert.length - (edit.to - edit.from);
  const code = incorrect.slice(block.from, block.to + delta);
  if (hasSyntaxErrors(parsePython(code))) return null;
  const again = pythonBlocks(incorrect).find((b) => b.from === block.from);
  if (!again || again.to !== block.to + delta) return null;
  const { from, to } = site.context;
  const mutation: Mutation = {
    kind: site.kind,
    line: lineOf(response, edit.from),
    before: response.slice(from, to),
    after: response.slice(from, edit.from) + edit.insert + response.slice(edit.to, to),
    description,
    edit,
  };
  return { incorrect, mutation };
}

/**
 * One incorrect variant of `response`: collects every applicable mutation site, picks one with a
 * PRNG seeded by (response, seed + variant), weighted towards faults that are likely to change
 * behaviour, and applies it. Deterministic: the same (response, options) always give the same result.
 * `options` may be just the seed.
 */
export function mutateResponse(response: string, options: MutateOptions | number = {}): MutationOutcome {
  if (typeof options === 'number') options = { seed: options };
  const seed = (options.seed ?? 0) + (options.variant ?? 0);
  const collected = collectSites(response, options.kinds ?? MUTATION_KINDS);
  if (!collected.ok) return collected;
  const exclude = new Set(options.exclude ?? []);
  const random = seededRandom(response, seed);
  const pool = collected.sites.map((s) => ({ site: s, alternatives: [...s.alternatives] }));
  const total = pool.reduce((n, p) => n + p.alternatives.length, 0);
  while (pool.length > 0) {
    const i = weightedIndex(random, pool.map((p) => p.site.weight));
    const entry = pool[i];
    const j = Math.floor(random() * entry.alternatives.length);
    const [alt] = entry.alternatives.splice(j, 1);
    if (entry.alternatives.length === 0) pool.splice(i, 1);
    const result = tryAlternative(response, entry.site, alt.edit, alt.description);
    if (result && !exclude.has(result.incorrect)) return { ok: true, ...result, seed };
  }
  return {
    ok: false,
    code: 'exhausted',
    reason: `no applicable mutation: all ${total} candidate mutation(s) were excluded or gave code that does not parse`,
  };
}

/** Every acceptable variant of `response` (one per alternative of every site), with its site weight. */
export function enumerateMutations(
  response: string,
  kinds: readonly MutationKind[] = MUTATION_KINDS,
): { ok: true; variants: { incorrect: string; mutation: Mutation; weight: number }[] } | { ok: false; code: NoMutationCode; reason: string } {
  const collected = collectSites(response, kinds);
  if (!collected.ok) return collected;
  const variants: { incorrect: string; mutation: Mutation; weight: number }[] = [];
  for (const site of collected.sites) {
    for (const alt of site.alternatives) {
      const result = tryAlternative(response, site, alt.edit, alt.description);
      if (result) variants.push({ ...result, weight: site.weight / site.alternatives.length });
    }
  }
  return { ok: true, variants };
}
