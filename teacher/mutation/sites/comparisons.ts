/** Comparison flips: `<` <-> `<=`, `>` <-> `>=`, `==` <-> `!=`, `in` <-> `not in`, `is` <-> `is not`. */
import { SyntaxNode, childNodes, nodesNamed, textOf } from '../syntax';
import type { Edit, Site } from '../types';
import type { CodeContext } from './context';

const FLIP: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '==': '!=', '!=': '==' };

const WEIGHT_EQUALITY = 3;
const WEIGHT_ORDER = 2;
const WEIGHT_MEMBERSHIP = 2.5;
const WEIGHT_IDENTITY = 2;

function site(code: string, expr: SyntaxNode, edit: Edit, weight: number): Site {
  const after = code.slice(expr.from, edit.from) + edit.insert + code.slice(edit.to, expr.to);
  return {
    kind: 'comparison-flip',
    weight,
    context: { from: expr.from, to: expr.to },
    alternatives: [{ edit, description: `${textOf(expr, code)} -> ${after}` }],
  };
}

export function comparisonSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const expr of nodesNamed(tree, new Set(['BinaryExpression']))) {
    const kids = childNodes(expr);
    for (let i = 1; i < kids.length - 1; i++) {
      const k = kids[i];
      const prev = kids[i - 1];
      const next = kids[i + 1];
      if (k.name === 'CompareOp') {
        const op = textOf(k, code);
        const flipped = FLIP[op];
        if (!flipped) continue;
        const weight = op === '==' || op === '!=' ? WEIGHT_EQUALITY : WEIGHT_ORDER;
        sites.push(site(code, expr, { from: k.from, to: k.to, insert: flipped }, weight));
      } else if (k.name === 'in') {
        if (prev.name === 'not') sites.push(site(code, expr, { from: prev.from, to: k.from, insert: '' }, WEIGHT_MEMBERSHIP));
        else sites.push(site(code, expr, { from: k.from, to: k.from, insert: 'not ' }, WEIGHT_MEMBERSHIP));
      } else if (k.name === 'is') {
        if (next.name === 'not') sites.push(site(code, expr, { from: k.to, to: next.to, insert: '' }, WEIGHT_IDENTITY));
        else sites.push(site(code, expr, { from: k.to, to: k.to, insert: ' not' }, WEIGHT_IDENTITY));
      }
    }
  }
  return sites;
}
