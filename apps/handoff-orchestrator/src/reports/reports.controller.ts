import { RequireScopes } from '@hub/auth';
import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { GROUP_BY, handoffReportCsv, type HandoffReport } from './handoff-report';
import { HandoffReportUseCase } from './handoff-report.usecase';

const MAX_WINDOW_DAYS = 366;

/** Query of `GET /v1/reports/handoffs`. */
export const HandoffReportQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    groupBy: z.enum(GROUP_BY).optional(),
    format: z.enum(['json', 'csv']).optional(),
  })
  .superRefine((q, ctx) => {
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(to > from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (to - from > MAX_WINDOW_DAYS * 86_400_000) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `window longer than ${MAX_WINDOW_DAYS} days` });
    }
  });
type HandoffReportQuery = z.infer<typeof HandoffReportQuerySchema>;

const rateSchema = z.object({
  value: z.number().min(0).max(1).nullable(),
  numerator: z.number().int(),
  denominator: z.number().int(),
  denominatorLabel: z.string(),
});
const figures = {
  liveHandoffs: z.number().int(),
  accepted: z.number().int(),
  timeToPickupP50Seconds: z.number().nullable(),
  timeToPickupP90Seconds: z.number().nullable(),
  abandonedBeforePickup: rateSchema,
  due: z.number().int(),
  completed: z.number().int(),
  fulfilment: rateSchema,
};
const HandoffReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(GROUP_BY).nullable(),
  handoffs: z.number().int(),
  byPath: z.object({ form: z.number().int(), live_agent: z.number().int(), callback: z.number().int() }),
  handoffRate: rateSchema,
  paths: z.object({
    escalatingDecisions: z.number().int(),
    offered: z.record(z.string(), rateSchema),
    picked: z.record(z.string(), rateSchema),
  }),
  ...figures,
  knowledgeGaps: z.array(
    z.object({
      intent: z.string(),
      conversations: z.number().int(),
      handedOff: z.number().int(),
      handoffRate: rateSchema,
    }),
  ),
  groups: z.array(
    z.object({
      key: z.string(),
      handoffs: z.number().int(),
      share: rateSchema,
      handoffRate: rateSchema.optional(),
      ...figures,
    }),
  ),
});

/**
 * `GET /v1/reports/handoffs` (issue 10; seed 003 "Handoff report"): handoffs, handoff rate, paths offered vs
 * picked, time to pickup p50/p90, abandoned before pickup, callback fulfilment and knowledge gaps over a window,
 * optionally grouped; JSON, or CSV with `Accept: text/csv` or `format=csv`. Scope `reports:read`.
 */
@ApiTags('reports')
@ApiTenant()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly report: HandoffReportUseCase) {}

  @RequireScopes('reports:read')
  @Get('handoffs')
  @ApiOperation({
    summary: 'Handoff report over [from, to): rates with their denominators (docs/escalation-policy.md)',
  })
  @ApiQuery({ name: 'from', required: true, description: 'Window start (RFC 3339, inclusive)' })
  @ApiQuery({ name: 'to', required: true, description: 'Window end (RFC 3339, exclusive; at most 366 days)' })
  @ApiQuery({ name: 'groupBy', required: false, enum: GROUP_BY })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Overrides Accept' })
  @ApiProduces('application/json', 'text/csv')
  @ApiJsonResponse(200, HandoffReportSchema, { name: 'HandoffReport', description: 'The report (or CSV)' })
  @ApiProblem(400, 'Bad query; `errors[].field` names it (e.g. `query.to`)')
  async handoffs(
    @TenantId() tenantId: string,
    @Query(new ZodValidationPipe(HandoffReportQuerySchema, 'query.')) q: HandoffReportQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HandoffReport | string> {
    const r = await this.report.execute(tenantId, new Date(q.from), new Date(q.to), q.groupBy);
    const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
    if (!csv) return r;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
    res.setHeader('Content-Disposition', 'attachment; filename="handoffs.csv"');
    return handoffReportCsv(r);
  }
}
