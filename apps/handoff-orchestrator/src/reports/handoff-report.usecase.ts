import { Injectable } from '@nestjs/common';
import { computeHandoffReport, type GroupBy, type HandoffReport } from './handoff-report';
import { CallbackClock } from '../customer-callbacks/callback-clock';
import { HandoffReportRepository } from './handoff-report.repository';

/** The handoff report of one tenant and window: the repository's rows, counted by {@link computeHandoffReport}. */
@Injectable()
export class HandoffReportUseCase {
  constructor(
    private readonly repo: HandoffReportRepository,
    /** "now" of the callbacks-due cut-off: the customer callbacks' clock (docs/callbacks.md). */
    private readonly clock: CallbackClock,
  ) {}

  async execute(tenantId: string, from: Date, to: Date, groupBy?: GroupBy): Promise<HandoffReport> {
    const rows = await this.repo.rows(tenantId, from, to);
    return computeHandoffReport({ from, to, now: this.clock.now(), groupBy, ...rows });
  }
}
