/** Boolean operator flips: `and` <-> `or`, and dropping a `not`. */
import { childNodes, nodesNamed, textOf } from '../syntax';
import type { Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT_AND_OR = 3;
const WEIGHT_NOT = 3;

export function booleanSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const expr of nodesNamed(tree, new Set(['BinaryExpression', 'UnaryExpression']))) {
    const kids = childNodes(expr);
    const before = textOf(expr, code);
    if (expr.name === 'BinaryExpression') {
      for (const k of kids.slice(1, -1)) {
        if (k.name !== 'and' && k.name !== 'or') continue;
        const insert = k.name === 'and' ? 'or' : 'and';
        const after = code.slice(expr.from, k.from) + insert + code.slice(k.to, expr.to);
        sites.push({
          kind: 'boolean-flip',
          weight: WEIGHT_AND_OR,
          context: { from: expr.from, to: expr.to },
          alternatives: [{ edit: { from: k.from, to: k.to, insert }, description: `${before} -> ${after}` }],
        });
      }
    } else if (kids.length === 2 && kids[0].name === 'not') {
      const [not, operand] = kids;
      sites.push({
        kind: 'boolean-flip',
        weight: WEIGHT_NOT,
        context: { from: expr.from, to: expr.to },
        alternatives: [{ edit: { from: not.from, to: operand.from, insert: '' }, description: `${before} -> ${textOf(operand, code)}` }],
      });
    }
  }
  return sites;
}
