import {
  Inject,
  Injectable,
  UnauthorizedException,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { ISSUER_AUTH } from '../tokens.di';
import type { IssuerAuthenticator, IssuerPrincipal } from './issuer-auth';

type WithPrincipal = Request & { issuer?: IssuerPrincipal };

/** Authenticates the bearer key before anything else (401 before body validation). */
@Injectable()
export class IssuerGuard implements CanActivate {
  constructor(@Inject(ISSUER_AUTH) private readonly auth: IssuerAuthenticator) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<WithPrincipal>();
    const principal = this.auth.authenticate(req.header('authorization'));
    if (!principal) throw new UnauthorizedException('a valid Authorization: Bearer key is required');
    req.issuer = principal;
    return true;
  }
}

/** The principal {@link IssuerGuard} authenticated. */
export const Issuer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): IssuerPrincipal =>
    ctx.switchToHttp().getRequest<WithPrincipal>().issuer as IssuerPrincipal,
);
