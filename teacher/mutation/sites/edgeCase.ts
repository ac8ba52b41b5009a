/**
 * Removed edge-case branch: an `if` (no elif/else) whose body is a single early exit (`return`,
 * `raise` or `continue`) is deleted with its lines, when the enclosing block keeps other statements.
 */
import { childNodes, nodesNamed, statements } from '../syntax';
import type { Site } from '../types';
import type { CodeContext } from './context';

const WEIGHT = 1.5;
const EXITS = new Set(['ReturnStatement', 'RaiseStatement', 'ContinueStatement']);

export function edgeCaseSites(ctx: CodeContext): Site[] {
  const { code, tree } = ctx;
  const sites: Site[] = [];
  for (const stmt of nodesNamed(tree, new Set(['IfStatement']))) {
    const kids = childNodes(stmt);
    if (kids.some((k) => k.name === 'elif' || k.name === 'else' || k.type.isError)) continue;
    const body = kids[kids.length - 1];
    if (!body || body.name !== 'Body') continue;
    const inner = statements(body);
    if (inner.length !== 1 || !EXITS.has(inner[0].name)) continue;
    const parent = stmt.parent;
    if (!parent || statements(parent).length < 2) continue;
    // Whole lines: from the start of the `if` line (only indentation before it) to the end of the body.
    const lineStart = code.lastIndexOf('\n', stmt.from - 1) + 1;
    if (code.slice(lineStart, stmt.from).trim() !== '') continue;
    let end = Math.max(stmt.to, body.to);
    if (end > 0 && code[end - 1] !== '\n') {
      // Only trailing spaces (or a comment) may follow on the last line.
      const nl = code.indexOf('\n', end);
      const rest = code.slice(end, nl === -1 ? code.length : nl);
      if (rest.trim() !== '' && !rest.trim().startsWith('#')) continue;
      end = nl === -1 ? code.length : nl + 1;
    }
    const removed = code.slice(lineStart, end);
    const first = removed.replace(/\r?\n$/, '');
    sites.push({
      kind: 'removed-edge-case',
      weight: WEIGHT,
      context: { from: lineStart, to: end },
      alternatives: [{ edit: { from: lineStart, to: end, insert: '' }, description: `removed: ${first.trim().replace(/\s*\n\s*/g, ' ')}` }],
    });
  }
  return sites;
}
