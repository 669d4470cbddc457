import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { Outbox, type OutboxMessage } from '@hub/persistence';
import { SERVICE } from '../../handoffs/handoff-events';
import { FORM_LINK_SIGNER, FormLinkTokenError, jtiHash, type FormLinkSigner } from '../form-link.signer';
import { validateFormValues, type FieldError, type FormTemplate, type FormValues } from '../form.schemas';
import { FormsRepository, type StoredFormLink } from '../forms.repository';
import { FormWebhookDispatcher } from '../form-webhook.dispatcher';

/**
 * A link that cannot be used, with the status and the sentence of its page: 401 (not a valid link: bad
 * signature, wrong audience or issuer, malformed), 404 (no such link for its tenant: deleted template,
 * another tenant's link), 410 (expired, or already used).
 */
export class FormLinkProblem extends Error {
  constructor(
    readonly status: 401 | 404 | 410,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormLinkProblem';
  }
}

/** What the page shows for a usable link. */
export interface OpenForm {
  template: FormTemplate;
  link: StoredFormLink;
  /** Values to show in the inputs: the prefilled ones (never sensitive). */
  values: FormValues;
  /** SHA-256 of the token's jti (the link's key in the database). */
  jtiHash: Buffer;
}

/** The outcome of a submit. */
export type SubmitOutcome =
  | { ok: true; template: FormTemplate; returnUrl: string | null }
  | { ok: false; form: OpenForm; errors: FieldError[]; values: Record<string, string> };

/**
 * The customer's side of a form link (`GET/POST /forms/{token}`). Opening never consumes (mail scanners
 * open links). Submitting validates the values against the template on the server, then in ONE
 * transaction consumes the link (single use, enforced by the database), stores the submission encrypted
 * with its durable webhook delivery, and writes the conversation's internal note to the outbox. Values
 * are never logged; the note names the form only.
 */
@Injectable()
export class SubmitFormUseCase {
  constructor(
    private readonly repo: FormsRepository,
    @Inject(FORM_LINK_SIGNER) private readonly signer: FormLinkSigner,
    private readonly dispatcher: FormWebhookDispatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws FormLinkProblem */
  async open(token: string): Promise<OpenForm> {
    const claims = await this.verify(token);
    const hash = jtiHash(claims.jti);
    const link = await this.repo.findLink(claims.tenantId, claims.linkId, hash);
    if (!link) throw new FormLinkProblem(404, 'Form not found', 'This form link does not exist (any more).');
    if (link.consumedAt)
      throw new FormLinkProblem(
        410,
        'Form already sent',
        'This form has already been submitted. Each link works once.',
      );
    if (link.expiresAt.getTime() <= Date.now())
      throw new FormLinkProblem(
        410,
        'Link expired',
        'This form link has expired. Please ask for a new one in the chat.',
      );
    const template = await this.repo.getTemplate(claims.tenantId, link.templateId);
    if (!template) throw new FormLinkProblem(404, 'Form not found', 'This form does not exist (any more).');
    const sensitive = new Set(template.fields.filter((f) => f.sensitive).map((f) => f.name));
    const values = Object.fromEntries(Object.entries(link.prefilled).filter(([k]) => !sensitive.has(k)));
    return { template, link, values, jtiHash: hash };
  }

  /**
   * Validates and stores a submission.
   * @param raw the submitted fields (strings, as an HTML form posts them)
   * @returns success, or the field errors (with the non-sensitive values to show again)
   * @throws FormLinkProblem (unusable link, or a concurrent submit consumed it first)
   */
  async submit(token: string, raw: Record<string, unknown>): Promise<SubmitOutcome> {
    const form = await this.open(token);
    const { template, link } = form;
    const checked = validateFormValues(template.fields, raw);
    if (!checked.ok) {
      const sensitive = new Set(template.fields.filter((f) => f.sensitive).map((f) => f.name));
      const values: Record<string, string> = {};
      for (const f of template.fields)
        if (!sensitive.has(f.name) && typeof raw[f.name] === 'string') values[f.name] = raw[f.name] as string;
      this.logger.info(
        { tenantId: link.tenantId, linkId: link.id, fields: checked.errors.map((e) => e.field) },
        'form submission invalid',
      );
      return { ok: false, form, errors: checked.errors, values };
    }
    const submissionId = randomUUID();
    const submittedAt = new Date().toISOString();
    const outbox: OutboxMessage[] = link.conversationId
      ? [this.note(link.tenantId, link.conversationId, submissionId, template, link.handoffId, submittedAt)]
      : [];
    const stored = await this.repo.consumeAndSubmit({
      tenantId: link.tenantId,
      linkId: link.id,
      jtiHash: form.jtiHash,
      submissionId,
      templateId: template.id,
      webhookUrl: template.webhookUrl,
      payload: {
        type: 'form.submitted',
        id: submissionId,
        tenantId: link.tenantId,
        template: { id: template.id, name: template.name },
        linkId: link.id,
        conversationId: link.conversationId,
        handoffId: link.handoffId,
        decisionId: link.decisionId,
        submittedAt,
        data: checked.values,
      },
      outbox,
    });
    if (!stored.ok) {
      throw stored.reason === 'consumed'
        ? new FormLinkProblem(
            410,
            'Form already sent',
            'This form has already been submitted. Each link works once.',
          )
        : stored.reason === 'expired'
          ? new FormLinkProblem(
              410,
              'Link expired',
              'This form link has expired. Please ask for a new one in the chat.',
            )
          : new FormLinkProblem(404, 'Form not found', 'This form link does not exist (any more).');
    }
    this.logger.info(
      { tenantId: link.tenantId, linkId: link.id, submissionId, templateId: template.id },
      'form submitted',
    );
    this.dispatcher.kick();
    return { ok: true, template, returnUrl: link.returnUrl };
  }

  private async verify(token: string) {
    try {
      return await this.signer.verify(token);
    } catch (e) {
      if (e instanceof FormLinkTokenError && e.reason === 'expired')
        throw new FormLinkProblem(
          410,
          'Link expired',
          'This form link has expired. Please ask for a new one in the chat.',
        );
      throw new FormLinkProblem(401, 'Invalid link', 'This is not a valid form link.');
    }
  }

  /**
   * The internal note for the conversation (`hub.conversation.messages.v1`, direction `inbound`, sender role
   * `system`, kind `text`): agents and the transcript see it; bot platforms deliver only `outbound` messages
   * to the customer. It names the form, never a value. `messageId` = `form-submission:<id>` (dedupe).
   */
  private note(
    tenantId: string,
    conversationId: string,
    submissionId: string,
    template: FormTemplate,
    handoffId: string | null,
    sentAt: string,
  ): OutboxMessage {
    return Outbox.kafka(
      'conversationMessages',
      newEnvelope({
        id: randomUUID(),
        type: 'conversation.message' as const,
        version: 1 as const,
        tenantId,
        source: SERVICE,
        correlationId: conversationId,
        ...(handoffId ? { causationId: handoffId } : {}),
        data: {
          conversationId,
          messageId: `form-submission:${submissionId}`,
          direction: 'inbound' as const,
          sender: { role: 'system' as const, name: 'Forms' },
          kind: 'text' as const,
          text: template.noteText ?? `form ${template.name} submitted`,
          sentAt,
        },
      }) as TopicEvent<'conversationMessages'>,
    );
  }
}
