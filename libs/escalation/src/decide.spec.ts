import { decide } from './decide';
import type { ClassSignal } from './detectors/prototype-detector';
import type { RuleMatch } from './rules/rules';

const complaint: ClassSignal = {
  class: 'complaint',
  fired: true,
  score: 0.61,
  threshold: 0.3,
  ordinaryScore: 0.35,
  margin: 0.1,
  evidence: 'I want to file a complaint',
};
const quietFrustration: ClassSignal = { ...complaint, class: 'frustration', fired: false, score: 0.2 };
const legalRule: RuleMatch = {
  ruleId: 'legal-keywords',
  kind: 'keyword',
  category: 'legal',
  path: 'form',
  regulated: true,
  evidence: 'keyword "lawsuit"',
};
const refundRule: RuleMatch = {
  ...legalRule,
  ruleId: 'refund',
  category: 'general',
  regulated: false,
  path: 'callback',
};

describe('decide', () => {
  it('does not escalate when no signal fires, and keeps the detected intent', () => {
    const d = decide({
      classes: [quietFrustration],
      scope: {
        inScope: true,
        intent: 'book_hotel',
        score: 0.9,
        threshold: 0.4,
        similarity: 0.8,
        similarityThreshold: 0.5,
      },
      retrieval: { score: 0.8, threshold: 0.5 },
    });
    expect(d).toEqual({
      escalate: false,
      reasons: [],
      intent: 'book_hotel',
      forcedPath: null,
      decidedBy: 'none',
    });
  });

  it('records each fired model signal with its score and threshold', () => {
    const d = decide({
      classes: [complaint, quietFrustration],
      scope: {
        inScope: false,
        intent: 'weather',
        score: 0.6,
        threshold: 0.4,
        similarity: 0.3,
        similarityThreshold: 0.5,
      },
      retrieval: { score: 0.3, threshold: 0.5 },
      botIntent: 'billing',
    });
    expect(d.escalate).toBe(true);
    expect(d.decidedBy).toBe('model');
    expect(d.intent).toBe('billing');
    expect(d.reasons).toEqual([
      {
        signal: 'model',
        class: 'complaint',
        score: 0.61,
        threshold: 0.3,
        margin: 0.1,
        evidence: 'I want to file a complaint',
      },
      {
        signal: 'out_of_scope',
        intent: 'weather',
        score: 0.6,
        threshold: 0.4,
        similarity: 0.3,
        similarityThreshold: 0.5,
      },
      { signal: 'retrieval', score: 0.3, threshold: 0.5 },
    ]);
  });

  it('lets a regulated rule win over the model: it escalates alone, leads the reasons and forces its path', () => {
    const alone = decide({ rules: [legalRule], classes: [quietFrustration] });
    expect(alone).toMatchObject({ escalate: true, decidedBy: 'regulated_rule', forcedPath: 'form' });
    const withOthers = decide({ rules: [refundRule, legalRule], classes: [complaint] });
    expect(withOthers.reasons.map((r) => (r.signal === 'rule' ? r.ruleId : r.signal))).toEqual([
      'legal-keywords',
      'refund',
      'model',
    ]);
    expect(withOthers.forcedPath).toBe('form');
    expect(withOthers.decidedBy).toBe('regulated_rule');
  });

  it('lets a general rule force its path', () => {
    expect(decide({ rules: [refundRule] })).toMatchObject({
      escalate: true,
      decidedBy: 'rule',
      forcedPath: 'callback',
    });
  });
});
