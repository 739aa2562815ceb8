import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { describeError } from '../../src/core/lifecycle/provider-input.js';
import { createLogger, stripUrlCredentials } from '../../src/logging/create-logger.js';
import { createHarness } from '../helpers/harness.js';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logging', () => {
  it('redacts secrets by key', () => {
    const sink = capture();
    const log = createLogger({ level: 'info', destination: sink.stream });
    log.info(
      {
        password: 'hunter2',
        token: 'xoxb-123',
        slack: { token: 'xoxb-456' },
        credential: { secret: 'pw' },
        authorization: 'Bearer abc',
        requestId: 'r1',
      },
      'event',
    );
    const text = sink.text();
    for (const secret of ['hunter2', 'xoxb-123', 'xoxb-456', '"pw"', 'Bearer abc']) expect(text).not.toContain(secret);
    expect(text).toContain('r1');
    expect(text).toContain('[REDACTED]');
  });

  it('strips credentials from URLs in messages', () => {
    expect(stripUrlCredentials('connect postgres://admin:hunter2@db:5432/x failed')).toBe('connect postgres://***@db:5432/x failed');
    expect(describeError(new Error('ECONNREFUSED postgres://admin:hunter2@db:5432/x'))).not.toContain('hunter2');
  });

  it('never logs the credential of a real grant', async () => {
    const sink = capture();
    const h = await createHarness('pglite');
    try {
      h.deps.log = createLogger({ level: 'trace', destination: sink.stream });
      await handleCommand(h.deps, {
        actor: 'alice@example.com',
        text: '/access demo-db 15m read checking replication lag INC-42',
        origin: { platform: 'console' },
      });
      await handleCommand(h.deps, { actor: 'bob@example.com', text: 'approve KC-1', origin: { platform: 'console' } });
      expect(h.chat.dms('alice@example.com', 'credential')).toHaveLength(1);
      expect(sink.text()).toContain('grant active');
      expect(sink.text()).not.toContain('s3cret-KC-1');
    } finally {
      await h.close();
    }
  });
});
