// @ts-check
// Agent Desktop: a plain ES module, no build step. Talks to the gateway over Socket.IO (`/agents`,
// offers, chat, presence) and REST (`/v1/agent/...`: context, history, transfer, wrap-up, files).
// All text from the server is inserted with textContent (never as HTML).
import { io } from '/socket.io/socket.io.esm.min.js';
import { AssistPanel } from './assist.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const TOKEN_KEY = 'hub.agentToken';

/** @type {{ token: string|null, socket: any, me: any, offers: Map<string, any>, assigned: Map<string, any>, revoked: Set<string>, current: string|null, seenMessages: Set<string>, typingTimer: any, typingSent: boolean, queues: any[], unread: Map<string, number>, assignedAt: Map<string, string> }} */
const state = {
  token: null,
  socket: null,
  me: null,
  offers: new Map(), // offerId → { offerId, expiresAt, workItem }
  assigned: new Map(), // workItemId → view
  revoked: new Set(),
  current: null,
  seenMessages: new Set(),
  typingTimer: null,
  typingSent: false,
  queues: [],
  unread: new Map(), // workItemId → customer messages received while another item was open
  assignedAt: new Map(), // workItemId → ISO instant (from the router, else when this page saw the assignment)
};

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children)
    if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: {
      authorization: `Bearer ${state.token}`,
      ...(init.body && !(init.body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
      ...(init.headers || {}),
    },
  });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new Error(typeof body === 'object' ? String(body.message) : String(body));
  return body;
}

function setStatus(id, text) {
  $(id).textContent = text;
}

