/*
 * Agent Assist widget: shows the suggestions of one interaction, newest first, with their sources.
 * An LLM answer appears while it is generated (`suggestion.delta`: sources first, then the text
 * growing in place) and is replaced by the complete suggestion (`suggestion`) with the same id.
 * Access comes only from a hub-signed token (`#token=` in the fragment, or `?token=`); vendor URL
 * parameters (8x8 iid/aid, Five9 callId/agentId, Genesys conversationId, tenant) are sent as hints
 * that the gateway checks against the token and never uses to grant access. With
 * `?provider=genesys&tenant=…&conversationId=…` and no token, the widget starts the Genesys Cloud
 * sign-in (Authorization Code + PKCE) handled by the gateway.
 *
 * Chat forwarding (seed 001 "Digital": Five9 onChatEvent, Salesforce LWC, Genesys web messaging):
 * the host page that frames the widget posts each chat line to it,
 *
 *   widgetFrame.contentWindow.postMessage(
 *     { type: 'hub.assist.utterance', requestId: 'r-1',
 *       utterance: { speaker: 'customer', text: 'My router keeps dropping', messageId: 'vendor-msg-42' } },
 *     'https://assist.example.com');
 *
 * and gets `{ type: 'hub.assist.utterance.ack', requestId, ok, … }` back (postMessage to the sender).
 * Only the parent window may post (the page's CSP frame-ancestors limits who can be the parent).
 * Code running in the widget frame itself can call `window.hubAssist.forwardUtterance(utterance)`,
 * which returns a Promise of the same ack. Tenant, agent and interaction are the token's: the payload
 * cannot name them.
 *
 * Desktop actions (the `session` event's `actions`; Genesys Cloud after the PKCE sign-in): each
 * suggestion gets a "Send to customer" button (`message.send`: the answer goes into the customer's
 * web-messaging conversation as the agent) and the summary form saves the wrap-up note
 * (`summary.save`). Each click carries a fresh requestId, so a resend after a reconnect is one action.
 *
 * Vendor desktops: `?provider=<name>` picks an adapter from `window.hubAssistVendors` (one file per vendor
 * in `vendors/`, loaded before this one). An adapter is `{provider, beforeConnect?(api) → Promise,
 * onSession?(api, session), performAction?(event, payload) → Promise<ack> | null, connectTimeoutMs?}`: `beforeConnect` may add
 * hints (checked by the gateway against the token, never trusted) before the socket connects, `performAction`
 * may carry a desktop action out through the host instead of the gateway (Salesforce LWC). Adapters only
 * activate for sessions of their own provider. The page is localized (`api.setLocale`) and themed
 * (`api.setTheme`: `light` | `dark`).
 */
