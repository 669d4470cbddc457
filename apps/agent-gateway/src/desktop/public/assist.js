// @ts-check
// Agent Assist panel of the Agent Desktop: the suggestions assist-gateway streams for the open
// conversation (the same `/assist` stream vendor widgets get, provider `hub`), and the conversation's
// lines forwarded to it (`utterance`) so suggestion-service answers from the knowledge base mapped to
// the work item's queue. All server text is inserted with textContent (never as HTML).
import { io } from '/socket.io/socket.io.esm.min.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @typedef {{ documentId: string, title: string, score?: number }} Source
 * @typedef {{ suggestionId: string, utteranceId?: string, answer: string, confidence?: number, generator?: string,
 *   fallbackReason?: string, sources?: Source[], occurredAt: string }} SuggestionView
 */

/**
 * One open assist stream (one work item). `insertIntoReply(text)` is how "Insert into reply"
 * reaches the chat box.
 */
export class AssistPanel {
  /**
   * @param {{ api: (path: string, init?: RequestInit) => Promise<any>, insertIntoReply: (text: string) => void }} deps
   */
  constructor(deps) {
    this.deps = deps;
    /** @type {any} */ this.socket = null;
    /** @type {string|null} */ this.workItemId = null;
    /** @type {string|null} */ this.queue = null;
    /** @type {Set<string>} */ this.seen = new Set();
    /** @type {Map<string, {seq: number, text: string, li: HTMLElement}>} */ this.partials = new Map();
    /** @type {Set<string>} */ this.forwarded = new Set();
    this.list = $('suggestions');
  }

  /** Closes the current stream and clears the panel. */
  close(status = 'Select a work item to see suggestions.') {
    this.socket?.disconnect();
    this.socket = null;
    this.workItemId = null;
    this.queue = null;
    this.seen.clear();
    this.partials.clear();
    this.forwarded.clear();
    this.list.replaceChildren();
    $('assist-kb').textContent = '';
    $('no-suggestions').hidden = true;
    this.status(status);
  }

  /** @param {string} text */
  status(text) {
    $('assist-status').textContent = text;
  }

  /**
   * Opens the stream of an assigned work item: asks the gateway for a widget token bound to it,
   * connects to assist-gateway, forwards `pending` lines (the conversation so far) once connected.
   * @param {string} workItemId
   * @param {{speaker: 'customer'|'agent', text: string, messageId: string, occurredAt?: string}[]} pending
   */
  async open(workItemId, pending) {
    this.close('Connecting to Agent Assist…');
    this.workItemId = workItemId;
    /** @type {any} */
    let session;
    try {
      session = await this.deps.api(`/v1/agent/work-items/${workItemId}/assist-session`, { method: 'POST' });
    } catch (e) {
      if (this.workItemId === workItemId) this.status(`Agent Assist unavailable: ${e.message}`);
      return;
    }
    if (this.workItemId !== workItemId) return;
    this.queue = session.queue;
    $('assist-kb').textContent = session.queue
      ? `Knowledge base mapped to queue ${session.queue}`
      : 'Knowledge base: the tenant default';
    let token = session.token;
    const socket = io(`${session.gatewayUrl}/assist`, {
      auth: (/** @type {(a: object) => void} */ cb) => cb({ token }),
      transports: ['websocket'],
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.status('Listening to the conversation');
      for (const line of pending) void this.forward(line);
    });
    socket.on('connect_error', (/** @type {any} */ e) =>
      this.status(`Agent Assist refused the connection: ${e.message}`),
    );
    socket.on('disconnect', () => this.status('Agent Assist disconnected — reconnecting'));
    socket.on('session', (/** @type {{token: string}} */ s) => (token = s.token));
    socket.on('suggestions.snapshot', (/** @type {{suggestions: SuggestionView[]}} */ p) =>
      p.suggestions.forEach((s) => this.render(s)),
    );
    socket.on('suggestion.delta', (/** @type {any} */ d) => this.renderDelta(d));
    socket.on('suggestion', (/** @type {SuggestionView} */ s) => this.render(s));
    $('no-suggestions').hidden = false;
  }

  /**
   * Forwards one line of the open conversation (idempotent: the message id is the utterance id).
   * @param {{speaker: 'customer'|'agent', text: string, messageId: string, occurredAt?: string}} line
   */
  async forward(line) {
    if (!this.socket || this.forwarded.has(line.messageId)) return;
    this.forwarded.add(line.messageId);
    const payload = { ...line, ...(this.queue ? { queue: this.queue } : {}) };
    const socket = this.socket;
    const ack = await new Promise((resolve) =>
      socket
        .timeout(15_000)
        .emit('utterance', payload, (/** @type {any} */ err, /** @type {any} */ a) =>
          resolve(err ? { ok: false, error: 'no answer from Agent Assist' } : a),
        ),
    );
    if (!ack.ok) {
      this.forwarded.delete(line.messageId);
      this.status(`Could not send a line to Agent Assist: ${ack.error}`);
    }
  }

