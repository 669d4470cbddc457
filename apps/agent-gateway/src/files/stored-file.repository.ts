import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, forTenant, type PrismaClient, type StoredFileModel } from '@hub/persistence';

export type StoredFileRow = StoredFileModel;

/** Metadata of shared files (`stored_files`), tenant-scoped. */
@Injectable()
export class StoredFileRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async create(row: Omit<StoredFileRow, 'createdAt'>): Promise<StoredFileRow> {
    return forTenant(this.prisma, row.tenantId).storedFile.create({ data: row });
  }

  async find(tenantId: string, id: string): Promise<StoredFileRow | null> {
    return forTenant(this.prisma, tenantId).storedFile.findFirst({ where: { id } });
  }
}
