import { Public } from '@hub/auth';
import { dirname, join } from 'node:path';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';

const PUBLIC_DIR = join(__dirname, 'public');
const SOCKET_IO_CLIENT = join(
  dirname(require.resolve('socket.io-client/package.json')),
  'dist',
  'socket.io.min.js',
);

/**
 * The widget page and its assets under `/widget/` (same origin as the Socket.IO endpoint). The page
 * is served with a strict Content-Security-Policy whose `frame-ancestors` is WIDGET_FRAME_ANCESTORS
 * (the vendor desktops allowed to embed it) and `Referrer-Policy: no-referrer`.
 */
@Public()
@Controller('widget')
export class WidgetController {
  private readonly csp: string;

  constructor(@Inject(ASSIST_CONFIG) config: AssistGatewayConfig) {
    this.csp = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors ${config.WIDGET_FRAME_ANCESTORS.join(' ')}`,
    ].join('; ');
  }

  @Get()
  page(@Res() res: Response): void {
    res.setHeader('Content-Security-Policy', this.csp);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(join(PUBLIC_DIR, 'index.html'));
  }

  @Get('widget.js')
  script(@Res() res: Response): void {
    this.asset(res, join(PUBLIC_DIR, 'widget.js'));
  }

  @Get('widget.css')
  style(@Res() res: Response): void {
    this.asset(res, join(PUBLIC_DIR, 'widget.css'));
  }

  @Get('socket.io.min.js')
  socketIoClient(@Res() res: Response): void {
    this.asset(res, SOCKET_IO_CLIENT);
  }

  private asset(res: Response, file: string): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.sendFile(file);
  }
}
