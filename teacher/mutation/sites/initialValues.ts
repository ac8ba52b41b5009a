/**
 * Wrong initial value: an accumulator (a name that is updated later in the same scope) initialised
 * to 0 / 1 / '' / [] / None / True / False / float('inf') gets another plausible start value.
 */
import { assignTargets, assignValues, targetNames } from '../scope';
import { SyntaxNode, childNodes, enclosingFunction, intLiteral, nodesNamed, textOf } from '../syntax';
import type { Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT = 2;

const MUTATORS = new Set(['append', 'extend', 'add', 'insert', 'update', 'pop', 'remove', 'appendleft', 'popleft', 'discard', 'setdefault', 'clear', 'sort', 'reverse']);

/** The replacement start value for a literal, or null when it is not a recognised initial value. */
export function wrongInitialValue(value: SyntaxNode, code: string): string | null {
  const text = textOf(value, code);
  const literal = intLiteral(value, code);
  if (literal === 0) return '1';
  if (literal === 1) return '0';
  if (literal === -1) return '0';
  switch (value.name) {
    case 'Number':
      if (text === '0.0') return '1.0';
      if (text === '1.0') return '0.0';
      return null;
    case 'String':
      if (text === "''") return "' '";
      if (text === '""') return '" "';
      return null;
    case 'ArrayExpression':
      return childNodes(value).every((c) => c.name === '[' || c.name === ']') ? 'None' : null;
    case 'None':
      return '0';
    case 'Boolean':
      return text === 'True' ? 'False' : text === 'False' ? 'True' : null;
    case 'CallExpression':
    case 'MemberExpression':
    case 'UnaryExpression': {
      const compact = text.replace(/\s+/g, '').replace(/"/g, "'");
      if (/^(float\('[+-]?inf'\)|-?math\.inf)$/.test(compact)) return '0';
      return null;
    }
    default:
      return null;
  }
}

/** Whether `name` is updated after `after` inside `scope` (augmented assignment, reassignment, mutation). */
function updatedLater(scope: SyntaxNode, name: string, after: number, code: string): boolean {
  let found = false;
  const visit = (node: SyntaxNode) => {
    for (let c = node.firstChild; c && !found; c = c.nextSibling) {
      if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') continue;
      if (c.to > after) {
        if (c.name === 'UpdateStatement' && c.from >= after) {
          const target = c.firstChild;
          if (target && rootName(target, code) === name) found = true;
        } else if (c.name === 'AssignStatement' && c.from >= after) {
          for (const group of assignTargets(c)) {
            for (const t of group) {
              if (targetNames(t, code).some((n) => textOf(n, code) === name) || rootName(t, code) === name) found = true;
            }
          }
        } else if (c.name === 'CallExpression' && c.from >= after) {
          const callee = c.firstChild;
          if (callee && callee.name === 'MemberExpression') {
            const parts = childNodes(callee);
            const object = parts[0];
            const prop = parts[parts.length - 1];
            if (object && object.name === 'VariableName' && textOf(object, code) === name && prop.name === 'PropertyName' && MUTATORS.has(textOf(prop, code))) found = true;
          }
        }
      }
      if (!found) visit(c);
    }
  };
  visit(scope);
  return found;
}

/** `x` for `x`, `x[i]`, `x[i][j]` (subscript targets mutate the container). */
function rootName(node: SyntaxNode, code: string): string | null {
  if (node.name === 'VariableName') return textOf(node, code);
  if (node.name === 'MemberExpression') {
    const kids = childNodes(node);
    if (kids[1]?.name === '[') return rootName(kids[0], code);
  }
  return null;
}

export function initialValueSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const stmt of nodesNamed(tree, new Set(['AssignStatement']))) {
    const groups = assignTargets(stmt);
    const values = assignValues(stmt);
    const scope = enclosingFunction(stmt) ?? tree.topNode;
    const last = groups[groups.length - 1];
    if (!last || last.length !== values.length) continue;
    last.forEach((target, i) => {
      if (target.name !== 'VariableName') return;
      const value = values[i];
      const replacement = wrongInitialValue(value, code);
      if (replacement === null) return;
      const name = textOf(target, code);
      if (!updatedLater(scope, name, stmt.to, code)) return;
      const after = code.slice(stmt.from, value.from) + replacement + code.slice(value.to, stmt.to);
      sites.push({
        kind: 'wrong-initial-value',
        weight: WEIGHT,
        context: { from: stmt.from, to: stmt.to },
        alternatives: [{ edit: { from: value.from, to: value.to, insert: replacement }, description: `${textOf(stmt, code)} -> ${after}` }],
      });
    });
  }
  return sites;
}
