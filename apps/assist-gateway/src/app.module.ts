import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { IntegrationsModule } from '@hub/integrations';
import { RealtimeModule } from '@hub/realtime';
import type { AssistGatewayConfig } from './config';
import { ConversationEventsPublisher } from './forwarding/conversation-events.publisher';
import { ForwardUtteranceUseCase } from './forwarding/usecases/forward-utterance.usecase';
import { WidgetRateLimiter } from './forwarding/widget-rate-limiter';
import { DesktopActionsUseCase } from './desktop/usecases/desktop-actions.usecase';
import { GoogleIdTokenVerifier } from './google/google-id-token.verifier';
import { ExchangeGoogleTokenUseCase, GoogleAuthController } from './google/google-token-exchange';
import { DESKTOP_ACTION_VENDORS } from './desktop/vendor-desktop-actions';
import { GenesysDesktopActions } from './genesys/genesys-desktop-actions';
import { SalesforceAgentTokenRepository } from './salesforce/salesforce-agent-token.repository';
import { SalesforceDesktopActions } from './salesforce/salesforce-desktop-actions';
import { SalesforceRecordsClient } from './salesforce/salesforce-records.client';
import { GenesysAgentTokenRepository } from './genesys/genesys-agent-token.repository';
import { GenesysConversationsClient } from './genesys/genesys-conversations.client';
import { GenesysDigitalForwarder } from './genesys/genesys-digital-forwarder';
import { GenesysNotificationsClient } from './genesys/genesys-notifications.client';
import { SalesforceIdentityClient } from './salesforce/salesforce-identity.client';
import {
  ExchangeSalesforceTokenUseCase,
  SalesforceAuthController,
} from './salesforce/salesforce-token-exchange';
import { GenesysAuthController } from './genesys/genesys-auth.controller';
import { GenesysIntegrationRepository } from './genesys/genesys-integration.repository';
import { GenesysOAuthClient } from './genesys/genesys-oauth.client';
import { PkceStateRepository } from './genesys/pkce-state.repository';
import {
  CompleteGenesysLoginUseCase,
  StartGenesysLoginUseCase,
} from './genesys/usecases/genesys-login.usecases';
import { AgentInteractionRepository } from './stream/agent-interaction.repository';
import { AssistGateway } from './stream/assist.gateway';
import { SuggestionHistoryRepository } from './stream/suggestion-history.repository';
import { SuggestionsConsumer } from './stream/suggestions.consumer';
import { AuthenticateWidgetUseCase } from './stream/usecases/authenticate-widget.usecase';
import { DeliverSuggestionUseCase } from './stream/usecases/deliver-suggestion.usecase';
import { WidgetSessionsService } from './stream/widget-sessions.service';
import { EmbedTokensController } from './tokens/embed-tokens.controller';
import { IssuerAuthenticator } from './tokens/issuer-auth';
import { IssuerGuard } from './tokens/issuer.guard';
import { IssueEmbedTokenUseCase } from './tokens/usecases/issue-embed-token.usecase';
import { WidgetTokenService } from './tokens/widget-token.service';
import { ASSIST_CONFIG, ISSUER_AUTH, WIDGET_TOKENS } from './tokens.di';
import { WidgetController } from './widget/widget.controller';

/**
 * The assist gateway: widget stream (Socket.IO `/assist`), embed token issuance, Genesys Cloud
 * sign-in (PKCE) and the widget page. Consumes `hub.assist.suggestions.v1`; publishes the chat lines
 * widgets forward to `hub.conversation.events.v1`.
 */
@Module({})
export class AppModule {
  static forRoot(config: AssistGatewayConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: 'assist-gateway', config }),
        ObservabilityModule.forRoot({
          service: 'assist-gateway',
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config }),
        IntegrationsModule.forRoot({ config }),
        MessagingModule.forRoot({ clientId: 'assist-gateway', config }),
        RealtimeModule.forRoot({ config }),
      ],
      controllers: [
        EmbedTokensController,
        GenesysAuthController,
        SalesforceAuthController,
        GoogleAuthController,
        WidgetController,
      ],
      providers: [
        { provide: ASSIST_CONFIG, useValue: config },
        { provide: WIDGET_TOKENS, useFactory: () => WidgetTokenService.create(config) },
        {
          provide: ISSUER_AUTH,
          useFactory: () =>
            new IssuerAuthenticator(config.ASSIST_ADMIN_API_KEY, config.ASSIST_TENANT_API_KEYS),
        },
        IssuerGuard,
        IssueEmbedTokenUseCase,
        AuthenticateWidgetUseCase,
        DeliverSuggestionUseCase,
        AgentInteractionRepository,
        SuggestionHistoryRepository,
        WidgetSessionsService,
        AssistGateway,
        SuggestionsConsumer,
        ConversationEventsPublisher,
        ForwardUtteranceUseCase,
        WidgetRateLimiter,
        GenesysIntegrationRepository,
        GenesysOAuthClient,
        PkceStateRepository,
        StartGenesysLoginUseCase,
        CompleteGenesysLoginUseCase,
        GenesysAgentTokenRepository,
        GenesysConversationsClient,
        GenesysNotificationsClient,
        GenesysDigitalForwarder,
        GenesysDesktopActions,
        SalesforceAgentTokenRepository,
        SalesforceRecordsClient,
        SalesforceDesktopActions,
        {
          // the vendor desktops with actions, by widget provider (a new vendor adds its folder + one line)
          provide: DESKTOP_ACTION_VENDORS,
          useFactory: (genesys: GenesysDesktopActions, salesforce: SalesforceDesktopActions) => ({
            genesys,
            salesforce,
          }),
          inject: [GenesysDesktopActions, SalesforceDesktopActions],
        },
        DesktopActionsUseCase,
        SalesforceIdentityClient,
        ExchangeSalesforceTokenUseCase,
        GoogleIdTokenVerifier,
        ExchangeGoogleTokenUseCase,
      ],
    };
  }
}
