import { AuthModule } from '@hub/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { RealtimeModule } from '@hub/realtime';
import type { HandoffOrchestratorConfig } from './config';
import { BotWebhookDispatcher, BOT_WEBHOOK_OPTIONS } from './bot-webhooks/bot-webhook-dispatcher.service';
import { BotWebhookRepository } from './bot-webhooks/bot-webhook.repository';
import { BOT_WEBHOOK_URL_POLICY, WEBHOOK_SIGNING_OPTIONS } from './bot-webhooks/bot-webhook-tokens';
import { WebhookSecretController } from './bot-webhooks/webhook-secret.controller';
import {
  IntegrationsModule,
  OutboundUrlPolicy,
  PinnedHttpClient,
  WebhookSigningSecrets,
  IntegrationStore,
} from '@hub/integrations';
import { EnrichmentService, ENRICHMENT_OPTIONS } from './enrichment/enrichment.service';
import { LibrarySummarizer } from './enrichment/library-summarizer';
import { OpenAiChatRepository } from './enrichment/openai-chat.repository';
import { SentimentAnalyzer } from './enrichment/sentiment-analyzer';
import { HandoffConsumers } from './handoffs/handoff-intake.consumer';
import { HandoffRepository } from './handoffs/handoff.repository';
import { HandoffsController } from './handoffs/handoffs.controller';
import { ANNOUNCER_OPTIONS, OutcomeAnnouncer } from './handoffs/outcome-announcer';
import { ApplyWorkItemEventUseCase } from './handoffs/usecases/apply-work-item-event.usecase';
import { GetHandoffUseCase } from './handoffs/usecases/get-handoff.usecase';
import { RequestHandoffUseCase } from './handoffs/usecases/request-handoff.usecase';
import { WITHDRAW_OPTIONS, WithdrawHandoffUseCase } from './handoffs/usecases/withdraw-handoff.usecase';
import { IntegrationsController } from './integrations/integrations.controller';
import { IntegrationsService } from './integrations/integrations.service';
import { HandoffMetrics } from './metrics/handoff-metrics';
import { QueueRepository } from './routing/queue.repository';
import { HandoffTimerService, TIMER_OPTIONS } from './timers/handoff-timer.service';
import { ApplyTargetEventUseCase } from './ccaas/apply-target-event.usecase';
import { BRIDGE_OPTIONS, CcaasBridges } from './ccaas/ccaas-bridges.service';
import { CcaasContactRepository } from './ccaas/ccaas-contact.repository';
import { CcaasEndPoller, END_POLL_OPTIONS } from './ccaas/ccaas-end-poller.service';
import { CcaasIntegrationsController } from './ccaas/ccaas-integrations.controller';
import { CcaasTargets } from './ccaas/ccaas-targets';
import { CcaasWebhooksController } from './ccaas/ccaas-webhooks.controller';
import { CcaasConsumers } from './ccaas/ccaas.consumers';
import { CcaasSummaryRetries } from './ccaas/ccaas-summary-retries';
import { CCAAS_RETRY_OPTIONS, ExternalHandoffService } from './ccaas/external-handoff.service';
import { EscalationConfigController } from './escalation/escalation-config.controller';
import { EscalationConfigService } from './escalation/escalation-config.service';
import { ESCALATION_MODELS_OPTIONS, EscalationModels } from './escalation/escalation-models';
import { EscalationController } from './escalation/escalation.controller';
import { EscalationRepository } from './escalation/escalation.repository';
import {
  KnowledgeSearchPort,
  SuggestionServiceKnowledgeSearch,
} from './escalation/knowledge-search.repository';
import { LiveAvailabilityPort, RouterLiveAvailability } from './escalation/live-availability.repository';
import { DecideEscalationUseCase } from './escalation/usecases/decide-escalation.usecase';
import { HandoffReportRepository } from './reports/handoff-report.repository';
import { HandoffReportUseCase } from './reports/handoff-report.usecase';
import { ReportsController } from './reports/reports.controller';
import { FormLinksController } from './forms/form-links.controller';
import { FormMetrics } from './forms/form-metrics';
import { FORM_LINK_SIGNER, FormLinkSigner } from './forms/form-link.signer';
import { FormPageController } from './forms/form-page.controller';
import { FormPageRateLimiter } from './forms/form-page-rate-limiter';
import { FormTemplatesController } from './forms/form-templates.controller';
import { FormWebhookDispatcher } from './forms/form-webhook.dispatcher';
import { FormsRepository } from './forms/forms.repository';
import { FORMS_OPTIONS } from './forms/forms.tokens';
import { IssueFormLinkUseCase } from './forms/usecases/issue-form-link.usecase';
import { ManageFormTemplatesUseCase } from './forms/usecases/manage-form-templates.usecase';
import { SubmitFormUseCase } from './forms/usecases/submit-form.usecase';
import { CALLBACK_NOTIFIER_OPTIONS, CallbackNotifier } from './customer-callbacks/callback-notifier';
import { SMS_PORT } from './customer-callbacks/sms/sms-port';
import { TENANT_SMS_OPTIONS, TenantSmsGateway } from './customer-callbacks/sms/tenant-sms';
import { TwilioStatusController } from './customer-callbacks/sms/twilio-status.controller';
import {
  CALLBACK_DISPATCHER_OPTIONS,
  CallbackNotificationDispatcher,
} from './customer-callbacks/callback-notification-dispatcher.service';
import { CustomerCallbackRepository } from './customer-callbacks/customer-callback.repository';
import { CustomerCallbacksController } from './customer-callbacks/customer-callbacks.controller';
import { TeamCalendars } from './customer-callbacks/team-calendars';
import { CallbackAvailability } from './customer-callbacks/usecases/callback-availability';
import { ProposeCallbackSlotsUseCase } from './customer-callbacks/usecases/propose-callback-slots.usecase';
import { StartCallbackWorkItemUseCase } from './customer-callbacks/usecases/start-callback-work-item.usecase';
import {
  CALLBACK_BOOKING_OPTIONS,
  ScheduleCallbackUseCase,
} from './customer-callbacks/usecases/schedule-callback.usecase';
import { CallbackClock } from './customer-callbacks/callback-clock';

