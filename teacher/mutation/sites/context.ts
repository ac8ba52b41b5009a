/** What every site collector gets: one parsed Python code block. */
import { integerNames } from '../scope';
import type { Tree } from '../syntax';

export interface CodeContext {
  code: string;
  tree: Tree;
  /** Names that hold integers (see scope.ts), computed once per block. */
  intNames: ReadonlySet<string>;
}

export function codeContext(code: string, tree: Tree): CodeContext {
  return { code, tree, intNames: integerNames(tree, code) };
}
