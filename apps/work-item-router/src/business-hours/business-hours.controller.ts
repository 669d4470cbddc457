import { RequireScopes } from '@hub/auth';
import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { BusinessHoursSpec } from '@hub/scheduling';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { UuidSchema } from '../admin/admin.schemas';
import { BusinessHoursService } from './business-hours.service';
import {
  BusinessHoursViewSchema,
  PutBusinessHoursBodySchema,
  QueueAvailabilityViewSchema,
  QueueRefSchema,
  WorkItemPositionViewSchema,
} from './business-hours.schemas';

const idPipe = new ZodValidationPipe(UuidSchema, 'id');
const queueRefPipe = new ZodValidationPipe(QueueRefSchema, 'id');
const hoursView = { name: 'BusinessHoursView', description: "The queue's business hours" };

/** Business hours and availability of the header tenant's queues (docs/business-hours.md). */
@ApiTags('queues')
@ApiTenant()
@Controller('v1/queues')
export class QueueBusinessHoursController {
  constructor(private readonly hours: BusinessHoursService) {}

  @RequireScopes('routing:read')
  @Get(':id/business-hours')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: "The queue's business hours (schedule null = always open)" })
  @ApiJsonResponse(200, BusinessHoursViewSchema, hoursView)
  @ApiProblem(404, 'Unknown queue')
  get(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    return this.hours.get(tenantId, id);
  }

  @RequireScopes('routing:admin')
  @Put(':id/business-hours')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: 'Set the queue’s business hours: weekly intervals in an IANA zone, date overrides, holidays',
  })
  @ApiJsonBody(PutBusinessHoursBodySchema, { name: 'BusinessHoursBody' })
  @ApiJsonResponse(200, BusinessHoursViewSchema, hoursView)
  @ApiProblem(404, 'Unknown queue')
  put(
    @TenantId() tenantId: string,
    @Param('id', idPipe) id: string,
    @Body(new ZodValidationPipe(PutBusinessHoursBodySchema)) body: BusinessHoursSpec,
  ) {
    return this.hours.put(tenantId, id, body);
  }

  @RequireScopes('routing:admin')
  @Delete(':id/business-hours')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Remove the queue’s business hours (it is then always open)' })
  @ApiJsonResponse(200, BusinessHoursViewSchema, hoursView)
  @ApiProblem(404, 'Unknown queue, or it has no business hours')
  remove(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    return this.hours.remove(tenantId, id);
  }

  @RequireScopes('routing:read')
  @Get(':id/availability')
  @ApiParam({ name: 'id', description: 'Queue id, or `default` for the tenant’s default queue' })
  @ApiOperation({
    summary:
      'Open now / next opening, online agents, free capacity per type, waiting count and estimated wait of a queue',
  })
  @ApiJsonResponse(200, QueueAvailabilityViewSchema, {
    name: 'QueueAvailabilityView',
    description: 'Availability',
  })
  @ApiProblem(404, 'Unknown queue')
  availability(@TenantId() tenantId: string, @Param('id', queueRefPipe) id: string) {
    return this.hours.availability(tenantId, id);
  }
}

/** A waiting work item's position in its queue. */
@ApiTags('work-items')
@ApiTenant()
@Controller('v1/work-items')
export class WorkItemPositionController {
  constructor(private readonly hours: BusinessHoursService) {}

  @RequireScopes('routing:read')
  @Get(':id/position')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Position of a waiting work item in its queue, with the queue’s estimated wait' })
  @ApiJsonResponse(200, WorkItemPositionViewSchema, { name: 'WorkItemPositionView', description: 'Position' })
  @ApiProblem(404, 'Unknown work item')
  position(@TenantId() tenantId: string, @Param('id', idPipe) id: string) {
    return this.hours.position(tenantId, id);
  }
}
