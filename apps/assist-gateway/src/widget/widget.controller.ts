import { Public } from '@hub/auth';
import { dirname, join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';

const PUBLIC_DIR = join(__dirname, 'public');
/** The vendor desktop adapters (`public/vendors/<vendor>.js`), listed once at start: only these are served. */
const VENDOR_DIR = join(PUBLIC_DIR, 'vendors');
const VENDOR_SCRIPTS = new Set(
  existsSync(VENDOR_DIR) ? readdirSync(VENDOR_DIR).filter((f) => /^[a-z0-9-]+\.js$/.test(f)) : [],
);

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

  /** A vendor adapter script (`vendors/five9.js`, …); 404 for any other name. */
  @Get('vendors/:file')
  vendorScript(@Param('file') file: string, @Res() res: Response): void {
    if (!VENDOR_SCRIPTS.has(file)) throw new NotFoundException(`no vendor script ${file}`);
    this.asset(res, join(VENDOR_DIR, file));
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
