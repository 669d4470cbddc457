/*
 * Salesforce adapter (widget opened with `?provider=salesforce&hostOrigin=<Lightning origin>`, framed by
 * the `hubAssistPanel` Lightning web component: vendor/salesforce-lwc/).
 *
 * Messages are exchanged only with `window.parent` AND its origin must equal `hostOrigin` (e.g.
 * `https://acme.lightning.force.com`); what the widget posts goes to that origin only. The LWC checks the
 * gateway's origin on its side.
 *
 *   widget → LWC  {type: 'hub.assist.salesforce.ready'}                     (the widget listens)
 *   LWC → widget  {type: 'hub.assist.salesforce.session', token}            (session token from the token
 *                                                                             exchange done by the LWC's Apex)
 *   widget → LWC  {type: 'hub.assist.salesforce.sendMessage', requestId, text}
 *   LWC → widget  {type: 'hub.assist.salesforce.result', requestId, ok, error?}
 *   LWC → widget  {type: 'hub.assist.utterance', requestId, utterance}      (chat lines, as for every host)
 *
 * "Send to customer" is carried out by the LWC (Conversation Toolkit API `sendTextMessage(recordId, {text})`
 * in the agent's console); "Save summary" goes to the gateway, which updates the work record through the
 * Salesforce REST API with the exchanged token.
 */
(function () {
  'use strict';
  var query = new URLSearchParams(window.location.search);
  var hostOrigin = null;
  try {
    var o = query.get('hostOrigin');
    if (o && new URL(o).origin === o) hostOrigin = o;
  } catch (_e) {
    hostOrigin = null;
  }
  var pending = new Map();
  var onToken = null;

  function fromHost(ev) {
    return hostOrigin && window.parent !== window && ev.source === window.parent && ev.origin === hostOrigin;
  }
  function toHost(m) {
    if (hostOrigin && window.parent !== window) window.parent.postMessage(m, hostOrigin);
  }

  window.addEventListener('message', function (ev) {
    var m = ev.data;
    if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
    if (m.type.indexOf('hub.assist.salesforce.') !== 0) return;
    if (!fromHost(ev)) {
      document.body.setAttribute('data-salesforce-refused', String(ev.origin));
      return;
    }
    if (m.type === 'hub.assist.salesforce.session' && onToken) onToken(m.token);
    else if (m.type === 'hub.assist.salesforce.result' && pending.has(m.requestId)) {
      var p = pending.get(m.requestId);
      pending.delete(m.requestId);
      clearTimeout(p.timer);
      p.resolve(
        m.ok
          ? { ok: true, action: 'message.send' }
          : {
              ok: false,
              reason: 'vendor_error',
              error: String(m.error || 'Salesforce did not send the message'),
            },
      );
    }
  });

  (window.hubAssistVendors = window.hubAssistVendors || {}).salesforce = {
    provider: 'salesforce',
    connectTimeoutMs: 30000,
    /** Without a token in the URL, waits for the session token from the Lightning component. */
    beforeConnect: function (api) {
      if (!hostOrigin) return Promise.resolve();
      return new Promise(function (resolve) {
        onToken = function (token) {
          api.setToken(token);
          onToken = null;
          resolve();
        };
        toHost({ type: 'hub.assist.salesforce.ready' });
      });
    },
    /** `message.send` goes to the LWC (Conversation Toolkit API); everything else to the gateway. */
    performAction: function (event, payload) {
      if (event !== 'message.send' || !hostOrigin) return null;
      return new Promise(function (resolve) {
        var requestId = payload.requestId;
        var timer = setTimeout(function () {
          pending.delete(requestId);
          resolve({ ok: false, reason: 'timeout', error: 'no answer from the Salesforce component' });
        }, 15000);
        pending.set(requestId, { resolve: resolve, timer: timer });
        toHost({ type: 'hub.assist.salesforce.sendMessage', requestId: requestId, text: payload.text });
      });
    },
  };
})();
