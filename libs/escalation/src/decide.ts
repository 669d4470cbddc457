import type { ClassSignal } from './detectors/prototype-detector';
import type { EscalationClass } from './detectors/prototypes';
import type { ScopeSignal } from './detectors/scope-detector';
import type { EscalationPath, RuleCategory, RuleMatch } from './rules/rules';

/** Retrieval confidence supplied by the caller (the bot's own or the suggestion service's retrieval). */
export interface RetrievalSignal {
  /** Best knowledge chunk's score. */
  score: number;
  /** Tenant threshold: below it the bot should not guess. */
  threshold: number;
}

/** Everything {@link decide} combines; each signal is optional (absent = not evaluated). */
export interface DecisionInput {
  retrieval?: RetrievalSignal;
  scope?: ScopeSignal;
  classes?: ClassSignal[];
  rules?: RuleMatch[];
  /** Intent the bot sent, if any (kept over the detected one). */
  botIntent?: string;
}

/** One reason of a decision: which signal fired, with its score and threshold or rule id. */
export type DecisionReason =
  | { signal: 'rule'; ruleId: string; category: RuleCategory; path?: EscalationPath; evidence: string }
  | {
      signal: 'model';
      class: EscalationClass;
      score: number;
      threshold: number;
      margin: number;
      evidence: string;
    }
  | {
      signal: 'out_of_scope';
      intent: string;
      score: number;
      threshold: number;
      similarity: number;
      similarityThreshold: number;
    }
  | { signal: 'retrieval'; score: number; threshold: number };

/** The decision: escalate or not, why, the intent, and a path forced by a rule. */
export interface Decision {
  escalate: boolean;
  /** Reasons in precedence order: regulated rules, other rules, model classes, out of scope, retrieval. */
  reasons: DecisionReason[];
  /** The bot's intent, else the scope detector's (when in scope), else null. */
  intent: string | null;
  /** Path forced by the first rule that names one; null = the policy chooses. */
  forcedPath: EscalationPath | null;
  /** What decided: a regulated rule (wins over the model), another rule, the model signals, or nothing. */
  decidedBy: 'regulated_rule' | 'rule' | 'model' | 'none';
}

/**
 * Combines the three detection signals of issue 10 (retrieval confidence, intent detectors, explicit rules)
 * into one explainable decision. A rule of a regulated category (legal, medical, fraud, regulated transactions)
 * always escalates and its path wins over anything the model says; other rules also escalate and may force a
 * path; otherwise any fired model class, an out-of-scope turn or retrieval confidence below its threshold
 * escalates. Pure: no I/O.
 */
export function decide(input: DecisionInput): Decision {
  const reasons: DecisionReason[] = [];
  const rules = [...(input.rules ?? [])].sort((a, b) => Number(b.regulated) - Number(a.regulated));
  for (const r of rules) {
    reasons.push({
      signal: 'rule',
      ruleId: r.ruleId,
      category: r.category,
      path: r.path,
      evidence: r.evidence,
    });
  }
  for (const c of input.classes ?? []) {
    if (!c.fired) continue;
    reasons.push({
      signal: 'model',
      class: c.class,
      score: c.score,
      threshold: c.threshold,
      margin: c.margin,
      evidence: c.evidence,
    });
  }
  if (input.scope && !input.scope.inScope) {
    reasons.push({
      signal: 'out_of_scope',
      intent: input.scope.intent,
      score: input.scope.score,
      threshold: input.scope.threshold,
      similarity: input.scope.similarity,
      similarityThreshold: input.scope.similarityThreshold,
    });
  }
  if (input.retrieval && input.retrieval.score < input.retrieval.threshold) {
    reasons.push({ signal: 'retrieval', score: input.retrieval.score, threshold: input.retrieval.threshold });
  }
  const decidedBy: Decision['decidedBy'] = rules.some((r) => r.regulated)
    ? 'regulated_rule'
    : rules.length
      ? 'rule'
      : reasons.length
        ? 'model'
        : 'none';
  const forcedPath = rules.find((r) => r.path)?.path ?? null;
  const intent = input.botIntent ?? (input.scope?.inScope ? input.scope.intent : null);
  return { escalate: reasons.length > 0, reasons, intent, forcedPath, decidedBy };
}
