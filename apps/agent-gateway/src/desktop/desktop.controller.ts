import { Public } from '@hub/auth';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

/** `GET /` → the Agent Desktop page (served statically under `/desktop/`). */
@ApiTags('desktop')
@Public()
@Controller()
export class DesktopController {
  @Get()
  @ApiOperation({ summary: 'The Agent Desktop page (static files under `/desktop/`)' })
  @ApiResponse({ status: 302, description: 'Redirect to `/desktop/`' })
  root(@Res() res: Response): void {
    res.redirect(302, '/desktop/');
  }
}
