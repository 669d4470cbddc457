import type { Redis } from 'ioredis';
import type { Presence } from '@hub/contracts';
import type { AgentAddress } from '../domain/agent-channel';

/** Injection token of the {@link PresenceRegistry}. */
export const PRESENCE_REGISTRY = Symbol('PRESENCE_REGISTRY');

/**
 * Shared record of every agent's live connections across all gateway replicas, and of the presence the
 * gateways last announced for the agent. Each connection is an entry that expires unless its replica
 * refreshes it; every operation is atomic, so replicas racing on connect / disconnect / sweep agree on
 * who announces what. Times are the registry's own clock (not the replicas'), in milliseconds.
 */
export interface PresenceRegistry {
  /**
   * Records or refreshes a live connection: it expires `ttlMs` from now.
   * @param onConnect presence to record and announce when this is the agent's first live connection
   *                  (null: leave presence to the agent)
   * @returns the presence to announce to the router (`onConnect`, just recorded), or null
   */
  touch(
    agent: AgentAddress,
    connectionId: string,
    ttlMs: number,
    onConnect: Presence | null,
  ): Promise<Presence | null>;
  /** A connection closed: it stays counted for `graceMs` more (a reload or reconnect keeps the agent). */
  release(agent: AgentAddress, connectionId: string, graceMs: number): Promise<void>;
  /** Up to `limit` agents whose latest connection has expired (candidates for {@link sweep}). */
  due(limit: number): Promise<AgentAddress[]>;
  /**
   * Drops the agent's expired connections. If none is left, forgets the agent, records `offline`
   * (kept `retentionMs`) and returns true when offline must be announced (it was not recorded already).
   */
  sweep(agent: AgentAddress, retentionMs: number): Promise<boolean>;
  /** Records the agent's presence (an explicit change from one of their connections). */
  record(agent: AgentAddress, presence: Presence): Promise<void>;
  /** The presence last recorded for the agent, or null if none is. */
  recorded(agent: AgentAddress): Promise<Presence | null>;
  /** Releases the registry's connection. */
  close(): Promise<void>;
}

// Every script reads the clock of Redis (TIME), so replicas with skewed clocks agree on expiry.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS conns, presence, index; ARGV connectionId, ttlMs, indexMember, onConnect ('' = none). */
const TOUCH = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local had = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[3], last[2], ARGV[3])
redis.call('PERSIST', KEYS[2])
if had > 0 or ARGV[4] == '' then return '' end
if redis.call('GET', KEYS[2]) == ARGV[4] then return '' end
redis.call('SET', KEYS[2], ARGV[4])
return ARGV[4]`;

/** KEYS conns, index; ARGV connectionId, graceMs, indexMember. */
const RELEASE = `${NOW}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], last[2], ARGV[3])
return 1`;

/** KEYS index; ARGV limit. */
const DUE = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))`;

/** KEYS conns, presence, index; ARGV indexMember, retentionMs. */
const SWEEP = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[1] then
  redis.call('ZADD', KEYS[3], last[2], ARGV[1])
  return 0
end
redis.call('ZREM', KEYS[3], ARGV[1])
local prev = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], 'offline', 'PX', tonumber(ARGV[2]))
if prev == 'offline' then return 0 end
return 1`;

type PresenceRedis = Redis & {
  presenceTouch(
    conns: string,
    presence: string,
    index: string,
    connectionId: string,
    ttlMs: number,
    member: string,
    onConnect: string,
  ): Promise<string>;
  presenceRelease(
    conns: string,
    index: string,
    connectionId: string,
    graceMs: number,
    member: string,
  ): Promise<number>;
  presenceDue(index: string, limit: number): Promise<string[]>;
  presenceSweep(
    conns: string,
    presence: string,
    index: string,
    member: string,
    retentionMs: number,
  ): Promise<number>;
};

/**
 * {@link PresenceRegistry} in Redis (ioredis, Lua scripts via `defineCommand`: each operation is one
 * atomic script). Keys, all under `REDIS_NAMESPACE`:
 *  - `hub:gw:t:<tenant>:agent:<agent>:conns` — sorted set, member = connection id (`<replica>:<socket>`),
 *    score = expiry (epoch ms, Redis clock);
 *  - `hub:gw:t:<tenant>:agent:<agent>:presence` — the presence last recorded for the agent
 *    (no TTL while connected; `retentionMs` after the agent went offline);
 *  - `hub:gw:presence:due` — sorted set, member = `<tenant>:<agent>`, score = expiry of the agent's
 *    latest connection: the sweepers' work list.
 * A single Redis (or one primary) is assumed: a script touches the agent's keys and the shared index.
 */
export class RedisPresenceRegistry implements PresenceRegistry {
  private readonly redis: PresenceRedis;
  private readonly index: string;

  /**
   * @param redis a connection of its own: the registry adds its scripts to it and quits it in {@link close}
   * @param namespace `REDIS_NAMESPACE` prefix
   */
  constructor(
    redis: Redis,
    private readonly namespace: string,
  ) {
    redis.defineCommand('presenceTouch', { numberOfKeys: 3, lua: TOUCH });
    redis.defineCommand('presenceRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('presenceDue', { numberOfKeys: 1, lua: DUE });
    redis.defineCommand('presenceSweep', { numberOfKeys: 3, lua: SWEEP });
    this.redis = redis as PresenceRedis;
    this.index = `${namespace}hub:gw:presence:due`;
  }

  async touch(
    agent: AgentAddress,
    connectionId: string,
    ttlMs: number,
    onConnect: Presence | null,
  ): Promise<Presence | null> {
    const announce = await this.redis.presenceTouch(
      this.key(agent, 'conns'),
      this.key(agent, 'presence'),
      this.index,
      connectionId,
      ttlMs,
      member(agent),
      onConnect ?? '',
    );
    return announce ? (announce as Presence) : null;
  }

  async release(agent: AgentAddress, connectionId: string, graceMs: number): Promise<void> {
    await this.redis.presenceRelease(
      this.key(agent, 'conns'),
      this.index,
      connectionId,
      graceMs,
      member(agent),
    );
  }

  async due(limit: number): Promise<AgentAddress[]> {
    const members = await this.redis.presenceDue(this.index, limit);
    return members.map(parseMember).filter((a): a is AgentAddress => a !== null);
  }

  async sweep(agent: AgentAddress, retentionMs: number): Promise<boolean> {
    const announce = await this.redis.presenceSweep(
      this.key(agent, 'conns'),
      this.key(agent, 'presence'),
      this.index,
      member(agent),
      retentionMs,
    );
    return announce === 1;
  }

  async record(agent: AgentAddress, presence: Presence): Promise<void> {
    await this.redis.set(this.key(agent, 'presence'), presence);
  }

  async recorded(agent: AgentAddress): Promise<Presence | null> {
    return (await this.redis.get(this.key(agent, 'presence'))) as Presence | null;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(a: AgentAddress, what: 'conns' | 'presence'): string {
    return `${this.namespace}hub:gw:t:${a.tenantId}:agent:${a.agentId}:${what}`;
  }
}

/** Index member of an agent: `<tenant>:<agent>` (tenant slugs never contain `:`; agent ids may). */
function member(a: AgentAddress): string {
  return `${a.tenantId}:${a.agentId}`;
}

function parseMember(m: string): AgentAddress | null {
  const i = m.indexOf(':');
  return i > 0 && i < m.length - 1 ? { tenantId: m.slice(0, i), agentId: m.slice(i + 1) } : null;
}
