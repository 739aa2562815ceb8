import { describe, expect, it } from 'vitest';
import { isSlackResponseUrl } from '../../../src/chat/slack/responder.js';

describe('response_url rule', () => {
  it('accepts only Slack hosts over https in production', () => {
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T1/1/abc')).toBe(true);
    expect(isSlackResponseUrl('https://hooks.slack-gov.com/actions/T1/1/abc')).toBe(true);
    expect(isSlackResponseUrl('http://hooks.slack.com/commands/T1/1/abc')).toBe(false);
    expect(isSlackResponseUrl('https://hooks.slack.com.evil.example/x')).toBe(false);
    expect(isSlackResponseUrl('https://evil.example/hooks.slack.com')).toBe(false);
    expect(isSlackResponseUrl('not a url')).toBe(false);
  });

  it('also accepts the origin SLACK_API_URL points at, and nothing else', () => {
    const api = 'http://127.0.0.1:4010/api/';
    expect(isSlackResponseUrl('http://127.0.0.1:4010/response/1', api)).toBe(true);
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T1/1/abc', api)).toBe(true);
    expect(isSlackResponseUrl('http://127.0.0.1:4011/response/1', api)).toBe(false);
    expect(isSlackResponseUrl('http://localhost:4010/response/1', api)).toBe(false);
  });
});