(function () {
  'use strict';
  var query = new URLSearchParams(window.location.search);
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var token = fragment.get('token') || query.get('token') || undefined;

  /** UI strings per language (BCP-47 primary subtag); English is the fallback for any missing key. */
  var STRINGS = {
    en: {
      title: 'Agent Assist',
      connecting: 'Connecting…',
      connected: 'Connected',
      connectedAs: 'Connected as {agent} ({tenant})',
      signingInGenesys: 'Signing in with Genesys Cloud…',
      suggestionsHeading: 'Suggestions, newest first',
      noSuggestions: 'No suggestions yet.',
      summaryLabel: 'Interaction summary (saved as the wrap-up note)',
      saveSummary: 'Save summary',
      sendToCustomer: 'Send to customer',
      sent: 'Sent',
      sources: 'Sources',
      confidence: 'Confidence',
      generating: 'generating…',
      interaction: 'Interaction {id}',
      waiting: 'Waiting for an interaction…',
      disconnected: 'Disconnected ({reason}), reconnecting…',
      notConnected: 'Not connected: {error}',
    },
    de: {
      title: 'Agent Assist',
      connecting: 'Verbindung wird hergestellt…',
      connected: 'Verbunden',
      connectedAs: 'Verbunden als {agent} ({tenant})',
      suggestionsHeading: 'Vorschläge, neueste zuerst',
      noSuggestions: 'Noch keine Vorschläge.',
      summaryLabel: 'Zusammenfassung (als Nachbearbeitungsnotiz gespeichert)',
      saveSummary: 'Zusammenfassung speichern',
      sendToCustomer: 'An Kunden senden',
      sent: 'Gesendet',
      sources: 'Quellen',
      confidence: 'Konfidenz',
      generating: 'wird erzeugt…',
      interaction: 'Interaktion {id}',
      waiting: 'Warte auf eine Interaktion…',
      disconnected: 'Getrennt ({reason}), neue Verbindung…',
      notConnected: 'Nicht verbunden: {error}',
    },
    fr: {
      title: 'Agent Assist',
      connecting: 'Connexion…',
      connected: 'Connecté',
      connectedAs: 'Connecté en tant que {agent} ({tenant})',
      suggestionsHeading: 'Suggestions, les plus récentes d’abord',
      noSuggestions: 'Pas encore de suggestion.',
      summaryLabel: 'Résumé de l’interaction (enregistré comme note de clôture)',
      saveSummary: 'Enregistrer le résumé',
      sendToCustomer: 'Envoyer au client',
      sent: 'Envoyé',
      sources: 'Sources',
      confidence: 'Confiance',
      generating: 'en cours…',
      interaction: 'Interaction {id}',
      waiting: 'En attente d’une interaction…',
      disconnected: 'Déconnecté ({reason}), reconnexion…',
      notConnected: 'Non connecté : {error}',
    },
    es: {
      title: 'Agent Assist',
      connecting: 'Conectando…',
      connected: 'Conectado',
      connectedAs: 'Conectado como {agent} ({tenant})',
      suggestionsHeading: 'Sugerencias, las más recientes primero',
      noSuggestions: 'Todavía no hay sugerencias.',
      summaryLabel: 'Resumen de la interacción (guardado como nota de cierre)',
      saveSummary: 'Guardar resumen',
      sendToCustomer: 'Enviar al cliente',
      sent: 'Enviado',
      sources: 'Fuentes',
      confidence: 'Confianza',
      generating: 'generando…',
      interaction: 'Interacción {id}',
      waiting: 'Esperando una interacción…',
      disconnected: 'Desconectado ({reason}), reconectando…',
      notConnected: 'No conectado: {error}',
    },
  };
  var locale = 'en';
  var strings = STRINGS.en;

  /** The UI string `key` in the current locale, `{name}` placeholders replaced from `vars`. */
  function t(key, vars) {
    var text = strings[key] || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_m, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : '';
    });
  }

  /**
   * Switches the page to a BCP-47 locale (`de-DE` → German strings, `lang="de-DE"`); unknown languages keep
   * English strings but still set `lang` and the time format. Returns the language used for the strings.
   */
  function setLocale(tag) {
    if (typeof tag !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return locale;
    var lang = tag.split('-')[0].toLowerCase();
    strings = STRINGS[lang] || STRINGS.en;
    locale = tag;
    document.documentElement.lang = tag;
    document.documentElement.setAttribute('data-strings', STRINGS[lang] ? lang : 'en');
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    document.querySelectorAll('button.send-message:not([data-sent])').forEach(function (b) {
      b.textContent = t('sendToCustomer');
    });
    if (statusMsg) statusEl.textContent = t(statusMsg.key, statusMsg.vars);
    return STRINGS[lang] ? lang : 'en';
  }

  /** `light` or `dark` (anything else is ignored): `data-theme` on the root element, styled by widget.css. */
  function setTheme(theme) {
    if (theme !== 'light' && theme !== 'dark') return;
    document.documentElement.setAttribute('data-theme', theme);
  }
  var hints = {};
  ['iid', 'aid', 'callId', 'agentId', 'conversationId', 'tenant'].forEach(function (k) {
    var v = query.get(k);
    if (v) hints[k] = v;
  });

  var statusEl = document.getElementById('status');
  var interactionEl = document.getElementById('interaction');
  var listEl = document.getElementById('suggestions');
  var emptyEl = document.getElementById('empty');
  var seen = new Set();
  var actionStatusEl = document.getElementById('action-status');
  var summaryForm = document.getElementById('summary-form');
  var actions = [];
  /** Answers being generated: suggestionId → {seq, text, li}. */
  var partials = new Map();

  /** The status line's string key and placeholders, re-rendered when the shell's locale arrives later. */
  var statusMsg = null;

  /** Sets `data-state` on the body and the status line to the UI string `key` (see {@link t}). */
  function setState(state, key, vars) {
    document.body.setAttribute('data-state', state);
    statusMsg = { key: key, vars: vars };
    statusEl.removeAttribute('data-i18n');
    statusEl.textContent = t(key, vars);
  }

  if (token) {
    // keep the token out of the address bar, history and bookmarks
    query.delete('token');
    var qs = query.toString();
    window.history.replaceState(null, '', window.location.pathname + (qs ? '?' + qs : ''));
  } else if (query.get('provider') === 'genesys' && hints.tenant && hints.conversationId) {
    setState('signing-in', 'signingInGenesys');
    window.location.replace(
      '/v1/auth/genesys/start?' +
        new URLSearchParams({ tenant: hints.tenant, conversationId: hints.conversationId }).toString(),
    );
    return;
  }

  function percent(x) {
    return Math.round(x * 100) + '%';
  }

  /**
   * Builds the list item of a suggestion: `s` is a SuggestionView, or for an answer still being
   * generated ({@link partial}) `{suggestionId, utteranceId?, answer, confidence?, sources?, occurredAt}`.
   */
  function buildItem(s, partial) {
    var li = document.createElement('li');
    li.className = partial ? 'suggestion partial' : 'suggestion';
    li.setAttribute('data-suggestion-id', s.suggestionId);
    li.setAttribute('data-state', partial ? 'partial' : 'final');
    if (s.utteranceId) li.setAttribute('data-utterance-id', s.utteranceId);
    var article = document.createElement('article');
    var headingId = 'answer-' + s.suggestionId;
    article.setAttribute('aria-labelledby', headingId);
    // screen readers wait for the complete answer instead of reading every piece
    if (partial) article.setAttribute('aria-busy', 'true');
    var answer = document.createElement('p');
    answer.className = 'answer';
    answer.id = headingId;
    answer.textContent = s.answer;
    var meta = document.createElement('p');
    meta.className = 'meta';
    if (s.confidence !== undefined) {
      meta.appendChild(document.createTextNode(t('confidence') + ' '));
      var conf = document.createElement('strong');
      conf.className = 'confidence';
      conf.textContent = percent(s.confidence);
      meta.appendChild(conf);
    }
    meta.appendChild(document.createTextNode(partial ? ' · ' + t('generating') : ' · ' + s.generator));
    var time = document.createElement('time');
    time.dateTime = s.occurredAt;
    time.textContent = ' · ' + new Date(s.occurredAt).toLocaleTimeString(locale);
    meta.appendChild(time);
    article.appendChild(answer);
    article.appendChild(meta);
    if (s.sources && s.sources.length) {
      var h = document.createElement('h3');
      h.textContent = t('sources');
      var ul = document.createElement('ul');
      ul.className = 'sources';
      s.sources.forEach(function (src) {
        var item = document.createElement('li');
        item.setAttribute('data-document-id', src.documentId);
        var cite = document.createElement('cite');
        cite.textContent = src.title;
        var code = document.createElement('code');
        code.textContent = src.documentId;
        item.appendChild(cite);
        item.appendChild(document.createTextNode(' '));
        item.appendChild(code);
        ul.appendChild(item);
      });
      article.appendChild(h);
      article.appendChild(ul);
    }
    li.appendChild(article);
    if (!partial && actions.indexOf('message.send') >= 0) li.appendChild(sendButton(s));
    return li;
  }

  function newRequestId() {
    return window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : String(Date.now()) + '-' + Math.random().toString(16).slice(2);
  }

  /**
   * Performs a desktop action and resolves with its ack (a timeout is an ack with reason `timeout`): through
   * the vendor adapter when it carries this action out in the host (Salesforce LWC), else over the socket.
   */
  function desktopAction(event, payload) {
    var viaHost =
      activeVendor && activeVendor.performAction ? activeVendor.performAction(event, payload) : null;
    if (viaHost) return viaHost;
    return new Promise(function (resolve) {
      socket.timeout(15000).emit(event, payload, function (err, ack) {
        resolve(err ? { ok: false, reason: 'timeout', error: 'no answer from the gateway' } : ack);
      });
    });
  }

  /** "Send to customer": the suggestion's answer as a message to the customer, as the agent. */
  function sendButton(s) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'send-message';
    b.textContent = t('sendToCustomer');
    var requestId = newRequestId(); // one per suggestion: a second click is the same message
    b.addEventListener('click', function () {
      b.disabled = true;
      desktopAction('message.send', { text: s.answer, requestId: requestId }).then(function (ack) {
        if (ack.ok) {
          b.textContent = t('sent');
          b.setAttribute('data-sent', 'true');
          actionStatusEl.textContent = 'Message sent to the customer.';
        } else {
          b.disabled = false;
          actionStatusEl.textContent = 'Could not send the message: ' + ack.error;
        }
        actionStatusEl.setAttribute('data-last', ack.ok ? 'ok' : ack.reason);
      });
    });
    return b;
  }

  /** Inserts an item newest first (by production time; arrivals can be out of order across reconnects). */
  function insert(li, occurredAt) {
    var before = null;
    for (var i = 0; i < listEl.children.length; i++) {
      var other = listEl.children[i].querySelector('time');
      if (other && other.dateTime <= occurredAt) {
        before = listEl.children[i];
        break;
      }
    }
    listEl.insertBefore(li, before);
  }

  /** A complete suggestion: rendered once; it replaces the partial answer with the same id in place. */
  function render(s) {
    if (seen.has(s.suggestionId)) return;
    seen.add(s.suggestionId);
    emptyEl.hidden = true;
    var li = buildItem(s, false);
    var p = partials.get(s.suggestionId);
    partials.delete(s.suggestionId);
    if (p && p.li.parentNode === listEl) listEl.replaceChild(li, p.li);
    else insert(li, s.occurredAt);
  }

  /**
   * A piece of an answer being generated (SuggestionDeltaView): seq 1 starts (or restarts) the
   * partial answer with its sources, the next seq appends; any other seq (duplicate, out of order,
   * after a gap) and pieces of an answer already complete are ignored.
   */
  function renderDelta(d) {
    if (seen.has(d.suggestionId)) return;
    var p = partials.get(d.suggestionId);
    if (d.seq === 1) {
      var view = {
        suggestionId: d.suggestionId,
        utteranceId: d.utteranceId,
        answer: d.text,
        confidence: d.confidence,
        sources: d.sources,
        occurredAt: d.occurredAt,
      };
      var li = buildItem(view, true);
      emptyEl.hidden = true;
      if (p && p.li.parentNode === listEl) listEl.replaceChild(li, p.li);
      else insert(li, d.occurredAt);
      partials.set(d.suggestionId, { seq: 1, text: d.text, li: li });
      return;
    }
    if (!p || d.seq !== p.seq + 1) return;
    p.seq = d.seq;
    p.text += d.text;
    p.li.querySelector('.answer').textContent = p.text;
  }

  var currentToken = token;
  var socket = null;
  var FATAL = ['token_missing', 'token_expired', 'token_invalid', 'claims_invalid', 'url_param_mismatch'];
  var vendors = window.hubAssistVendors || {};
  var requestedVendor = Object.prototype.hasOwnProperty.call(vendors, query.get('provider'))
    ? vendors[query.get('provider')]
    : null;
  /** The adapter of the session's provider, once the gateway confirmed it (`session` event). */
  var activeVendor = null;
  var sessionListeners = [];

  function connect() {
    socket = window.io('/assist', {
      auth: function (cb) {
        cb({ token: currentToken, hints: hints });
      },
    });
    bindSocket(socket);
    connected(socket);
  }

  function bindSocket(socket) {
    socket.on('connect', function () {
      setState('connected', 'connected');
    });
    socket.on('session', function (s) {
      currentToken = s.token; // used for reconnects
      actions = s.actions || [];
      summaryForm.hidden = actions.indexOf('summary.save') < 0;
      setState('connected', 'connectedAs', { agent: s.agentId, tenant: s.tenantId });
      if (requestedVendor && requestedVendor.provider === s.provider && !activeVendor) {
        activeVendor = requestedVendor;
        if (activeVendor.onSession) activeVendor.onSession(api, s);
      }
      sessionListeners.forEach(function (cb) {
        cb(s);
      });
    });
    socket.on('interaction', function (p) {
      if (interactionEl.getAttribute('data-interaction-id') !== String(p.interactionId)) {
        listEl.textContent = '';
        seen.clear();
        partials.clear();
        emptyEl.hidden = false;
      }
      interactionEl.setAttribute('data-interaction-id', String(p.interactionId));
      interactionEl.textContent = p.interactionId ? t('interaction', { id: p.interactionId }) : t('waiting');
    });
    socket.on('suggestions.snapshot', function (p) {
      p.suggestions.forEach(render);
    });
    socket.on('suggestion.delta', renderDelta);
    socket.on('suggestion', render);
    socket.on('disconnect', function (reason) {
      setState('disconnected', 'disconnected', { reason: reason });
    });
    socket.on('connect_error', function (err) {
      var reason = err && err.data && err.data.reason;
      setState('refused', 'notConnected', { error: err.message });
      if (FATAL.indexOf(reason) >= 0) socket.disconnect();
    });
  }

  var summaryRequestId = newRequestId();
  var summaryNotes = document.getElementById('summary-notes');
  summaryNotes.addEventListener('input', function () {
    summaryRequestId = newRequestId(); // an edited note is a new save
  });
  summaryForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var save = document.getElementById('save-summary');
    save.disabled = true;
    desktopAction('summary.save', { notes: summaryNotes.value, requestId: summaryRequestId }).then(
      function (ack) {
        save.disabled = false;
        actionStatusEl.textContent = ack.ok
          ? 'Summary saved as the wrap-up note.'
          : 'Could not save the summary: ' + ack.error;
        actionStatusEl.setAttribute('data-last', ack.ok ? 'ok' : ack.reason);
      },
    );
  });

  var forwardEl = document.getElementById('forward-status');
  var forwarded = 0;

  /**
   * Forwards one chat line ({speaker: 'customer'|'agent', text, messageId?, occurredAt?, language?,
   * queue?}) over the socket; resolves with the gateway's ack ({ok: true, utteranceId, …} or
   * {ok: false, reason, error}). Socket.IO buffers it while reconnecting; a generated messageId
   * makes a resend the same utterance.
   */
  function forwardUtterance(u) {
    var payload = Object.assign({}, u || {});
    if (!payload.messageId && window.crypto && window.crypto.randomUUID)
      payload.messageId = window.crypto.randomUUID();
    return whenSocket().then(function (socket) {
      return new Promise(function (resolve) {
        socket.timeout(15000).emit('utterance', payload, function (err, ack) {
          var result = err ? { ok: false, reason: 'timeout', error: 'no answer from the gateway' } : ack;
          if (result.ok) {
            forwarded += 1;
            forwardEl.setAttribute('data-forwarded', String(forwarded));
            forwardEl.textContent = '';
          } else {
            forwardEl.textContent = 'Could not forward a chat line: ' + result.error;
          }
          resolve(result);
        });
      });
    });
  }
  var socketWaiters = [];
  /** Resolves with the socket once it exists (emits are then buffered by Socket.IO while connecting). */
  function whenSocket() {
    if (socket) return Promise.resolve(socket);
    return new Promise(function (r) {
      socketWaiters.push(r);
    });
  }
  function connected(s) {
    socketWaiters.splice(0).forEach(function (r) {
      r(s);
    });
  }
  window.hubAssist = { forwardUtterance: forwardUtterance };

  window.addEventListener('message', function (ev) {
    var m = ev.data;
    if (!m || typeof m !== 'object' || m.type !== 'hub.assist.utterance') return;
    // only the desktop that frames the widget (allowed by CSP frame-ancestors) may forward lines
    if (window.parent === window || ev.source !== window.parent) return;
    forwardUtterance(m.utterance).then(function (ack) {
      ev.source.postMessage(
        Object.assign({ type: 'hub.assist.utterance.ack', requestId: m.requestId }, ack),
        ev.origin,
      );
    });
  });

  /**
   * The API adapters get: forward chat lines, add connection hints (before connecting), localize and theme
   * the page, follow sessions, and the current interaction id.
   */
  var api = {
    forwardUtterance: forwardUtterance,
    setHints: function (h) {
      Object.keys(h || {}).forEach(function (k) {
        if (['iid', 'aid', 'callId', 'agentId', 'conversationId', 'tenant'].indexOf(k) >= 0 && h[k])
          hints[k] = String(h[k]);
      });
    },
    /** The session token to connect with (a host that performed the token exchange hands it over). */
    setToken: function (tk) {
      if (typeof tk === 'string' && tk.length > 20) currentToken = tk;
    },
    setLocale: setLocale,
    setTheme: setTheme,
    onSession: function (cb) {
      sessionListeners.push(cb);
    },
    interactionId: function () {
      return interactionEl.getAttribute('data-interaction-id');
    },
    t: t,
  };
  window.hubAssist.vendor = function () {
    return activeVendor ? activeVendor.provider : null;
  };

  // a vendor adapter may first ask its host for context (e.g. Five9 getSessionContext); never wait forever
  var before =
    requestedVendor && requestedVendor.beforeConnect ? requestedVendor.beforeConnect(api) : Promise.resolve();
  Promise.race([
    Promise.resolve(before).catch(function () {
      return undefined;
    }),
    new Promise(function (r) {
      setTimeout(r, (requestedVendor && requestedVendor.connectTimeoutMs) || 3000);
    }),
  ]).then(connect);
})();
