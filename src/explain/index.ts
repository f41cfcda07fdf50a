// Public API of the policy evaluator behind `--explain`.

export { evaluate } from './evaluate.js';
export { proposeFix, scopedStatement, type Fix, type FixPolicy, type FixRequest } from './fix.js';
export { PolicyError, parsePolicy, type ParsedPolicy, type ParseOptions } from './policy.js';
export { describeCondition, describeStatement, summarise } from './summary.js';
export type {
  ConditionResult,
  ContextScalar,
  ContextValue,
  Decision,
  Dialect,
  EvaluateInput,
  EvaluationResult,
  Layer,
  LayerResult,
  NamedPolicy,
  PolicyKind,
  PolicySet,
  PrincipalGrant,
  RequestContext,
  RequestPrincipal,
  StatementResult,
  Tri,
} from './types.js';
