import { DEFAULT_LOCAL_EMBEDDING_MODEL, localRetrievalModelName } from './config';

describe('localRetrievalModelName (ASSIST_RETRIEVAL / ASSIST_LOCAL_EMBEDDING_MODEL)', () => {
  it('is lexical by default: nothing to load on a machine without model files', () => {
    expect(localRetrievalModelName({})).toBeNull();
  });
  it('hybrid loads the default model unless one is named', () => {
    expect(localRetrievalModelName({ ASSIST_RETRIEVAL: 'hybrid' })).toBe(DEFAULT_LOCAL_EMBEDDING_MODEL);
    expect(
      localRetrievalModelName({
        ASSIST_RETRIEVAL: 'hybrid',
        ASSIST_LOCAL_EMBEDDING_MODEL: 'all-minilm-l6-v2',
      }),
    ).toBe('all-minilm-l6-v2');
  });
  it('a model named without a mode means hybrid; lexical wins when stated', () => {
    expect(localRetrievalModelName({ ASSIST_LOCAL_EMBEDDING_MODEL: 'all-minilm-l6-v2' })).toBe(
      'all-minilm-l6-v2',
    );
    expect(
      localRetrievalModelName({
        ASSIST_RETRIEVAL: 'lexical',
        ASSIST_LOCAL_EMBEDDING_MODEL: 'all-minilm-l6-v2',
      }),
    ).toBeNull();
  });
});
