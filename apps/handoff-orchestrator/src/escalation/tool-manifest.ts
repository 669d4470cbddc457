import type { EscalationConfig } from './escalation-config';

/** JSON Schema (draft 2020-12 subset OpenAI accepts) of a function's parameters. */
export type JsonSchema = Record<string, unknown>;

/** An OpenAI-compatible tool definition (Chat Completions / Responses `tools[]` entry of type `function`). */
export interface OpenAiTool {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchema; strict?: boolean };
}

/** How the bot executes a tool call against the hub (not part of the OpenAI format; served next to it). */
export interface ToolBinding {
  tool: string;
  /** `hub` = call the endpoint; `pending` = the endpoint is issue 11 (part 2): the bot handles it itself. */
  status: 'hub' | 'pending';
  method?: 'POST';
  path?: string;
  note: string;
}

/** `GET /v1/escalation/tools`: the tenant's tools, the guardrail prompt block and how to execute each tool. */
export interface ToolManifest {
  tools: OpenAiTool[];
  guardrailPrompt: string;
  bindings: ToolBinding[];
}

/** OpenAI's rule for function names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const CHANNELS = ['voice', 'video', 'chat'];

/**
 * Builds the tenant's tool manifest (seed 003, "Expose the handoff tools to the agent"): OpenAI-compatible function
 * definitions for `send_secure_form`, `transfer_to_human`, `schedule_callback` and `propose_callback_slots` — only
 * the paths the tenant has enabled — and its guardrail prompt block. Every `parameters` is a closed JSON Schema
 * object (`additionalProperties: false`). Pure.
 */
export function buildToolManifest(config: EscalationConfig): ToolManifest {
  const tools: OpenAiTool[] = [];
  const bindings: ToolBinding[] = [];
  if (config.paths.form.enabled) {
    tools.push({
      type: 'function',
      function: {
        name: 'send_secure_form',
        description:
          'Send the customer a signed, time-limited link to a pre-filled self-service form, for routine but ' +
          'structured changes and for data that must not be typed into the chat (card numbers, IDs, medical ' +
          'records). The conversation stays open.',
        parameters: {
          type: 'object',
          properties: {
            template_id: {
              type: 'string',
              description: 'Form template to use',
              ...(config.paths.form.templateId ? { default: config.paths.form.templateId } : {}),
            },
            prefilled_data: {
              type: 'object',
              description: 'Fields already gathered in the chat, by form field name',
              additionalProperties: { type: ['string', 'number', 'boolean'] },
            },
            return_url: { type: 'string', format: 'uri', description: 'Where the form returns after submit' },
            decision_id: {
              type: 'string',
              description: 'decisionId of the escalation decision, for the audit',
            },
            conversation_id: {
              type: 'string',
              description: 'The conversation the submit note goes to (default: the decision’s)',
            },
          },
          required: ['template_id', 'prefilled_data'],
          additionalProperties: false,
        },
      },
    });
    bindings.push({
      tool: 'send_secure_form',
      status: 'hub',
      method: 'POST',
      path: '/v1/forms/links',
      note:
        'POST the arguments as the body (scope forms:send), plus conversation_id unless decision_id is given; ' +
        'send the returned url to the customer. With decision_id the decision records pathPicked "form".',
    });
  }
  if (config.paths.live_agent.enabled) {
    tools.push({
      type: 'function',
      function: {
        name: 'transfer_to_human',
        description:
          'Transfer the conversation to a human agent (warm handover): the agent gets the transcript, the ' +
          "customer's intent, the data gathered so far and the reasons of the escalation decision. Only after the " +
          'customer chose this option.',
        parameters: {
          type: 'object',
          properties: {
            decision_id: { type: 'string', description: 'decisionId from POST /v1/escalation/decisions' },
            intent: { type: 'string', description: "The customer's intent (default: the decision's)" },
            summary: { type: 'string', description: 'One or two sentences for the agent' },
            gathered_data: {
              type: 'object',
              description: 'Data gathered in the chat (name, policy number …)',
              additionalProperties: { type: ['string', 'number', 'boolean'] },
            },
          },
          required: ['decision_id', 'summary'],
          additionalProperties: false,
        },
      },
    });
    bindings.push({
      tool: 'transfer_to_human',
      status: 'hub',
      method: 'POST',
      path: '/v1/handoffs',
      note: 'Body: the handoff request with decisionId = decision_id, attributes = gathered_data, transcript',
    });
  }
  if (config.paths.callback.enabled) {
    tools.push(
      {
        type: 'function',
        function: {
          name: 'propose_callback_slots',
          description: "Get up to 3 callback slots from the team's availability, to offer to the customer.",
          parameters: {
            type: 'object',
            properties: {
              customer_id: { type: 'string' },
              channel: { type: 'string', enum: CHANNELS },
              duration: {
                type: 'integer',
                minimum: 5,
                maximum: 120,
                description: 'Minutes (default: voice 15, video 30, chat 30)',
              },
            },
            required: ['customer_id', 'channel'],
            additionalProperties: false,
          },
        },
      },
      {
        type: 'function',
        function: {
          name: 'schedule_callback',
          description:
            'Book the callback slot the customer picked on the team calendar and send confirmations; the ' +
            'conversation then closes with a confirmation message.',
          parameters: {
            type: 'object',
            properties: {
              customer_id: { type: 'string' },
              slot_start: {
                type: 'string',
                format: 'date-time',
                description: 'Start of the picked slot (RFC 3339)',
              },
              channel: { type: 'string', enum: CHANNELS },
              duration: { type: 'integer', minimum: 5, maximum: 120 },
              decision_id: {
                type: 'string',
                description: 'decisionId of the escalation decision, for the audit',
              },
            },
            required: ['customer_id', 'slot_start', 'channel'],
            additionalProperties: false,
          },
        },
      },
    );
    bindings.push(
      {
        tool: 'propose_callback_slots',
        status: 'hub',
        method: 'POST',
        path: '/v1/callbacks/slots',
        note: "Body: {queueId: the team's queue, customerId: customer_id, channel, durationMin: duration}",
      },
      {
        tool: 'schedule_callback',
        status: 'hub',
        method: 'POST',
        path: '/v1/callbacks',
        note:
          'Body: {queueId, customerId: customer_id, channel, startsAt: slot_start, durationMin: duration, ' +
          'decisionId: decision_id, conversationId, customer: {name, email, phone}, context}; 409 = slot taken',
      },
    );
  }
  return { tools, guardrailPrompt: config.guardrailPrompt, bindings };
}
