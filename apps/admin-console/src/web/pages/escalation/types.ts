import type { EscalationRule } from '@hub/escalation-rules';

export type { EscalationRule };

/** Per detector class: on/off, threshold (mean cosine, -1..1) and margin over ordinary requests. */
export interface Detector {
  enabled?: boolean;
  threshold?: number;
  margin?: number;
}

/** The orchestrator's `EscalationConfig` (docs/escalation-policy.md); the console edits the effective one. */
export interface EscalationConfig {
  retrieval: { enabled: boolean; knowledgeBaseId?: string; threshold?: number };
  detectors: Partial<Record<DetectorClass, Detector>>;
  scope: { enabled: boolean; examples: { text: string; intent: string }[]; rejectRate?: number };
  rules: EscalationRule[];
  paths: {
    form: { enabled: boolean; templateId?: string };
    live_agent: { enabled: boolean; queueId?: string };
    callback: { enabled: boolean };
  };
  templates: {
    handoffMessage: string;
    handoffMessageWithoutIntent: string;
    offerMessage: string;
    liveAgentWait: string;
    intentLabels: Record<string, string>;
  };
  guardrailPrompt: string;
  fallthrough: ('callback' | 'form')[];
}

export const DETECTOR_CLASSES = [
  'human_request',
  'complaint',
  'frustration',
  'legal_advice',
  'medical_advice',
  'financial_advice',
] as const;
export type DetectorClass = (typeof DETECTOR_CLASSES)[number];

/** `GET /v1/escalation/config`. */
export interface ConfigView {
  config: EscalationConfig;
  revision: number;
  updatedAt: string | null;
}

/** A form template field (orchestrator form.schemas.ts `FormFieldSchema`). */
export interface FormField {
  name: string;
  label: string;
  type: 'text' | 'textarea' | 'email' | 'phone' | 'date' | 'number' | 'select' | 'checkbox';
  required?: boolean;
  sensitive?: boolean;
  help?: string;
  options?: { value: string; label: string }[];
}

/** `FormTemplate` of `/v1/forms/templates`. */
export interface FormTemplate {
  id: string;
  name: string;
  title: string;
  description: string | null;
  fields: FormField[];
  webhookUrl: string;
  linkTtlSeconds: number;
  revision: number;
}
