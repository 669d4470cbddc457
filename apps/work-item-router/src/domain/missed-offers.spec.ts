import { goesAwayAfterMisses, missedOfferEffect } from './missed-offers';

describe('missedOfferEffect', () => {
  it('an expiry counts; an accept or a decline (the agent answered) ends the run; a revoke keeps it', () => {
    expect(missedOfferEffect('expired')).toBe('count');
    expect(missedOfferEffect('accepted')).toBe('reset');
    expect(missedOfferEffect('declined')).toBe('reset');
    expect(missedOfferEffect('revoked')).toBe('keep');
  });
});

describe('goesAwayAfterMisses', () => {
  it('an online agent goes away when its run reaches the threshold', () => {
    expect(goesAwayAfterMisses({ presence: 'online', missedOffers: 1 }, 2)).toBe(false);
    expect(goesAwayAfterMisses({ presence: 'online', missedOffers: 2 }, 2)).toBe(true);
    expect(goesAwayAfterMisses({ presence: 'online', missedOffers: 3 }, 2)).toBe(true);
    expect(goesAwayAfterMisses({ presence: 'online', missedOffers: 1 }, 1)).toBe(true);
  });
  it('threshold 0 disables it', () => {
    expect(goesAwayAfterMisses({ presence: 'online', missedOffers: 50 }, 0)).toBe(false);
  });
  it('an agent already away or offline keeps its presence', () => {
    expect(goesAwayAfterMisses({ presence: 'away', missedOffers: 5 }, 2)).toBe(false);
    expect(goesAwayAfterMisses({ presence: 'offline', missedOffers: 5 }, 2)).toBe(false);
  });
});
