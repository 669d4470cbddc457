import { buildReaderUrl } from './reader-url';

const endpoint = {
  scheme: 'wss' as const,
  host: 'pulsar-ws-euw2.8x8.com',
  eightByEightTenant: 'my-tenant',
  receiverQueueSize: 1000,
};

describe('buildReaderUrl', () => {
  it('builds the all-events reader URL from earliest/latest', () => {
    expect(buildReaderUrl(endpoint, 'earliest')).toBe(
      'wss://pulsar-ws-euw2.8x8.com/ws/v2/reader/persistent/my-tenant/event-v1/all?messageId=earliest&receiverQueueSize=1000',
    );
    expect(buildReaderUrl({ ...endpoint, scheme: 'ws', host: '127.0.0.1:9000' }, 'latest')).toContain(
      'ws://127.0.0.1:9000/ws/v2/reader/persistent/my-tenant/event-v1/all?messageId=latest',
    );
  });

  it('URL-encodes a stored base64 message id so it survives the query string', () => {
    const url = buildReaderUrl(endpoint, { after: 'CAE+EP/BAQ==' });
    expect(url).toContain('messageId=CAE%2BEP%2FBAQ%3D%3D');
    expect(new URL(url).searchParams.get('messageId')).toBe('CAE+EP/BAQ==');
  });
});
