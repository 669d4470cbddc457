import { assignmentOrder } from './callback-availability';

describe('assignmentOrder (callback team members)', () => {
  it('fewest bookings that day first', () => {
    expect(
      assignmentOrder(
        ['cy', 'ann', 'bob'],
        new Map([
          ['ann', 2],
          ['bob', 0],
          ['cy', 1],
        ]),
      ),
    ).toEqual(['bob', 'cy', 'ann']);
  });

  it('ties by agent id; absent counts are 0', () => {
    expect(assignmentOrder(['bob', 'ann', 'dan'], new Map([['dan', 1]]))).toEqual(['ann', 'bob', 'dan']);
  });

  it('does not change its input', () => {
    const free = ['b', 'a'];
    assignmentOrder(free, new Map());
    expect(free).toEqual(['b', 'a']);
  });
});
