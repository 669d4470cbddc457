import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { NotFoundProblem } from '../../http/problems';
import { HandoffRepository } from '../handoff.repository';
import { presentHandoff, type HandoffView } from '../handoff.presenter';

/** Reads one handoff of the tenant with its transitions (audit trail). */
@Injectable()
export class GetHandoffUseCase {
  constructor(private readonly handoffs: HandoffRepository) {}

  /** @throws NotFoundProblem (404) when the id is unknown in this tenant (other tenants' handoffs included) */
  async execute(tenantId: string, id: string): Promise<HandoffView> {
    const r = z.uuid().safeParse(id).success ? await this.handoffs.findWithTransitions(tenantId, id) : null;
    if (!r) throw new NotFoundProblem(`handoff ${id} not found`);
    return presentHandoff(r.handoff, r.transitions);
  }
}
