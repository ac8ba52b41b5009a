/**
 * Off-by-one faults: range bounds (`range(n)` -> `range(n - 1)` / `range(n + 1)` / `range(1, n)`),
 * subscripts and slice bounds (`x[i]` -> `x[i + 1]`), and `len(x) - 1` -> `len(x)`.
 */
import { isIntLike } from '../scope';
import { SyntaxNode, bindsTighterThanAdd, binaryOperator, childNodes, commaGroups, inTypeAnnotation, intLiteral, nodesNamed, textOf } from '../syntax';
import type { Alternative, Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT_RANGE = 3;
const WEIGHT_INDEX = 2;
const WEIGHT_SLICE = 2;
const WEIGHT_LEN_MINUS_ONE = 3;

function describe(code: string, context: SyntaxNode, from: number, to: number, insert: string): string {
  const before = textOf(context, code);
  const after = code.slice(context.from, from) + insert + code.slice(to, context.to);
  return `${before} -> ${after}`;
}

/**
 * The edit that makes `node`'s value `delta` larger (+1) or smaller (-1), as a programmer would
 * write it: a literal becomes the next literal, `n + 1` becomes `n`, `n - 2` becomes `n - 1`,
 * anything else gets " + 1" / " - 1" appended (parenthesised when needed).
 */
export function shiftBy(node: SyntaxNode, delta: 1 | -1, code: string): { from: number; to: number; insert: string } {
  const literal = intLiteral(node, code);
  if (literal !== null) return { from: node.from, to: node.to, insert: String(literal + delta) };
  const op = binaryOperator(node);
  if (op && op.name === 'ArithOp') {
    const kids = childNodes(node);
    const left = kids[0];
    const right = kids[kids.length - 1];
    const sign = textOf(op, code);
    const k = right.name === 'Number' ? intLiteral(right, code) : null;
    if ((sign === '+' || sign === '-') && k !== null && k > 0) {
      const offset = (sign === '+' ? k : -k) + delta;
      if (offset === 0) return { from: left.to, to: node.to, insert: '' };
      const between = code.slice(op.to, right.from);
      return { from: op.from, to: right.to, insert: (offset > 0 ? '+' : '-') + between + String(Math.abs(offset)) };
    }
  }
  const tail = delta > 0 ? ' + 1' : ' - 1';
  if (bindsTighterThanAdd(node, code)) return { from: node.to, to: node.to, insert: tail };
  return { from: node.from, to: node.to, insert: `(${textOf(node, code)})${tail}` };
}

function alternative(code: string, context: SyntaxNode, edit: { from: number; to: number; insert: string }): Alternative {
  return { edit, description: describe(code, context, edit.from, edit.to, edit.insert) };
}

/** Arguments of a call when they are all plain positional expressions, else null. */
export function positionalArgs(call: SyntaxNode): SyntaxNode[] | null {
  const argList = call.lastChild;
  if (!argList || argList.name !== 'ArgList') return null;
  const groups = commaGroups(argList);
  if (groups.some((g) => g.length !== 1 || g[0].name === '*' || g[0].name === '**' || g[0].type.isError)) return null;
  return groups.map((g) => g[0]);
}

function calleeName(call: SyntaxNode, code: string): string {
  const callee = call.firstChild;
  return callee ? textOf(callee, code) : '';
}

function rangeSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const call of nodesNamed(tree, new Set(['CallExpression']))) {
    if (calleeName(call, code) !== 'range' || call.firstChild?.name !== 'VariableName') continue;
    const args = positionalArgs(call);
    if (!args || args.length === 0 || args.length > 3) continue;
    const edits: { from: number; to: number; insert: string }[] = [];
    if (args.length === 1) {
      const [stop] = args;
      edits.push(shiftBy(stop, -1, code), shiftBy(stop, 1, code));
      const literal = intLiteral(stop, code);
      if (literal === null || literal > 1) edits.push({ from: stop.from, to: stop.from, insert: '1, ' });
    } else {
      const [start, stop] = args;
      const startLiteral = intLiteral(start, code);
      if (startLiteral === 0) edits.push(shiftBy(start, 1, code));
      else edits.push(shiftBy(start, 1, code), shiftBy(start, -1, code));
      edits.push(shiftBy(stop, -1, code), shiftBy(stop, 1, code));
    }
    sites.push({
      kind: 'off-by-one',
      weight: WEIGHT_RANGE,
      context: { from: call.from, to: call.to },
      alternatives: edits.map((e) => alternative(code, call, e)),
    });
  }
  return sites;
}

function subscriptSites(ctx: CodeContext): Site[] {
  const { code, tree, intNames } = ctx;
  const sites: Site[] = [];
  for (const member of nodesNamed(tree, new Set(['MemberExpression']))) {
    if (inTypeAnnotation(member)) continue;
    const kids = childNodes(member);
    const open = kids.findIndex((k) => k.name === '[');
    if (open < 1 || kids[kids.length - 1].name !== ']') continue;
    const inner = kids.slice(open + 1, kids.length - 1).filter((k) => k.name !== 'Comment');
    if (inner.some((k) => k.name === ',' || k.type.isError)) continue;
    if (!inner.some((k) => k.name === ':')) {
      if (inner.length !== 1 || !isIntLike(inner[0], code, intNames)) continue;
      const index = inner[0];
      const literal = intLiteral(index, code);
      const deltas: (1 | -1)[] = literal === 0 ? [1] : literal === -1 ? [-1] : [1, -1];
      sites.push({
        kind: 'off-by-one',
        weight: WEIGHT_INDEX,
        context: { from: member.from, to: member.to },
        alternatives: deltas.map((d) => alternative(code, member, shiftBy(index, d, code))),
      });
      continue;
    }
    // A slice: shift its start or stop bound (never the step).
    const parts: SyntaxNode[][] = [[]];
    for (const k of inner) {
      if (k.name === ':') parts.push([]);
      else parts[parts.length - 1].push(k);
    }
    const alternatives: Alternative[] = [];
    for (const part of parts.slice(0, 2)) {
      if (part.length !== 1 || !isIntLike(part[0], code, intNames)) continue;
      const literal = intLiteral(part[0], code);
      const deltas: (1 | -1)[] = literal === 0 ? [1] : [1, -1];
      for (const d of deltas) alternatives.push(alternative(code, member, shiftBy(part[0], d, code)));
    }
    if (parts.length >= 2 && alternatives.length > 0) {
      sites.push({ kind: 'off-by-one', weight: WEIGHT_SLICE, context: { from: member.from, to: member.to }, alternatives });
    }
  }
  return sites;
}

function lenMinusOneSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const expr of nodesNamed(tree, new Set(['BinaryExpression']))) {
    const op = binaryOperator(expr);
    const kids = childNodes(expr);
    if (!op || kids.length !== 3 || textOf(op, code) !== '-' || intLiteral(kids[2], code) !== 1) continue;
    const left = kids[0];
    if (left.name !== 'CallExpression' || calleeName(left, code) !== 'len') continue;
    sites.push({
      kind: 'off-by-one',
      weight: WEIGHT_LEN_MINUS_ONE,
      context: { from: expr.from, to: expr.to },
      alternatives: [alternative(code, expr, { from: left.to, to: expr.to, insert: '' })],
    });
  }
  return sites;
}

export function offByOneSites(ctx: CodeContext): Site[] {
  return [...rangeSites(ctx), ...subscriptSites(ctx), ...lenMinusOneSites(ctx)];
}
