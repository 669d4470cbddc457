import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { EscalationRepository } from '../../escalation/escalation.repository';
import { BadRequestProblem, NotFoundProblem } from '../../http/problems';
import { FORM_LINK_SIGNER, jtiHash, type FormLinkSigner } from '../form-link.signer';
import { FormMetrics } from '../form-metrics';
import { validatePrefilled, type IssueFormLinkBody, type IssuedFormLink } from '../form.schemas';
import { FormsRepository } from '../forms.repository';
import { FORMS_OPTIONS, type FormsOptions } from '../forms.tokens';

/**
 * `send_secure_form(template_id, prefilled_data, return_url)` (`template_id`: id or name): validates the prefilled data against the
 * template (unknown / sensitive / invalid field → 400 `prefilled_data.<field>`), stores the link (prefilled
 * data, conversation, jti hash, expiry) and returns a signed single-use URL. With a `decision_id` the
 * decision's conversation is used (unless given) and the decision records `pathPicked: form`.
 */
@Injectable()
export class IssueFormLinkUseCase {
  constructor(
    private readonly repo: FormsRepository,
    private readonly decisions: EscalationRepository,
    @Inject(FORM_LINK_SIGNER) private readonly signer: FormLinkSigner,
    @Inject(FORMS_OPTIONS) private readonly opts: FormsOptions,
    private readonly metrics: FormMetrics,
  ) {}

  /**
   * @param baseUrl where `/forms/{token}` is reachable when FORMS_PUBLIC_BASE_URL is unset (the request's origin)
   * @throws NotFoundProblem (`template_id`, `decision_id`), BadRequestProblem (`prefilled_data.<field>`)
   */
  async issue(tenantId: string, body: IssueFormLinkBody, baseUrl: string): Promise<IssuedFormLink> {
    const template = z.uuid().safeParse(body.template_id).success
      ? await this.repo.getTemplate(tenantId, body.template_id)
      : await this.repo.getTemplateByName(tenantId, body.template_id);
    if (!template) throw new NotFoundProblem(`form template ${body.template_id} not found`, 'template_id');
    const prefilled = validatePrefilled(template.fields, body.prefilled_data);
    if (!prefilled.ok) {
      throw new BadRequestProblem(
        prefilled.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        prefilled.errors[0]?.field,
      );
    }
    let conversationId = body.conversation_id ?? null;
    if (body.decision_id) {
      const decision = await this.decisions.getDecision(tenantId, body.decision_id);
      if (!decision) throw new NotFoundProblem(`decision ${body.decision_id} not found`, 'decision_id');
      conversationId ??= decision.conversationId;
    }
    const ttl = Math.min(body.expires_in ?? template.linkTtlSeconds, template.linkTtlSeconds);
    const id = randomUUID();
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + ttl) * 1000);
    const { token, jti } = await this.signer.sign(tenantId, id, expiresAt);
    await this.repo.insertLink({
      id,
      tenantId,
      templateId: template.id,
      jtiHash: jtiHash(jti),
      conversationId,
      handoffId: body.handoff_id ?? null,
      decisionId: body.decision_id ?? null,
      prefilled: prefilled.values,
      returnUrl: body.return_url ?? null,
      templateRevision: template.revision,
      expiresAt,
    });
    this.metrics.linksIssued.inc();
    if (body.decision_id) await this.decisions.followUp(tenantId, body.decision_id, { pathPicked: 'form' });
    const base = (this.opts.publicBaseUrl ?? baseUrl).replace(/\/+$/, '');
    const url =
      template.target.type === 'hosted'
        ? `${base}/forms/${token}`
        : `${template.target.url}${template.target.url.includes('?') ? '&' : '?'}form_token=${token}`;
    return { linkId: id, templateId: template.id, url, expiresAt: expiresAt.toISOString(), conversationId };
  }
}
