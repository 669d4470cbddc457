import {
  createParamDecorator,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { AgentTokenVerifier, InvalidAgentTokenError, type AgentPrincipal } from './agent-token.verifier';

export const AGENT_TOKEN_VERIFIER = Symbol('AGENT_TOKEN_VERIFIER');

type AuthedRequest = Request & { principal?: AgentPrincipal };

/** `Authorization: Bearer <agent JWT>` (RFC 6750) → `request.principal`; otherwise 401 naming the problem. */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(@Inject(AGENT_TOKEN_VERIFIER) private readonly verifier: AgentTokenVerifier) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    try {
      req.principal = await this.verifier.verify(m?.[1]);
      return true;
    } catch (e) {
      if (e instanceof InvalidAgentTokenError) throw new UnauthorizedException(`authorization: ${e.reason}`);
      throw e;
    }
  }
}

/** The verified agent of the request (use with {@link AgentAuthGuard}). */
export const Principal = createParamDecorator((_: unknown, ctx: ExecutionContext): AgentPrincipal => {
  const p = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!p) throw new UnauthorizedException('authorization: missing token');
  return p;
});
