import type { DesktopActionAck } from '../domain/desktop-actions';
import type { WidgetClaims } from '../domain/widget-claims';

/**
 * One vendor desktop's side of the widget's desktop actions (the port behind `DesktopActionsUseCase`): a
 * folder per vendor implements it (`src/genesys/`, `src/salesforce/`) and registers it under its provider in
 * {@link DESKTOP_ACTION_VENDORS}; the use case keeps validation, request-id dedupe and logging. Claims are the
 * verified session claims: tenant, agent and interaction come only from them. Implementations map every
 * vendor failure to an ack (never throw for a vendor answer); `not_supported` when the vendor cannot do it.
 */
export interface VendorDesktopActions {
  sendMessage(claims: WidgetClaims, text: string): Promise<DesktopActionAck>;
  saveSummary(
    claims: WidgetClaims,
    summary: { notes: string; wrapupCode?: string },
  ): Promise<DesktopActionAck>;
}

/** DI token: `Partial<Record<WidgetProvider, VendorDesktopActions>>`. */
export const DESKTOP_ACTION_VENDORS = Symbol('DESKTOP_ACTION_VENDORS');
