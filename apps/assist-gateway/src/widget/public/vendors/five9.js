/*
 * Five9 adapter (widget opened with `?provider=five9`, inside the Five9 Agent Desktop Toolkit).
 *
 * Talks to the host page (the ADT integration that frames the widget) over postMessage, only with
 * `window.parent` (the page's CSP frame-ancestors decides who that may be):
 *
 *   widget → host  {type: 'five9.adt.request', requestId, method: 'getSessionContext'}
 *   host → widget  {type: 'five9.adt.response', requestId, result: {agentId, interactionId, interactionType?}}
 *   widget → host  {type: 'five9.adt.request', requestId, method: 'subscribe', params: {events: ['onChatEvent']}}
 *   host → widget  {type: 'five9.adt.response', requestId, result: {subscribed: ['onChatEvent']}}
 *   host → widget  {type: 'five9.adt.event', event: 'onChatEvent',
 *                   data: {interactionId, messageId, from: 'customer' | 'agent', text, timestamp?}}
 *
 * Before connecting, the session context's agent and interaction become the connection hints
 * `agentId` / `callId`: the gateway refuses the connection (`url_param_mismatch`) when they contradict
 * the widget's token, so a widget left open on a finished call cannot show it as the current one. The
 * session context selects the interaction: only `onChatEvent` lines of that interaction are forwarded
 * to Agent Assist (an agent handling several chats gets one widget per chat); others are counted in
 * `data-ignored` of `#forward-status` and dropped. Each forwarded line's messageId is
 * `five9:<messageId>`, so a line the host sends twice is one utterance.
 */
(function () {
  'use strict';
  var pending = new Map();
  var seq = 0;
  var selected = null;
  var ignored = 0;

  function inFrame() {
    return window.parent && window.parent !== window;
  }

  /** One request to the ADT host; resolves with its result, rejects on error or after `ms`. */
  function request(method, params, ms) {
    return new Promise(function (resolve, reject) {
      if (!inFrame()) return reject(new Error('not framed by the Five9 desktop'));
      var requestId = 'five9-' + ++seq;
      var timer = setTimeout(function () {
        pending.delete(requestId);
        reject(new Error(method + ': no answer from the Five9 desktop'));
      }, ms || 2500);
      pending.set(requestId, { resolve: resolve, reject: reject, timer: timer });
      // nothing secret in a request: the host is whatever frames us (checked on the way back)
      window.parent.postMessage(
        { type: 'five9.adt.request', requestId: requestId, method: method, params: params },
        '*',
      );
    });
  }

  var api = null;
  window.addEventListener('message', function (ev) {
    if (!inFrame() || ev.source !== window.parent) return;
    var m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'five9.adt.response' && pending.has(m.requestId)) {
      var p = pending.get(m.requestId);
      pending.delete(m.requestId);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(String(m.error.message || m.error)));
      else p.resolve(m.result);
      return;
    }
    if (m.type === 'five9.adt.event' && m.event === 'onChatEvent' && api) onChatEvent(m.data || {});
  });

  function onChatEvent(d) {
    var status = document.getElementById('forward-status');
    if (!selected || String(d.interactionId) !== selected || typeof d.text !== 'string') {
      ignored += 1;
      status.setAttribute('data-ignored', String(ignored));
      return;
    }
    var u = { speaker: d.from === 'agent' ? 'agent' : 'customer', text: d.text };
    if (d.messageId) u.messageId = 'five9:' + String(d.messageId);
    if (d.timestamp) {
      var at = new Date(d.timestamp);
      if (!isNaN(at.getTime())) u.occurredAt = at.toISOString();
    }
    api.forwardUtterance(u);
  }

  (window.hubAssistVendors = window.hubAssistVendors || {}).five9 = {
    provider: 'five9',
    /** Reads the ADT session context and turns it into connection hints (checked by the gateway). */
    beforeConnect: function (widgetApi) {
      api = widgetApi;
      return request('getSessionContext').then(function (ctx) {
        if (!ctx || !ctx.interactionId) return;
        selected = String(ctx.interactionId);
        document.body.setAttribute('data-five9-interaction', selected);
        widgetApi.setHints({ callId: selected, agentId: ctx.agentId });
      });
    },
    /** Subscribes to the desktop's chat events once the gateway accepted the session. */
    onSession: function () {
      if (!selected) return;
      request('subscribe', { events: ['onChatEvent'] }).then(
        function () {
          document.body.setAttribute('data-five9-subscribed', 'true');
        },
        function () {
          document.body.setAttribute('data-five9-subscribed', 'false');
        },
      );
    },
  };
})();
