import { AuthenticatedBy } from '@hub/auth';
import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { problemBody, sendProblem } from '@hub/http';
import { FORM_PAGE_HEADERS, renderFormPage, renderProblemPage, renderSuccessPage } from './form-page.html';
import { FormMetrics } from './form-metrics';
import { FormPageRateLimiter } from './form-page-rate-limiter';
import { FormLinkProblem, SubmitFormUseCase } from './usecases/submit-form.usecase';

const html = { 'text/html': { schema: { type: 'string' as const } } };

/**
 * `/forms/{token}`: the hub-hosted form page. No API credential — the signed link is the credential
 * (`@AuthenticatedBy('signed-link')`, exempt from the hub guard). GET shows the form and never consumes the
 * link; POST (urlencoded from the page, or JSON from a tenant's own page) validates on the server and
 * consumes it. A tenant's own page (target `external`) reads the form with `Accept: application/json`. Unusable links get a page (or problem+json) with 401 / 404 / 410; too many requests 429.
 */
@ApiTags('forms')
@AuthenticatedBy('signed-link')
@Controller('forms')
export class FormPageController {
  constructor(
    private readonly forms: SubmitFormUseCase,
    private readonly limiter: FormPageRateLimiter,
    private readonly metrics: FormMetrics,
  ) {}

  @Get(':token')
  @ApiOperation({ summary: 'The form page of a link (never consumes it)' })
  @ApiParam({ name: 'token', description: 'The link’s JWT' })
  @ApiProduces('text/html', 'application/json')
  @ApiResponse({
    status: 200,
    description:
      'The form (HTML); with `Accept: application/json` its description for a tenant’s own page: ' +
      '`{title, description, fields, values, expiresAt}` (values = the prefilled, never sensitive ones)',
    content: {
      ...html,
      'application/json': { schema: { type: 'object', additionalProperties: true } },
    },
  })
  @ApiResponse({ status: 401, description: 'Not a valid link (signature, audience, issuer)', content: html })
  @ApiResponse({ status: 404, description: 'No such link (deleted, or another tenant’s)', content: html })
  @ApiResponse({ status: 410, description: 'Expired or already submitted', content: html })
  @ApiResponse({ status: 429, description: 'Too many requests (`Retry-After`)', content: html })
  async show(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (await this.limited(req, res)) return;
    try {
      const form = await this.forms.open(token);
      this.metrics.page.inc({ method: 'GET', result: 'shown' });
      if (this.wantsJson(req)) {
        res.setHeader('cache-control', 'no-store');
        res.status(200).json({
          title: form.template.title,
          description: form.template.description,
          fields: form.template.fields,
          values: form.values,
          expiresAt: form.link.expiresAt.toISOString(),
        });
        return;
      }
      this.html(res, 200, renderFormPage(form.template, `/forms/${token}`, form.values));
    } catch (e) {
      this.fail(e, req, res);
    }
  }

  @Post(':token')
  @ApiOperation({
    summary: 'Submit the form (consumes the link once)',
    description:
      'application/x-www-form-urlencoded from the page (answers HTML: the success page, or the form again with ' +
      'each error next to its field, 400), or application/json from a tenant’s own page (answers JSON / ' +
      'problem+json naming each field).',
  })
  @ApiParam({ name: 'token', description: 'The link’s JWT' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    required: true,
    description: 'The form fields by name (strings)',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  })
  @ApiProduces('text/html', 'application/json')
  @ApiResponse({ status: 200, description: 'Submitted (success page)', content: html })
  @ApiResponse({ status: 400, description: 'Invalid fields (shown next to each field)', content: html })
  @ApiResponse({ status: 401, description: 'Not a valid link', content: html })
  @ApiResponse({ status: 404, description: 'No such link', content: html })
  @ApiResponse({ status: 410, description: 'Expired or already submitted (replay)', content: html })
  @ApiResponse({ status: 429, description: 'Too many requests (`Retry-After`)', content: html })
  async submit(
    @Param('token') token: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const linkKey = createHash('sha256').update(token).digest('base64url');
    if (await this.limited(req, res, linkKey)) return;
    const json = this.wantsJson(req);
    const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    try {
      const out = await this.forms.submit(token, raw);
      this.metrics.page.inc({ method: 'POST', result: out.ok ? 'submitted' : 'invalid' });
      if (out.ok) {
        if (json) res.status(200).json({ status: 'submitted' });
        else this.html(res, 200, renderSuccessPage(out.template, out.returnUrl));
      } else if (json) {
        sendProblem(
          res,
          problemBody(400, out.errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
            extensions: { errors: out.errors },
          }),
        );
      } else {
        this.html(res, 400, renderFormPage(out.form.template, `/forms/${token}`, out.values, out.errors));
      }
    } catch (e) {
      this.fail(e, req, res);
    }
  }

  private async limited(req: Request, res: Response, linkKey?: string): Promise<boolean> {
    const wait = await this.limiter.hit(req.ip ?? req.socket.remoteAddress ?? 'unknown', linkKey);
    if (wait === null) return false;
    this.metrics.page.inc({ method: req.method, result: 'rate_limited' });
    res.setHeader('retry-after', String(wait));
    this.html(res, 429, renderProblemPage('Too many requests', `Please wait ${wait} seconds and try again.`));
    return true;
  }

  /** A tenant's own page (server side) asking for JSON rather than the hub's HTML page. */
  private wantsJson(req: Request): boolean {
    return req.method === 'POST'
      ? !!req.is('application/json')
      : req.accepts(['text/html', 'application/json']) === 'application/json';
  }

  private fail(e: unknown, req: Request, res: Response): void {
    if (!(e instanceof FormLinkProblem)) throw e;
    this.metrics.page.inc({ method: req.method, result: `refused_${e.status}` });
    if (this.wantsJson(req)) {
      sendProblem(res, problemBody(e.status, e.message));
      return;
    }
    this.html(res, e.status, renderProblemPage(e.title, e.message));
  }

  private html(res: Response, status: number, body: string): void {
    for (const [k, v] of Object.entries(FORM_PAGE_HEADERS)) res.setHeader(k, v);
    res.status(status).type('text/html; charset=utf-8').send(body);
  }
}
