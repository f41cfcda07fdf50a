// Public API of the policy evaluator behind `--explain`.

export { evaluate } from './evaluate.js';
export { fixCandidates, proposeFix, scopedStatement, type Fix, type FixChange, type FixPolicy, type FixRequest } from './fix.js';
export { applyChange, provenFix, storeSemantics, type FixProof, type ProvenFix } from './proof.js';
export { unreadPolicies } from './unread.js';
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
  PolicySlot,
  StoreSemantics,
  UnreadPolicy,
  PrincipalGrant,
  RequestContext,
  RequestPrincipal,
  StatementResult,
  Tri,
} from './types.js';
