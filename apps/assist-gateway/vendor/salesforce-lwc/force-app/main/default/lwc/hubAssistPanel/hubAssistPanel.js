import { LightningElement, api } from 'lwc';
import startSession from '@salesforce/apex/HubAssistController.startSession';

/**
 * Engagement Hub Agent Assist on a Messaging Session record page (Service Console).
 *
 * Frames the assist widget (`<gatewayUrl>/widget/?provider=salesforce&hostOrigin=<this page's origin>`) and
 * bridges it over postMessage (docs/assist-widget.md, "Salesforce: LWC bridge"):
 *  - widget `hub.assist.salesforce.ready` → Apex `HubAssistController.startSession` exchanges the user's
 *    Salesforce token at the gateway (`POST /v1/auth/salesforce/token-exchange`) → the widget session token is
 *    posted back as `hub.assist.salesforce.session`;
 *  - widget `hub.assist.salesforce.sendMessage {requestId, text}` → Conversation Toolkit API
 *    `sendTextMessage(recordId, {text})` → `hub.assist.salesforce.result {requestId, ok, error?}`;
 *  - `forwardChatLine(utterance)` posts a chat line (`hub.assist.utterance`) for Agent Assist.
 * Every message is checked: it must come from the widget frame and the gateway's origin; posts go to that
 * origin only. "Save summary" is done by the gateway (REST update of the record with the exchanged token).
 */
export default class HubAssistPanel extends LightningElement {
  /** Record id of the Messaging Session page (the hub interaction id). */
  @api recordId;
  /** The assist gateway, e.g. https://assist.example.com (App Builder property). */
  @api gatewayUrl;
  /** Engagement Hub tenant slug (App Builder property). */
  @api tenantId;

  widgetSrc;
  error;
  gatewayOrigin;
  sentRequests = new Map();

  connectedCallback() {
    try {
      this.gatewayOrigin = new URL(this.gatewayUrl).origin;
    } catch (e) {
      this.error = 'Agent Assist: the gateway URL is not a valid URL';
      return;
    }
    const params = new URLSearchParams({ provider: 'salesforce', hostOrigin: window.location.origin });
    this.widgetSrc = `${this.gatewayOrigin}/widget/?${params.toString()}`;
    this.onMessage = this.onMessage.bind(this);
    window.addEventListener('message', this.onMessage);
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
  }

  get frame() {
    return this.template.querySelector('iframe.hub-assist-frame');
  }

  post(message) {
    const frame = this.frame;
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, this.gatewayOrigin);
  }

  async onMessage(event) {
    const frame = this.frame;
    if (event.origin !== this.gatewayOrigin || !frame || event.source !== frame.contentWindow) return;
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'hub.assist.salesforce.ready') {
      try {
        const session = await startSession({ recordId: this.recordId, tenantId: this.tenantId });
        this.post({ type: 'hub.assist.salesforce.session', token: session.token });
      } catch (e) {
        this.error =
          'Agent Assist could not start: ' + ((e && e.body && e.body.message) || 'token exchange failed');
      }
    } else if (m.type === 'hub.assist.salesforce.sendMessage') {
      await this.sendMessage(m.requestId, m.text);
    }
  }

  /** Sends the agent's message once per requestId (a widget retry is answered with the first outcome). */
  async sendMessage(requestId, text) {
    if (typeof requestId !== 'string' || typeof text !== 'string' || !text.trim()) return;
    let outcome = this.sentRequests.get(requestId);
    if (!outcome) {
      outcome = this.refs.toolkit
        .sendTextMessage(this.recordId, { text })
        .then(() => ({ ok: true }))
        .catch((e) => ({ ok: false, error: (e && e.message) || 'sendTextMessage failed' }));
      this.sentRequests.set(requestId, outcome);
    }
    const result = await outcome;
    this.post({ type: 'hub.assist.salesforce.result', requestId, ...result });
  }

  /**
   * Forwards a chat line to Agent Assist, e.g. from the conversation events your console exposes
   * (`{speaker: 'customer' | 'agent', text, messageId}`).
   */
  @api
  forwardChatLine(utterance) {
    this.post({ type: 'hub.assist.utterance', requestId: utterance.messageId, utterance });
  }
}