// ---------- sign in / out ----------
async function signIn(token) {
  state.token = token;
  try {
    state.me = await api('/v1/agent/me');
  } catch (e) {
    state.token = null;
    setStatus('signin-error', `Sign-in failed: ${e.message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin').hidden = true;
  $('desk').hidden = false;
  $('presence-form').hidden = false;
  $('whoami').textContent = `${state.me.name ?? state.me.agentId} · ${state.me.tenantId}`;
  state.queues = await api('/v1/agent/queues').catch(() => []);
  connect();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.socket?.disconnect();
  location.hash = '';
  location.reload();
}

// ---------- socket ----------
function connect() {
  const socket = io('/agents', { auth: { token: state.token }, transports: ['websocket'] });
  state.socket = socket;
  // The presence control stays disabled until the socket is up: a choice made before that would have
  // nowhere to go. Later disconnects keep it enabled (Socket.IO buffers emits until it reconnects).
  socket.on('connect', () => {
    setStatus('conn', 'connected');
    const presence = /** @type {HTMLSelectElement} */ ($('presence'));
    if (presence.disabled) {
      presence.disabled = false;
      presence.focus();
    }
  });
  socket.on('disconnect', () => setStatus('conn', 'disconnected — reconnecting'));
  socket.on('connect_error', (e) => setStatus('conn', `connection refused: ${e.message}`));
  socket.on('sync', (snap) => applySync(snap));
  socket.on('agent:event', (m) => onAgentEvent(m));
  socket.on('chat:message', (m) => onChatMessage(m));
  socket.on('chat:typing', (t) => onTyping(t));
}

function applySync(snap) {
  // presence as the router recorded it (e.g. set away after missed offers while this tab was disconnected)
  if (snap.presence) /** @type {HTMLSelectElement} */ ($('presence')).value = snap.presence;
  state.offers.clear();
  for (const o of snap.offers) if (!state.revoked.has(o.offerId)) state.offers.set(o.offerId, o);
  state.assigned.clear();
  for (const w of snap.assigned) state.assigned.set(w.workItemId, w);
  renderInbox();
  if (state.current && !state.assigned.has(state.current) && !offerFor(state.current)) clearCurrent();
}

function offerFor(workItemId) {
  for (const o of state.offers.values()) if (o.workItem.workItemId === workItemId) return o;
  return null;
}

function onAgentEvent(m) {
  switch (m.kind) {
    case 'offer':
      if (!state.revoked.has(m.offerId))
        state.offers.set(m.offerId, { offerId: m.offerId, expiresAt: m.expiresAt, workItem: m.workItem });
      break;
    case 'offer_revoked':
      state.revoked.add(m.offerId);
      state.offers.delete(m.offerId);
      break;
    case 'assigned':
      if (m.offerId) state.offers.delete(m.offerId);
      if (!state.assignedAt.has(m.workItem.workItemId))
        state.assignedAt.set(m.workItem.workItemId, new Date().toISOString());
      state.assigned.set(m.workItem.workItemId, { ...m.workItem, status: 'assigned' });
      if (!state.current) openWorkItem(m.workItem.workItemId);
      break;
    case 'unassigned':
      state.assigned.delete(m.workItemId);
      state.unread.delete(m.workItemId);
      if (state.current === m.workItemId) {
        clearCurrent();
        setStatus('action-status', `Work item ${m.reason}.`);
      }
      break;
    case 'presence':
      /** @type {HTMLSelectElement} */ ($('presence')).value = m.presence;
      break;
  }
  renderInbox();
}

// ---------- inbox ----------
function renderInbox() {
  const offers = $('offers');
  offers.replaceChildren();
  for (const o of state.offers.values()) {
    const w = o.workItem;
    const li = el(
      'li',
      { dataset: { offerId: o.offerId, workItemId: w.workItemId } },
      el('div', {}, el('strong', { class: 'customer-name' }, customerName(w)), ' · ', channelLabel(w)),
      el('div', {}, w.queueName ?? 'queue', ' · ', w.context.intent ?? 'no intent'),
      reasonLine(w),
      el(
        'div',
        { class: 'muted' },
        'Waiting ',
        el('span', { class: 'elapsed', dataset: { since: w.createdAt } }, elapsed(w.createdAt)),
      ),
      el(
        'div',
        {},
        'Expires in ',
        el('span', { class: 'countdown', dataset: { expiresAt: o.expiresAt } }, countdown(o.expiresAt)),
      ),
      el('button', { type: 'button', class: 'accept', onclick: () => accept(o) }, 'Accept'),
      ' ',
      el('button', { type: 'button', class: 'decline', onclick: () => decline(o) }, 'Decline'),
    );
    offers.append(li);
  }
  $('no-offers').hidden = state.offers.size > 0;
  const assigned = $('assigned');
  assigned.replaceChildren();
  for (const w of state.assigned.values()) {
    const unread = state.unread.get(w.workItemId) ?? 0;
    const since = w.assignedAt ?? state.assignedAt.get(w.workItemId) ?? w.createdAt;
    assigned.append(
      el(
        'li',
        {
          class: `${state.current === w.workItemId ? 'current' : ''}${unread ? ' unread' : ''}`,
          dataset: { workItemId: w.workItemId },
        },
        el(
          'button',
          { type: 'button', class: 'open', onclick: () => openWorkItem(w.workItemId) },
          el('span', { class: 'customer-name' }, customerName(w)),
          unread
            ? el('span', { class: 'unread-badge', dataset: { testid: 'unread' } }, ` ${unread} unread`)
            : null,
        ),
        el('div', {}, channelLabel(w), ' · ', w.queueName ?? '—', ' · ', w.context.intent ?? 'no intent'),
        reasonLine(w),
        el(
          'div',
          { class: 'muted' },
          'Assigned ',
          el('span', { class: 'elapsed', dataset: { since } }, elapsed(since)),
          ' ago',
        ),
      ),
    );
  }
  $('no-assigned').hidden = state.assigned.size > 0;
}

/** The customer's name from the bot's contact, else "Customer" with the end of the conversation id. */
function customerName(w) {
  const name = w.context.contact?.name;
  return typeof name === 'string' && name.trim() ? name : `Customer …${String(w.conversationId).slice(-6)}`;
}

const CHANNELS = {
  web: 'Web chat',
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  email: 'Email',
  voice: 'Voice',
  phone: 'Phone',
};
function channelLabel(w) {
  return CHANNELS[w.context.channel] ?? w.context.channel;
}

function reasonLine(w) {
  return w.context.escalationReason
    ? el('div', { class: 'reason' }, 'Escalation: ', w.context.escalationReason)
    : null;
}

/** Time since an ISO instant as "42 s", "3 min", "1 h 05 min". */
function elapsed(since) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function countdown(expiresAt) {
  const s = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
  return `${s} s`;
}

setInterval(() => {
  let changed = false;
  for (const o of [...state.offers.values()]) {
    if (Date.parse(o.expiresAt) <= Date.now()) {
      state.offers.delete(o.offerId);
      changed = true;
    }
  }
  if (changed) renderInbox();
  for (const span of document.querySelectorAll('.countdown')) {
    span.textContent = countdown(/** @type {HTMLElement} */ (span).dataset.expiresAt);
  }
  for (const span of document.querySelectorAll('.elapsed')) {
    span.textContent = elapsed(/** @type {HTMLElement} */ (span).dataset.since);
  }
}, 1000);

function emit(event, payload) {
  return new Promise((resolve) => state.socket.emit(event, payload, resolve));
}

async function accept(o) {
  const ack = await emit('offer:accept', { workItemId: o.workItem.workItemId, offerId: o.offerId });
  if (!ack.ok) return setStatus('action-status', `Accept failed: ${ack.error}`);
  setStatus('action-status', 'Accepted — waiting for assignment…');
}

async function decline(o) {
  const ack = await emit('offer:decline', { workItemId: o.workItem.workItemId, offerId: o.offerId });
  if (!ack.ok) return setStatus('action-status', `Decline failed: ${ack.error}`);
  state.offers.delete(o.offerId);
  renderInbox();
}

// ---------- work item: context + chat ----------
function clearCurrent() {
  state.current = null;
  assist.close();
  $('context-body').hidden = true;
  $('no-context').hidden = false;
  $('timeline').replaceChildren();
  $('chat-title').textContent = '';
  setChatEnabled(false);
  renderInbox();
}

function setChatEnabled(on) {
  for (const id of ['chat-input', 'send', 'file', 'upload'])
    /** @type {HTMLInputElement} */ ($(id)).disabled = !on;
}

async function openWorkItem(workItemId) {
  state.current = workItemId;
  state.unread.delete(workItemId);
  state.seenMessages.clear();
  setStatus('action-status', '');
  renderInbox();
  const [detail, history] = await Promise.all([
    api(`/v1/agent/work-items/${workItemId}`),
    api(`/v1/agent/work-items/${workItemId}/messages`),
  ]);
  if (state.current !== workItemId) return;
  renderContext(detail);
  const tl = $('timeline');
  tl.replaceChildren();
  let divided = false;
  for (const entry of history.timeline) {
    if (entry.source === 'bot_transcript') {
      tl.append(
        el(
          'li',
          { class: `bot_transcript ${entry.role}` },
          el('span', { class: 'role' }, entry.role),
          entry.text,
        ),
      );
    } else {
      if (!divided) {
        tl.append(el('li', { class: 'divider' }, '— live conversation —'));
        divided = true;
      }
      appendMessage(entry.message);
    }
  }
  if (!divided) tl.append(el('li', { class: 'divider' }, '— live conversation —'));
  tl.scrollTop = tl.scrollHeight;
  $('chat-title').textContent = customerName(detail);
  setChatEnabled(detail.status === 'assigned');
  if (detail.status === 'assigned') {
    $('chat-input').focus();
    void assist.open(workItemId, assistLines(workItemId, history.timeline));
  } else assist.close('Agent Assist starts when you accept the offer.');
}

/**
 * The lines Agent Assist needs when a conversation opens: the bot transcript's last customer line
 * (so the first suggestion is there at once) and the live text messages since the handoff, each
 * with a stable id (forwarding is idempotent per id).
 */
function assistLines(workItemId, timeline) {
  /** @type {{speaker: 'customer'|'agent', text: string, messageId: string, occurredAt?: string}[]} */
  const lines = [];
  let lastBotCustomer = -1;
  timeline.forEach((e, i) => {
    if (e.source === 'bot_transcript' && e.role === 'user') lastBotCustomer = i;
  });
  timeline.forEach((e, i) => {
    if (e.source === 'bot_transcript' && i === lastBotCustomer)
      lines.push({
        speaker: 'customer',
        text: e.text,
        messageId: `transcript:${workItemId}:${i}`,
        occurredAt: e.at,
      });
    else if (e.source === 'live' && e.message.kind === 'text' && e.message.text?.trim())
      lines.push(assistLine(e.message));
  });
  return lines;
}

/** A live chat message as an assist line. */
function assistLine(m) {
  return {
    speaker: m.sender.role === 'agent' ? 'agent' : 'customer',
    text: m.text,
    messageId: m.messageId,
    occurredAt: m.sentAt,
  };
}

function renderContext(d) {
  const c = d.context;
  $('no-context').hidden = true;
  $('context-body').hidden = false;
  $('ctx-queue').textContent = d.queueName ?? '—';
  $('ctx-channel').textContent = `${c.channel} (${d.type})`;
  $('ctx-intent').textContent = c.intent ?? '—';
  $('ctx-reason').textContent = c.escalationReason ?? '—';
  $('ctx-sentiment').textContent =
    c.sentiment == null ? '—' : `${c.sentiment.toFixed(2)} (${c.sentimentSource})`;
  $('ctx-summary').textContent = c.summary ? `${c.summary} (${c.summarySource})` : '—';
  const dl = (id, obj) => {
    const node = $(id);
    node.replaceChildren();
    const entries = Object.entries(obj ?? {});
    if (!entries.length) node.append(el('dd', {}, '—'));
    for (const [k, v] of entries) node.append(el('dt', {}, k), el('dd', {}, v == null ? '—' : String(v)));
  };
  dl('ctx-contact', c.contact);
  dl('ctx-attributes', c.attributes);
  const tr = $('ctx-transfers');
  tr.replaceChildren();
  for (const t of d.transfers) {
    tr.append(
      el(
        'li',
        {},
        `${new Date(t.at).toLocaleTimeString()}: ${t.fromQueueName ?? '—'} → ${t.toQueueName ?? t.toQueueId} by ${t.byAgentId ?? '?'}${t.reason ? ` (${t.reason})` : ''}`,
      ),
    );
  }
  if (!d.transfers.length) tr.append(el('li', { class: 'muted' }, 'none'));
  const sel = /** @type {HTMLSelectElement} */ ($('transfer-queue'));
  sel.replaceChildren(
    ...state.queues.filter((q) => q.id !== d.queueId).map((q) => el('option', { value: q.id }, q.name)),
  );
}

function appendMessage(m) {
  if (state.seenMessages.has(m.messageId)) return;
  state.seenMessages.add(m.messageId);
  const body =
    m.kind === 'file'
      ? el(
          'a',
          {
            href: '#',
            onclick: (ev) => {
              ev.preventDefault();
              download(m.file);
            },
          },
          `📎 ${m.file.name} (${Math.ceil(m.file.sizeBytes / 1024)} KiB)`,
        )
      : m.text;
  const li = el(
    'li',
    { class: m.sender.role, dataset: { messageId: m.messageId } },
    el('span', { class: 'role' }, m.sender.name ?? m.sender.role),
    body,
  );
  const tl = $('timeline');
  tl.append(li);
  tl.scrollTop = tl.scrollHeight;
}

async function download(file) {
  // Our own uploads: fetch with the agent token; customers' files: the platform's URL.
  if (!file.url.includes('/v1/files/')) return window.open(file.url, '_blank', 'noopener');
  const res = await fetch(`/v1/files/${file.fileId}`, {
    headers: { authorization: `Bearer ${state.token}` },
  });
  if (!res.ok) return setStatus('file-status', `Download failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: file.name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function onChatMessage(m) {
  if (m.workItemId && m.workItemId === state.current) {
    appendMessage(m);
    if (m.sender.role !== 'agent') setStatus('typing', '');
    if (m.kind === 'text' && m.text?.trim()) void assist.forward(assistLine(m));
  } else if (m.workItemId && state.assigned.has(m.workItemId) && m.sender.role !== 'agent') {
    state.unread.set(m.workItemId, (state.unread.get(m.workItemId) ?? 0) + 1);
    renderInbox();
  }
}

function onTyping(t) {
  if (t.workItemId !== state.current || t.role === 'agent') return;
  setStatus('typing', t.typing ? 'Customer is typing…' : '');
}

async function sendMessage() {
  const input = /** @type {HTMLTextAreaElement} */ ($('chat-input'));
  const text = input.value.trim();
  if (!text || !state.current) return;
  input.value = '';
  stopTyping();
  const ack = await emit('chat:send', {
    workItemId: state.current,
    text,
    clientMessageId: crypto.randomUUID(),
  });
  if (!ack.ok) {
    input.value = text;
    return setStatus('action-status', `Send failed: ${ack.error}`);
  }
  appendMessage(ack.message);
  if (ack.message?.kind === 'text') void assist.forward(assistLine(ack.message));
}

/** "Insert into reply": the suggestion goes into the message box (after what is typed), focused. */
function insertIntoReply(text) {
  const input = /** @type {HTMLTextAreaElement} */ ($('chat-input'));
  if (input.disabled) return;
  input.value = input.value.trim() ? `${input.value.trimEnd()} ${text}` : text;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  setStatus('action-status', 'Suggestion inserted into the reply — edit it, then press Enter to send.');
}

const assist = new AssistPanel({ api, insertIntoReply });

function typingKeystroke() {
  if (!state.current) return;
  if (!state.typingSent) {
    state.typingSent = true;
    void emit('chat:typing', { workItemId: state.current, typing: true });
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, 3000);
}

function stopTyping() {
  clearTimeout(state.typingTimer);
  if (state.typingSent && state.current)
    void emit('chat:typing', { workItemId: state.current, typing: false });
  state.typingSent = false;
}

// ---------- wire up ----------
$('signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void signIn(/** @type {HTMLTextAreaElement} */ ($('token')).value.trim());
});
$('sign-out').addEventListener('click', signOut);
$('presence').addEventListener('change', async (ev) => {
  const presence = /** @type {HTMLSelectElement} */ (ev.target).value;
  const ack = await emit('presence:set', { presence });
  setStatus('conn', ack.ok ? `connected · ${presence}` : `presence failed: ${ack.error}`);
});
$('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void sendMessage();
});
$('chat-input').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    void sendMessage();
  } else typingKeystroke();
});
$('file-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('file'));
  if (!input.files?.length || !state.current) return;
  const form = new FormData();
  form.append('file', input.files[0]);
  setStatus('file-status', 'Uploading…');
  try {
    const { message } = await api(`/v1/agent/work-items/${state.current}/files`, {
      method: 'POST',
      body: form,
    });
    appendMessage(message);
    setStatus('file-status', 'Shared.');
    input.value = '';
  } catch (e) {
    setStatus('file-status', `Upload refused: ${e.message}`);
  }
});
$('transfer-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!state.current) return;
  try {
    await api(`/v1/agent/work-items/${state.current}/transfer`, {
      method: 'POST',
      body: JSON.stringify({
        toQueueId: /** @type {HTMLSelectElement} */ ($('transfer-queue')).value,
        reason: /** @type {HTMLInputElement} */ ($('transfer-reason')).value || undefined,
      }),
    });
    setStatus('action-status', 'Transfer requested.');
  } catch (e) {
    setStatus('action-status', `Transfer failed: ${e.message}`);
  }
});
$('wrapup-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!state.current) return;
  try {
    await api(`/v1/agent/work-items/${state.current}/complete`, {
      method: 'POST',
      body: JSON.stringify({
        note: /** @type {HTMLTextAreaElement} */ ($('wrapup-note')).value || undefined,
        disposition: /** @type {HTMLInputElement} */ ($('wrapup-disposition')).value || undefined,
      }),
    });
    setStatus('action-status', 'Wrap-up sent.');
  } catch (e) {
    setStatus('action-status', `Complete failed: ${e.message}`);
  }
});

// Token from the URL fragment (`#token=…`, never sent to the server) or the session.
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) history.replaceState(null, '', location.pathname);
const saved = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
else $('token').focus();
