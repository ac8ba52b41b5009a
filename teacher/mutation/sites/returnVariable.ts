/**
 * Wrong return variable: `return x` returns another variable bound earlier in the same function.
 * The most plausible substitutes come first: names the function assigns (results, counters) over
 * parameters and loop variables, and among those, names of the same integer-ness as `x`.
 */
import { Binding, boundNames } from '../scope';
import { childNodes, enclosingFunction, nodesNamed, textOf } from '../syntax';
import type { Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT = 2.5;

export function returnVariableSites(ctx: CodeContext): Site[] {
  const { code, tree, intNames } = ctx;
  const sites: Site[] = [];
  for (const ret of nodesNamed(tree, new Set(['ReturnStatement']))) {
    const kids = childNodes(ret);
    if (kids.length !== 2 || kids[1].name !== 'VariableName') continue;
    const value = kids[1];
    const fn = enclosingFunction(ret);
    if (!fn) continue;
    const returned = textOf(value, code);
    const all = [...boundNames(fn, code).values()].filter(
      (b) => b.name !== returned && b.name !== '_' && b.how !== 'function' && b.at < ret.from,
    );
    const assigned = all.filter((b) => b.how === 'assignment');
    const sameSort = (b: Binding) => intNames.has(b.name) === intNames.has(returned);
    const tiers = [assigned.filter(sameSort), assigned, all.filter(sameSort), all];
    const candidates = tiers.find((t) => t.length > 0);
    if (!candidates) continue;
    sites.push({
      kind: 'wrong-return-variable',
      weight: WEIGHT,
      context: { from: ret.from, to: ret.to },
      alternatives: candidates.map((b) => ({
        edit: { from: value.from, to: value.to, insert: b.name },
        description: `return ${returned} -> return ${b.name}`,
      })),
    });
  }
  return sites;
}
