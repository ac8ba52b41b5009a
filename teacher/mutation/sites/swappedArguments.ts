/** Swapped arguments: two adjacent positional arguments of a call exchange places. */
import { SyntaxNode, nodesNamed, textOf } from '../syntax';
import type { Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT = 1;

/**
 * Calls whose result does not depend on the order of their arguments (swapping is no fault), or
 * where a swap is not a plausible slip (type checks, output), or that other kinds already cover.
 */
const SKIP = new Set([
  'max', 'min', 'math.gcd', 'gcd', 'math.lcm', 'lcm', 'math.hypot', 'hypot', 'math.isclose', 'isclose',
  'operator.add', 'operator.mul', 'set', 'print', 'isinstance', 'issubclass', 'hasattr', 'getattr',
  'setattr', 'range', 'super', 'zip',
]);

export function swappedArgumentSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const call of nodesNamed(tree, new Set(['CallExpression']))) {
    const callee = call.firstChild;
    const argList = call.lastChild;
    if (!callee || !argList || argList.name !== 'ArgList' || SKIP.has(textOf(callee, code))) continue;
    const args = leadingPositional(argList);
    for (let i = 0; i + 1 < args.length; i++) {
      const a = args[i];
      const b = args[i + 1];
      const ta = textOf(a, code);
      const tb = textOf(b, code);
      if (ta === tb) continue;
      const between = code.slice(a.to, b.from);
      const insert = tb + between + ta;
      const before = textOf(call, code);
      const after = code.slice(call.from, a.from) + insert + code.slice(b.to, call.to);
      sites.push({
        kind: 'swapped-arguments',
        weight: WEIGHT,
        context: { from: call.from, to: call.to },
        alternatives: [{ edit: { from: a.from, to: b.to, insert }, description: `${before} -> ${after}` }],
      });
    }
  }
  return sites;
}

/** Positional arguments before the first keyword, starred or generator argument of a call. */
function leadingPositional(argList: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let group: SyntaxNode[] = [];
  for (let c = argList.firstChild; c; c = c.nextSibling) {
    if (c.name === '(' || c.name === 'Comment') continue;
    if (c.name === ',' || c.name === ')') {
      if (group.length === 0 && c.name === ')') break;
      if (group.length !== 1 || group[0].name === '*' || group[0].name === '**' || group[0].type.isError) break;
      out.push(group[0]);
      group = [];
      continue;
    }
    group.push(c);
  }
  return out;
}