  /** A complete suggestion: rendered once, replacing its partial answer in place. @param {SuggestionView} s */
  render(s) {
    if (this.seen.has(s.suggestionId)) return;
    this.seen.add(s.suggestionId);
    const li = this.item(s, false);
    const p = this.partials.get(s.suggestionId);
    this.partials.delete(s.suggestionId);
    if (p && p.li.parentNode === this.list) this.list.replaceChild(li, p.li);
    else this.insert(li, s.occurredAt);
  }

  /**
   * A piece of an answer being generated: seq 1 (re)starts it with sources and confidence, the next
   * seq appends; duplicates, gaps and pieces of a completed answer are ignored.
   * @param {{suggestionId: string, utteranceId?: string, seq: number, text: string, sources?: Source[], confidence?: number, occurredAt: string}} d
   */
  renderDelta(d) {
    if (this.seen.has(d.suggestionId)) return;
    const p = this.partials.get(d.suggestionId);
    if (d.seq === 1) {
      const li = this.item(
        {
          suggestionId: d.suggestionId,
          utteranceId: d.utteranceId,
          answer: d.text,
          confidence: d.confidence,
          sources: d.sources,
          occurredAt: d.occurredAt,
        },
        true,
      );
      if (p && p.li.parentNode === this.list) this.list.replaceChild(li, p.li);
      else this.insert(li, d.occurredAt);
      this.partials.set(d.suggestionId, { seq: 1, text: d.text, li });
      return;
    }
    if (!p || d.seq !== p.seq + 1) return;
    p.seq = d.seq;
    p.text += d.text;
    /** @type {HTMLElement} */ (p.li.querySelector('.answer')).textContent = p.text;
  }

  /** Newest first. @param {HTMLElement} li @param {string} occurredAt */
  insert(li, occurredAt) {
    $('no-suggestions').hidden = true;
    const before = [...this.list.children].find(
      (c) => (c.querySelector('time')?.getAttribute('datetime') ?? '') <= occurredAt,
    );
    this.list.insertBefore(li, before ?? null);
  }

  /** @param {SuggestionView} s @param {boolean} partial */
  item(s, partial) {
    const li = document.createElement('li');
    li.className = 'suggestion';
    li.dataset.suggestionId = s.suggestionId;
    if (s.utteranceId) li.dataset.utteranceId = s.utteranceId;
    li.dataset.state = partial ? 'partial' : 'complete';
    if (partial) li.setAttribute('aria-busy', 'true');
    const answer = document.createElement('p');
    answer.className = 'answer';
    answer.textContent = s.answer;
    const meta = document.createElement('p');
    meta.className = 'meta';
    const conf = typeof s.confidence === 'number' ? Math.round(s.confidence * 100) : null;
    const time = document.createElement('time');
    time.setAttribute('datetime', s.occurredAt);
    time.textContent = new Date(s.occurredAt).toLocaleTimeString();
    meta.append(
      conf === null ? '' : `Confidence ${conf}%`,
      s.generator ? ` · ${s.generator}` : partial ? ' · generating…' : '',
      ' · ',
      time,
    );
    if (conf !== null) meta.dataset.confidence = String(conf);
    li.append(answer, meta);
    if (s.sources?.length) {
      const h = document.createElement('h3');
      h.textContent = 'Sources';
      const ul = document.createElement('ul');
      ul.className = 'sources';
      for (const src of s.sources) {
        const item = document.createElement('li');
        item.dataset.documentId = src.documentId;
        const cite = document.createElement('cite');
        cite.textContent = src.title;
        item.append(cite);
        if (typeof src.score === 'number') item.append(` (score ${src.score.toFixed(3)})`);
        ul.append(item);
      }
      li.append(h, ul);
    }
    const actions = document.createElement('div');
    actions.className = 'actions';
    const text = () => /** @type {HTMLElement} */ (li.querySelector('.answer')).textContent ?? '';
    const insert = document.createElement('button');
    insert.type = 'button';
    insert.className = 'insert';
    insert.textContent = 'Insert into reply';
    insert.addEventListener('click', () => this.deps.insertIntoReply(text()));
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'copy';
    copy.textContent = 'Copy';
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(text());
        this.status('Suggestion copied to the clipboard.');
      } catch (e) {
        this.status(`Copy failed: ${/** @type {Error} */ (e).message}`);
      }
    });
    actions.append(insert, ' ', copy);
    li.append(actions);
    return li;
  }
}
