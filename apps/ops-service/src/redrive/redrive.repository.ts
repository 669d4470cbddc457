import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, forTenant, type PrismaClient } from '@hub/persistence';

/** One redrive as recorded (audit + idempotency key). */
export interface RedriveRecord {
  tenantId: string;
  dlqTopic: string;
  dlqPartition: number;
  dlqOffset: string;
  eventId: string | null;
  originalTopic: string;
  reason: string;
  error: string | null;
  status: 'pending' | 'done';
  requestedBy: string;
  /** ISO 8601. */
  requestedAt: string;
  /** ISO 8601, once Kafka acknowledged the message; null while pending. */
  redrivenAt: string | null;
}

type Row = {
  tenantId: string;
  dlqTopic: string;
  dlqPartition: number;
  dlqOffset: string;
  eventId: string | null;
  originalTopic: string;
  reason: string;
  error: string | null;
  status: string;
  requestedBy: string;
  requestedAt: Date;
  redrivenAt: Date | null;
};

function toRecord(r: Row): RedriveRecord {
  return {
    ...r,
    status: r.status as RedriveRecord['status'],
    requestedAt: r.requestedAt.toISOString(),
    redrivenAt: r.redrivenAt?.toISOString() ?? null,
  };
}

/** `dead_letter_redrives` (owner: ops-service), tenant-scoped through RLS (`forTenant`). */
@Injectable()
export class RedriveRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Records the request unless this dead letter already has a record (first writer wins: one row per
   * DLQ position, the primary key). Returns the row as stored and whether this call created it.
   */
  async claim(
    r: Omit<RedriveRecord, 'status' | 'requestedAt' | 'redrivenAt'>,
  ): Promise<{ record: RedriveRecord; created: boolean }> {
    const db = forTenant(this.prisma, r.tenantId);
    const key = {
      tenantId: r.tenantId,
      dlqTopic: r.dlqTopic,
      dlqPartition: r.dlqPartition,
      dlqOffset: r.dlqOffset,
    };
    const created = await db.deadLetterRedrive.createMany({ data: [r], skipDuplicates: true });
    const row = await db.deadLetterRedrive.findUniqueOrThrow({
      where: { tenantId_dlqTopic_dlqPartition_dlqOffset: key },
    });
    return { record: toRecord(row), created: created.count === 1 };
  }

  /** Marks a redrive done (Kafka acknowledged the message). */
  async markDone(
    r: Pick<RedriveRecord, 'tenantId' | 'dlqTopic' | 'dlqPartition' | 'dlqOffset'>,
  ): Promise<RedriveRecord> {
    const key = {
      tenantId: r.tenantId,
      dlqTopic: r.dlqTopic,
      dlqPartition: r.dlqPartition,
      dlqOffset: r.dlqOffset,
    };
    const row = await forTenant(this.prisma, r.tenantId).deadLetterRedrive.update({
      where: { tenantId_dlqTopic_dlqPartition_dlqOffset: key },
      data: { status: 'done', redrivenAt: new Date() },
    });
    return toRecord(row);
  }

  /** The tenant's redrives, newest first. */
  async list(tenantId: string, limit: number): Promise<RedriveRecord[]> {
    const rows = await forTenant(this.prisma, tenantId).deadLetterRedrive.findMany({
      orderBy: { requestedAt: 'desc' },
      take: limit,
    });
    return rows.map(toRecord);
  }
}
