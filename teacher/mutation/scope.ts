/**
 * Names bound in a scope and names that hold integers, from the syntax tree: what a "wrong
 * return variable" can return instead, which accumulators are updated, which subscripts index by
 * position (and so can be off by one).
 */
import { SyntaxNode, Tree, binaryOperator, childNodes, intLiteral, textOf } from './syntax';

/** Nodes that open a new scope (or whose bindings do not leak): not descended into. */
const NESTED_SCOPES = new Set([
  'FunctionDefinition',
  'ClassDefinition',
  'LambdaExpression',
  'ArrayComprehensionExpression',
  'DictionaryComprehensionExpression',
  'SetComprehensionExpression',
  'ComprehensionExpression',
]);

/** Variable names inside an assignment target (names, tuples, lists, starred), not attributes. */
export function targetNames(node: SyntaxNode, code: string): SyntaxNode[] {
  if (node.name === 'VariableName') return [node];
  if (node.name === 'TupleExpression' || node.name === 'ParenthesizedExpression' || node.name === 'ArrayExpression') {
    return childNodes(node).flatMap((c) => targetNames(c, code));
  }
  return [];
}

/** The target nodes of an AssignStatement (everything before its last "="), split at commas. */
export function assignTargets(stmt: SyntaxNode): SyntaxNode[][] {
  const kids = childNodes(stmt);
  let last = -1;
  kids.forEach((k, i) => {
    if (k.name === 'AssignOp') last = i;
  });
  if (last < 0) return [];
  const groups: SyntaxNode[][] = [[]];
  for (let i = 0; i < last; i++) {
    const k = kids[i];
    if (k.name === 'AssignOp') groups.push([]);
    else if (k.name !== ',' && k.name !== 'TypeDef') groups[groups.length - 1].push(k);
  }
  return groups;
}

/** The value nodes of an AssignStatement (after its last "="), split at top-level commas. */
export function assignValues(stmt: SyntaxNode): SyntaxNode[] {
  const kids = childNodes(stmt);
  let last = -1;
  kids.forEach((k, i) => {
    if (k.name === 'AssignOp') last = i;
  });
  return last < 0 ? [] : kids.slice(last + 1).filter((k) => k.name !== ',');
}

/** For a node holding `for TARGETS in ITER` (a statement or a comprehension): each loop's targets and iterable. */
export function forClauses(node: SyntaxNode): { targets: SyntaxNode[]; iter: SyntaxNode | null }[] {
  const kids = childNodes(node);
  const out: { targets: SyntaxNode[]; iter: SyntaxNode | null }[] = [];
  for (let i = 0; i < kids.length; i++) {
    if (kids[i].name !== 'for') continue;
    const targets: SyntaxNode[] = [];
    let j = i + 1;
    for (; j < kids.length && kids[j].name !== 'in'; j++) if (kids[j].name !== ',') targets.push(kids[j]);
    out.push({ targets, iter: j + 1 < kids.length ? kids[j + 1] : null });
  }
  return out;
}

export interface Binding {
  name: string;
  /** Offset of the first binding occurrence. */
  at: number;
  /** How it is bound. */
  how: 'parameter' | 'assignment' | 'loop' | 'function' | 'other';
}

/** Names bound directly in a function (parameters included) or module body, first binding first. */
export function boundNames(scope: SyntaxNode, code: string): Map<string, Binding> {
  const out = new Map<string, Binding>();
  const bind = (n: SyntaxNode, how: Binding['how']) => {
    const name = textOf(n, code);
    if (!out.has(name)) out.set(name, { name, at: n.from, how });
  };
  let body: SyntaxNode | null = scope;
  if (scope.name === 'FunctionDefinition') {
    const params = childNodes(scope).find((c) => c.name === 'ParamList');
    if (params) {
      for (const c of childNodes(params)) if (c.name === 'VariableName') bind(c, 'parameter');
    }
    body = childNodes(scope).find((c) => c.name === 'Body') ?? null;
  }
  const visit = (node: SyntaxNode) => {
    for (const c of childNodes(node)) {
      if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') {
        const id = childNodes(c).find((k) => k.name === 'VariableName');
        if (id) bind(id, 'function');
        continue;
      }
      if (NESTED_SCOPES.has(c.name)) continue;
      if (c.name === 'AssignStatement') {
        for (const group of assignTargets(c)) for (const t of group) for (const n of targetNames(t, code)) bind(n, 'assignment');
      } else if (c.name === 'UpdateStatement') {
        const first = c.firstChild;
        if (first && first.name === 'VariableName') bind(first, 'assignment');
      } else if (c.name === 'ForStatement') {
        for (const clause of forClauses(c)) for (const t of clause.targets) for (const n of targetNames(t, code)) bind(n, 'loop');
      }
      visit(c);
    }
  };
  if (body) visit(body);
  return out;
}