export const SERVICE_NAME = 'handoff-orchestrator';

/**
 * The handoff orchestrator: REST + Kafka intake, integrations API, handoff state machine driven by
 * work item events, durable timers and callbacks. Redis (RealtimeModule) is there so this service's
 * outbox relay can deliver any row of the shared outbox (the relay leader serves the whole database).
 */
@Module({})
export class AppModule {
  /**
   * The orchestrator's module for a validated config: persistence (Prisma + `PG_POOL`, outbox relay),
   * Kafka (intake and work-item-event consumers), Redis, observability, the REST controllers, timers
   * and the callback dispatcher. `opts.logger` replaces the pino logger (tests).
   */
  static forRoot(config: HandoffOrchestratorConfig, opts: { logger?: Logger } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({ service: SERVICE_NAME, config }),
        ObservabilityModule.forRoot({
          service: SERVICE_NAME,
          logLevel: config.LOG_LEVEL,
          logger: opts.logger,
        }),
        PersistenceModule.forRoot({ config, outboxRelay: true }),
        MessagingModule.forRoot({ clientId: SERVICE_NAME, config }),
        RealtimeModule.forRoot({ config }),
        IntegrationsModule.forRoot({ config, migrateOnStart: true }),
      ],
      controllers: [
        HandoffsController,
        // before IntegrationsController: `:id/test` and `:id/queues` are more specific than `:id`
        CcaasIntegrationsController,
        IntegrationsController,
        WebhookSecretController,
        CcaasWebhooksController,
        EscalationController,
        EscalationConfigController,
        ReportsController,
        FormTemplatesController,
        FormLinksController,
        FormPageController,
        CustomerCallbacksController,
        TwilioStatusController,
      ],
      providers: [
        { provide: ENRICHMENT_OPTIONS, useValue: { llmMaxTimeoutMs: config.SUMMARY_LLM_MAX_TIMEOUT_MS } },
        { provide: ANNOUNCER_OPTIONS, useValue: { callbackIntermediate: config.CALLBACK_INTERMEDIATE } },
        { provide: TIMER_OPTIONS, useValue: { pollMs: config.HANDOFF_TIMER_POLL_MS } },
        { provide: WITHDRAW_OPTIONS, useValue: { graceMs: config.HANDOFF_WITHDRAW_GRACE_MS } },
        {
          provide: BOT_WEBHOOK_OPTIONS,
          useValue: {
            pollMs: config.CALLBACK_POLL_MS,
            timeoutMs: config.CALLBACK_TIMEOUT_MS,
            maxAttempts: config.CALLBACK_MAX_ATTEMPTS,
            retryBaseMs: config.CALLBACK_RETRY_BASE_MS,
          },
        },
        {
          provide: BOT_WEBHOOK_URL_POLICY,
          useValue: new OutboundUrlPolicy({
            allowHttp: config.HANDOFF_CALLBACK_ALLOW_HTTP,
            allowPrivateNetworks: config.HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS,
            allowedHostSuffixes: config.HANDOFF_CALLBACK_ALLOWED_HOSTS ?? [],
          }),
        },
        {
          provide: WEBHOOK_SIGNING_OPTIONS,
          useValue: { rotationOverlapMs: config.WEBHOOK_SECRET_ROTATION_OVERLAP_HOURS * 3_600_000 },
        },
        { provide: PinnedHttpClient, useValue: new PinnedHttpClient() },
        {
          provide: WebhookSigningSecrets,
          inject: [IntegrationStore],
          useFactory: (store: IntegrationStore) => new WebhookSigningSecrets(store),
        },
        { provide: LibrarySummarizer, useFactory: () => new LibrarySummarizer(config.SUMMARY_MAX_SENTENCES) },
        {
          provide: CCAAS_RETRY_OPTIONS,
          useValue: {
            maxAttempts: config.CCAAS_MAX_ATTEMPTS,
            baseMs: config.CCAAS_RETRY_BASE_MS,
            maxMs: config.CCAAS_RETRY_MAX_MS,
            summaryMaxAttempts: config.CCAAS_SUMMARY_MAX_ATTEMPTS,
            summaryRetryBaseMs: config.CCAAS_SUMMARY_RETRY_BASE_MS,
          },
        },
        {
          provide: BRIDGE_OPTIONS,
          useValue: { leaseMs: config.CCAAS_BRIDGE_LEASE_MS, scanMs: config.CCAAS_BRIDGE_SCAN_MS },
        },
        { provide: END_POLL_OPTIONS, useValue: { pollMs: config.CCAAS_POLL_ENDED_MS } },
        CcaasEndPoller,
        CcaasSummaryRetries,
        CcaasTargets,
        CcaasContactRepository,
        ApplyTargetEventUseCase,
        CcaasBridges,
        ExternalHandoffService,
        CcaasConsumers,
        HandoffMetrics,
        OpenAiChatRepository,
        SentimentAnalyzer,
        EnrichmentService,
        IntegrationsService,
        QueueRepository,
        HandoffRepository,
        OutcomeAnnouncer,
        BotWebhookRepository,
        BotWebhookDispatcher,
        RequestHandoffUseCase,
        ApplyWorkItemEventUseCase,
        WithdrawHandoffUseCase,
        GetHandoffUseCase,
        HandoffTimerService,
        HandoffConsumers,
        {
          provide: ESCALATION_MODELS_OPTIONS,
          useValue: {
            model: config.ESCALATION_MODEL,
            preload: config.ESCALATION_PRELOAD_MODELS,
            scopeTrainingWaitMs: config.ESCALATION_SCOPE_TRAINING_WAIT_MS,
            scopeStoreDir: config.ESCALATION_SCOPE_STORE_DIR || undefined,
          },
        },
        {
          provide: KnowledgeSearchPort,
          useValue: new SuggestionServiceKnowledgeSearch({
            baseUrl: config.ESCALATION_SUGGESTION_URL,
            timeoutMs: config.ESCALATION_RETRIEVAL_TIMEOUT_MS,
          }),
        },
        EscalationRepository,
        EscalationConfigService,
        EscalationModels,
        {
          provide: LiveAvailabilityPort,
          useValue: new RouterLiveAvailability({
            baseUrl: config.ESCALATION_ROUTER_URL,
            timeoutMs: config.ESCALATION_ROUTER_TIMEOUT_MS,
          }),
        },
        DecideEscalationUseCase,
        HandoffReportRepository,
        HandoffReportUseCase,
        // customer callbacks' "now" (adjustable only in tests: HUB_TEST_CLOCK_ADJUSTABLE, docs/callbacks.md)
        { provide: CallbackClock, useValue: new CallbackClock(config.HUB_TEST_CLOCK_ADJUSTABLE) },
        // secure forms (src/forms, docs/forms.md)
        {
          provide: FORMS_OPTIONS,
          useValue: {
            publicBaseUrl: config.FORMS_PUBLIC_BASE_URL,
            pageRateLimitPerMinute: config.FORM_PAGE_RATE_LIMIT_PER_MINUTE,
            submitAttemptsPerLink: config.FORM_SUBMIT_ATTEMPTS_PER_LINK,
            pollMs: config.CALLBACK_POLL_MS,
            timeoutMs: config.CALLBACK_TIMEOUT_MS,
            maxAttempts: config.CALLBACK_MAX_ATTEMPTS,
            retryBaseMs: config.CALLBACK_RETRY_BASE_MS,
          },
        },
        { provide: FORM_LINK_SIGNER, useValue: new FormLinkSigner(config.FORM_LINK_SECRET) },
        {
          provide: FormPageRateLimiter,
          useFactory: () =>
            new FormPageRateLimiter({
              redisUrl: config.REDIS_URL,
              keyPrefix: config.REDIS_NAMESPACE,
              perIpPerMinute: config.FORM_PAGE_RATE_LIMIT_PER_MINUTE,
              submitsPerLink: config.FORM_SUBMIT_ATTEMPTS_PER_LINK,
            }),
        },
        FormsRepository,
        FormMetrics,
        FormWebhookDispatcher,
        ManageFormTemplatesUseCase,
        IssueFormLinkUseCase,
        SubmitFormUseCase,
        {
          provide: CALLBACK_NOTIFIER_OPTIONS,
          useValue: {
            smtpUrl: config.CUSTOMER_CALLBACK_SMTP_URL ?? null,
            from: config.CUSTOMER_CALLBACK_MAIL_FROM,
          },
        },
        {
          provide: TENANT_SMS_OPTIONS,
          useValue: { statusCallbackBaseUrl: config.SMS_STATUS_CALLBACK_BASE_URL },
        },
        TenantSmsGateway,
        { provide: SMS_PORT, useExisting: TenantSmsGateway },
        { provide: CALLBACK_DISPATCHER_OPTIONS, useValue: { pollMs: config.CUSTOMER_CALLBACK_POLL_MS } },
        {
          provide: CALLBACK_BOOKING_OPTIONS,
          useValue: { reminderLeadMin: config.CUSTOMER_CALLBACK_REMINDER_LEAD_MIN },
        },
        CustomerCallbackRepository,
        TeamCalendars,
        CallbackAvailability,
        ProposeCallbackSlotsUseCase,
        ScheduleCallbackUseCase,
        StartCallbackWorkItemUseCase,
        CallbackNotifier,
        CallbackNotificationDispatcher,
      ],
    };
  }
}
