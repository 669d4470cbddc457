import { PlatformAdminOnly } from '@hub/auth';
import { Controller, Get } from '@nestjs/common';
import { ReaderSupervisor, type ReaderStatus } from '../stream/reader-supervisor.service';

/** Operational view of the readers (no secrets); every tenant's readers, so platform admins only. */
@PlatformAdminOnly()
@Controller('v1')
export class StatusController {
  constructor(private readonly supervisor: ReaderSupervisor) {}

  /** One entry per running reader: integration, tenant, connection state, connections, last failure. */
  @Get('readers')
  readers(): { readers: ReaderStatus[] } {
    return { readers: this.supervisor.status() };
  }
}
