import { resolveQueue, type QueueCandidate } from './queue-resolution';

const q = (id: string, name: string, o: Partial<QueueCandidate> = {}, age = 0): QueueCandidate => ({
  id,
  name,
  active: true,
  isDefault: false,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, age)),
  ...o,
});

const ID = {
  a: '00000000-0000-4000-8000-00000000000a',
  b: '00000000-0000-4000-8000-00000000000b',
  c: '00000000-0000-4000-8000-00000000000c',
  d: '00000000-0000-4000-8000-00000000000d',
};

describe('resolveQueue (seed 000 priority order)', () => {
  const queues = [
    q(ID.a, 'General', {}, 1),
    q(ID.b, 'Billing', {}, 2),
    q(ID.c, 'Default', { isDefault: true }, 3),
    q(ID.d, 'Sales', {}, 4),
  ];

  it('level 1: queue_id wins over everything else', () => {
    const r = resolveQueue(
      { routing: { queue_id: ID.d, queue: 'Billing' }, integrationDefaultQueueId: ID.a },
      queues,
    );
    expect(r).toEqual({ kind: 'resolved', queue: queues[3], level: 1 });
  });

  it('level 2: queue name, then queue_name, case-sensitive', () => {
    expect(
      resolveQueue({ routing: { queue: 'Billing' }, integrationDefaultQueueId: ID.a }, queues),
    ).toMatchObject({
      queue: { id: ID.b },
      level: 2,
    });
    expect(
      resolveQueue({ routing: { queue_name: 'Sales' }, integrationDefaultQueueId: ID.a }, queues),
    ).toMatchObject({ queue: { id: ID.d }, level: 2 });
    // "billing" does not match "Billing": falls through to the integration default.
    expect(
      resolveQueue({ routing: { queue: 'billing' }, integrationDefaultQueueId: ID.a }, queues),
    ).toMatchObject({
      queue: { id: ID.a },
      level: 3,
    });
    // `queue` is tried before `queue_name`; an unknown `queue` falls back to `queue_name`.
    expect(
      resolveQueue(
        { routing: { queue: 'Nope', queue_name: 'Billing' }, integrationDefaultQueueId: null },
        queues,
      ),
    ).toMatchObject({ queue: { id: ID.b }, level: 2 });
  });

  it('level 3: the integration default queue', () => {
    expect(resolveQueue({ routing: {}, integrationDefaultQueueId: ID.b }, queues)).toMatchObject({
      queue: { id: ID.b },
      level: 3,
    });
  });

  it('level 4: the tenant default queue', () => {
    expect(resolveQueue({ routing: {}, integrationDefaultQueueId: null }, queues)).toMatchObject({
      queue: { id: ID.c },
      level: 4,
    });
  });

  it('level 5: the first (oldest) active queue', () => {
    const noDefault = queues.map((x) => ({ ...x, isDefault: false }));
    expect(
      resolveQueue({ routing: {}, integrationDefaultQueueId: null }, [...noDefault].reverse()),
    ).toMatchObject({
      queue: { id: ID.a },
      level: 5,
    });
  });

  it('skips inactive and unknown queues at every level', () => {
    const some = [
      q(ID.a, 'General', { active: false }, 1),
      q(ID.b, 'Billing', { active: false }, 2),
      q(ID.c, 'Default', { isDefault: true, active: false }, 3),
      q(ID.d, 'Sales', {}, 4),
    ];
    const r = resolveQueue(
      {
        routing: { queue_id: ID.a, queue: 'Billing', queue_name: 'Unknown' },
        integrationDefaultQueueId: ID.b,
      },
      some,
    );
    expect(r).toMatchObject({ queue: { id: ID.d }, level: 5 });
    // an unknown queue_id (e.g. another tenant's) is skipped, not trusted
    expect(
      resolveQueue(
        { routing: { queue_id: '00000000-0000-4000-8000-0000000000ff' }, integrationDefaultQueueId: null },
        some,
      ),
    ).toMatchObject({ queue: { id: ID.d }, level: 5 });
  });

  it('no active queue → none', () => {
    expect(
      resolveQueue({ routing: { queue: 'General' }, integrationDefaultQueueId: ID.a }, [
        q(ID.a, 'General', { active: false }),
      ]),
    ).toEqual({ kind: 'none' });
    expect(resolveQueue({ routing: {}, integrationDefaultQueueId: null }, [])).toEqual({ kind: 'none' });
  });
});
