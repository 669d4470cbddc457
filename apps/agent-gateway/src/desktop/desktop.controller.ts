import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';

/** `GET /` → the Agent Desktop page (served statically under `/desktop/`). */
@Controller()
export class DesktopController {
  @Get()
  root(@Res() res: Response): void {
    res.redirect(302, '/desktop/');
  }
}