const INDEX_NAME = /^(i|j|k|m|n|p|q|l|r|idx|index|pos|start|end|stop|lo|hi|low|high|mid|left|right|begin|count|size|width|offset|row|col|[a-z]+_(idx|index|pos|start|end))$|^[ijk][0-9]?$/i;

const INT_CALLS = new Set(['len', 'int', 'ord', 'round', 'abs', 'min', 'max', 'sum', 'bisect', 'bisect_left', 'bisect_right']);

/** Whether an expression evaluates to an integer, as far as simple syntax tells. */
export function isIntLike(node: SyntaxNode, code: string, intNames: ReadonlySet<string>): boolean {
  if (intLiteral(node, code) !== null) return true;
  switch (node.name) {
    case 'VariableName':
      return intNames.has(textOf(node, code));
    case 'ParenthesizedExpression': {
      const inner = childNodes(node).filter((c) => c.name !== '(' && c.name !== ')');
      return inner.length === 1 && isIntLike(inner[0], code, intNames);
    }
    case 'UnaryExpression': {
      const [op, operand] = childNodes(node);
      return !!op && !!operand && op.name === 'ArithOp' && isIntLike(operand, code, intNames);
    }
    case 'CallExpression': {
      const callee = node.firstChild;
      if (!callee) return false;
      const name = textOf(callee, code).replace(/^bisect\./, '');
      return callee.name === 'VariableName' || callee.name === 'MemberExpression' ? INT_CALLS.has(name) : false;
    }
    case 'BinaryExpression': {
      const op = binaryOperator(node);
      if (!op || op.name !== 'ArithOp' || !/^(\+|-|\*|\/\/|%)$/.test(textOf(op, code))) return false;
      const kids = childNodes(node);
      return isIntLike(kids[0], code, intNames) || isIntLike(kids[kids.length - 1], code, intNames);
    }
    default:
      return false;
  }
}

/** Names that hold integers somewhere in the code (loop counters, indices, lengths). */
export function integerNames(tree: Tree, code: string): Set<string> {
  const names = new Set<string>();
  const assigns: SyntaxNode[] = [];
  const loops: SyntaxNode[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.name === 'AssignStatement' || ref.name === 'UpdateStatement') assigns.push(ref.node);
      else if (ref.name === 'VariableName' && INDEX_NAME.test(code.slice(ref.from, ref.to))) names.add(code.slice(ref.from, ref.to));
      if (ref.name === 'ForStatement' || ref.name.endsWith('ComprehensionExpression')) loops.push(ref.node);
    },
  });
  for (const loop of loops) {
    for (const { targets, iter } of forClauses(loop)) {
      if (!iter || iter.name !== 'CallExpression' || !iter.firstChild) continue;
      const fn = textOf(iter.firstChild, code);
      if (fn === 'range') for (const t of targets) for (const n of targetNames(t, code)) names.add(textOf(n, code));
      if (fn === 'enumerate' && targets.length > 0 && targets[0].name === 'VariableName') names.add(textOf(targets[0], code));
    }
  }
  // Two passes so that `j = i + 1` after `i = 0` is seen whatever the order of the statements.
  for (let pass = 0; pass < 2; pass++) {
    for (const stmt of assigns) {
      if (stmt.name === 'UpdateStatement') {
        const kids = childNodes(stmt);
        if (kids.length === 3 && kids[0].name === 'VariableName' && isIntLike(kids[2], code, names)) names.add(textOf(kids[0], code));
        continue;
      }
      const groups = assignTargets(stmt);
      const values = assignValues(stmt);
      for (const group of groups) {
        if (group.length === values.length) {
          group.forEach((t, i) => {
            if (t.name === 'VariableName' && isIntLike(values[i], code, names)) names.add(textOf(t, code));
          });
        }
      }
    }
  }
  return names;
}
