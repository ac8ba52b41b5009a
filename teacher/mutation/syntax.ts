/** Small helpers over the @lezer/python syntax tree. */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';

export type { SyntaxNode, Tree };

export function parsePython(code: string): Tree {
  return parser.parse(code);
}

/** Whether lezer had to recover from a syntax error anywhere in the tree. */
export function hasSyntaxErrors(tree: Tree): boolean {
  let found = false;
  tree.iterate({
    enter(node) {
      if (found) return false;
      if (node.type.isError) found = true;
      return undefined;
    },
  });
  return found;
}

/** Direct children of a node, in order. */
export function childNodes(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Every node of the tree with one of the given names, in document order. */
export function nodesNamed(tree: Tree, names: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  tree.iterate({
    enter(ref) {
      if (names.has(ref.name)) out.push(ref.node);
    },
  });
  return out;
}

/** Statement nodes of a Body or Script (comments and the ":" token left out). */
export function statements(block: SyntaxNode): SyntaxNode[] {
  return childNodes(block).filter((c) => c.name !== 'Comment' && c.name !== ':' && !c.type.isError);
}

/** Children of an argument/parameter list between its brackets, split at its top-level commas. */
export function commaGroups(list: SyntaxNode): SyntaxNode[][] {
  const inner = childNodes(list).filter((c) => c.name !== '(' && c.name !== ')' && c.name !== 'Comment');
  const groups: SyntaxNode[][] = [[]];
  for (const c of inner) {
    if (c.name === ',') groups.push([]);
    else groups[groups.length - 1].push(c);
  }
  return groups.filter((g) => g.length > 0);
}

/** The nearest enclosing FunctionDefinition, or null at module level. */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.name === 'FunctionDefinition') return p;
    if (p.name === 'LambdaExpression') return null;
  }
  return null;
}

/** Whether `node` lies inside a type annotation (TypeDef). */
export function inTypeAnnotation(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.name === 'TypeDef') return true;
  return false;
}

/** A decimal integer literal node ("0", "12", "-1") and its value, or null. */
export function intLiteral(node: SyntaxNode, code: string): number | null {
  if (node.name === 'Number') {
    const t = code.slice(node.from, node.to);
    return /^(0|[1-9][0-9]{0,8})$/.test(t) ? Number(t) : null;
  }
  if (node.name === 'UnaryExpression') {
    const [op, operand] = childNodes(node);
    if (op && operand && op.name === 'ArithOp' && code.slice(op.from, op.to) === '-' && operand.to === node.to) {
      const v = intLiteral(operand, code);
      return v === null || v === 0 ? null : -v;
    }
  }
  return null;
}

/** The operator token of a BinaryExpression (ArithOp, CompareOp, BitOp, and, or, ...), or null. */
export function binaryOperator(node: SyntaxNode): SyntaxNode | null {
  if (node.name !== 'BinaryExpression') return null;
  const kids = childNodes(node);
  return kids.length >= 3 ? kids[1] : null;
}

const ATOMS = new Set([
  'VariableName',
  'Number',
  'String',
  'FormatString',
  'ContinuedString',
  'CallExpression',
  'MemberExpression',
  'ParenthesizedExpression',
  'ArrayExpression',
  'DictionaryExpression',
  'SetExpression',
  'TupleExpression',
  'Boolean',
  'None',
]);

/**
 * Whether `text + " - 1"` still means "(node) - 1": atoms, arithmetic (+ - * / // % @ **) and
 * unary minus/plus/invert bind at least as tightly as the appended subtraction.
 */
export function bindsTighterThanAdd(node: SyntaxNode, code: string): boolean {
  if (ATOMS.has(node.name)) return true;
  if (node.name === 'UnaryExpression') {
    const op = node.firstChild;
    return !!op && op.name !== 'not';
  }
  const op = binaryOperator(node);
  return !!op && op.name === 'ArithOp' && /^(\+|-|\*|\/|\/\/|%|@|\*\*)$/.test(code.slice(op.from, op.to));
}

export function textOf(node: SyntaxNode, code: string): string {
  return code.slice(node.from, node.to);
}
