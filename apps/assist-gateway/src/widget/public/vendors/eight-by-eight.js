/*
 * 8x8 adapter (widget opened with `?provider=8x8`, as a partner iframe in 8x8 Agent Workspace).
 *
 * Speaks the wire protocol of 8x8's partner SDK (`@8x8/pui-partner-comm` 0.15, read from the package's
 * published source and README; the SDK itself is under 8x8's SDK licence agreement, so it is not bundled):
 *
 *  - the Platform UI Shell posts the string `"init"` to the frame with a MessagePort (`ports[0]`); every
 *    later message goes over that port. Accepted only from `window.parent` (the SDK checks nothing).
 *  - on the port we send `{type: 'sdk-message', message: {name: 'setup-complete', value: {version}}}` and
 *    `{… name: 'capabilities', value: {thirdPartyCookiesEnabled}}`, then the requests
 *    `{type: 'request', message: {namespace: 'system', action: 'initialise', value: {appName, appVersion,
 *    vendor, partnerSdkVersion}}}` and `{type: 'request', message: {namespace: 'system', action: 'getContext'}}`.
 *  - the shell answers `{type: 'response', message: {namespace: 'system', request: 'getContext',
 *    value: {locale: 'en-US', theme: 'light'}}}` (`getLocale` / `getTheme`: the bare string). The theme
 *    (`light` | `dark`) and locale (`de-DE`, …) are applied to the page; they are asked for again when the
 *    widget becomes visible, so a change in Agent Workspace is followed.
 *  - heartbeat: the shell cannot see activity inside the iframe, so the widget reports it with the SDK's
 *    activity namespace: `{type: 'request', message: {namespace: 'activity', action: 'signal'}}` at most
 *    once per heartbeat interval while the agent uses the widget (pointer, keys, focus), and
 *    `{… action: 'idle'}` once after no activity for the idle time. Interval and idle time: `?heartbeatMs=`
 *    (default 30000) and `?idleAfterMs=` (default 300000).
 */
(function () {
  'use strict';
  var SDK_VERSION = '0.15.0';
  var query = new URLSearchParams(window.location.search);
  if (query.get('provider') !== '8x8') return register();
  var heartbeatMs = Math.max(200, Number(query.get('heartbeatMs')) || 30000);
  var idleAfterMs = Math.max(heartbeatMs, Number(query.get('idleAfterMs')) || 300000);
  var port = null;
  var api = null;
  var lastActivity = 0;
  var lastSignal = 0;
  var idleSent = true; // nothing to report before the first activity
  var sent = { signal: 0, idle: 0 };

  function post(data) {
    if (port) port.postMessage(data);
  }
  function systemRequest(action, value) {
    var message = { namespace: 'system', action: action };
    if (value) message.value = value;
    post({ type: 'request', message: message });
  }
  function activity(action) {
    post({ type: 'request', message: { namespace: 'activity', action: action } });
    sent[action] += 1;
    document.body.setAttribute('data-8x8-' + action, String(sent[action]));
  }

  function onPortMessage(ev) {
    var d = ev.data;
    if (!d || typeof d !== 'object' || d.type !== 'response' || !d.message) return;
    var m = d.message;
    if (m.namespace !== 'system' || !api) return;
    if (m.request === 'getContext' && m.value && typeof m.value === 'object') {
      if (m.value.theme) api.setTheme(m.value.theme);
      if (m.value.locale) api.setLocale(m.value.locale);
    } else if (m.request === 'getTheme' && typeof m.value === 'string') api.setTheme(m.value);
    else if (m.request === 'getLocale' && typeof m.value === 'string') api.setLocale(m.value);
  }

  function cookiesEnabled() {
    try {
      document.cookie = 'thirdparty_test=1; SameSite=None; Secure';
      return document.cookie.indexOf('thirdparty_test=1') !== -1;
    } catch (_e) {
      return false;
    }
  }

  window.addEventListener('message', function (ev) {
    if (ev.data !== 'init' || !ev.ports || !ev.ports[0]) return;
    if (window.parent === window || ev.source !== window.parent) return;
    port = ev.ports[0];
    port.onmessage = onPortMessage;
    post({ type: 'sdk-message', message: { name: 'setup-complete', value: { version: SDK_VERSION } } });
    post({
      type: 'sdk-message',
      message: { name: 'capabilities', value: { thirdPartyCookiesEnabled: cookiesEnabled() } },
    });
    systemRequest('initialise', {
      appName: 'engagement-hub-agent-assist',
      appVersion: '1.0.0',
      vendor: 'Engagement Hub',
      partnerSdkVersion: SDK_VERSION,
    });
    systemRequest('getContext');
    document.body.setAttribute('data-8x8-port', 'open');
  });

  function onActivity() {
    lastActivity = Date.now();
    if (idleSent || lastActivity - lastSignal >= heartbeatMs) {
      idleSent = false;
      lastSignal = lastActivity;
      activity('signal');
    }
  }
  ['pointerdown', 'keydown', 'focusin', 'wheel'].forEach(function (e) {
    window.addEventListener(e, onActivity, { passive: true });
  });
  setInterval(
    function () {
      if (!port || idleSent) return;
      var now = Date.now();
      if (now - lastActivity >= idleAfterMs) {
        idleSent = true;
        activity('idle');
      } else if (now - lastSignal >= heartbeatMs && now - lastActivity < heartbeatMs) {
        lastSignal = now;
        activity('signal');
      }
    },
    Math.min(heartbeatMs, 1000),
  );
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') systemRequest('getContext');
  });

  register();

  function register() {
    (window.hubAssistVendors = window.hubAssistVendors || {})['8x8'] = {
      provider: '8x8',
      beforeConnect: function (widgetApi) {
        api = widgetApi;
        return Promise.resolve();
      },
    };
  }
})();
