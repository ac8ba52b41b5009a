/** Every site collector, one per mutation kind. */
import type { MutationKind, Site } from '../types';
import { booleanSites } from './booleans';
import { comparisonSites } from './comparisons';
import type { CodeContext } from './context';
import { edgeCaseSites } from './edgeCase';
import { initialValueSites } from './initialValues';
import { offByOneSites } from './offByOne';
import { returnVariableSites } from './returnVariable';
import { swappedArgumentSites } from './swappedArguments';

export { codeContext, type CodeContext } from './context';

export const SITE_COLLECTORS: Record<MutationKind, (ctx: CodeContext) => Site[]> = {
  'off-by-one': offByOneSites,
  'comparison-flip': comparisonSites,
  'boolean-flip': booleanSites,
  'wrong-initial-value': initialValueSites,
  'swapped-arguments': swappedArgumentSites,
  'wrong-return-variable': returnVariableSites,
  'removed-edge-case': edgeCaseSites,
};
