import type { ExpressionLimits } from './template';

/** What `validate` checks names against. Leave a set out to accept any name there. */
export interface ValidateOptions {
  /** Agents some worker has registered; a step or hand-off naming another is a problem. */
  knownAgents?: ReadonlySet<string>;
  /** Workflow templates that exist; a step running another is a problem. */
  knownWorkflows?: ReadonlySet<string>;
  /** Limits compiled into the expressions of the result. @defaultValue DEFAULT_LIMITS */
  limits?: ExpressionLimits;
}
