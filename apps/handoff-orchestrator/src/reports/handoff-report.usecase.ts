import { Injectable } from '@nestjs/common';
import { computeHandoffReport, type GroupBy, type HandoffReport } from './handoff-report';
import { HandoffReportRepository } from './handoff-report.repository';

/** The handoff report of one tenant and window: the repository's rows, counted by {@link computeHandoffReport}. */
@Injectable()
export class HandoffReportUseCase {
  constructor(private readonly repo: HandoffReportRepository) {}

  async execute(tenantId: string, from: Date, to: Date, groupBy?: GroupBy): Promise<HandoffReport> {
    const rows = await this.repo.rows(tenantId, from, to);
    return computeHandoffReport({ from, to, now: new Date(), groupBy, ...rows });
  }
}
