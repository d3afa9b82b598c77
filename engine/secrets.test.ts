import { describe, expect, it } from 'vitest';
import { scrubbedError, secretScrubber } from './secrets.js';

const KEY = 'sk-ant-api03-Zq7vK2mP9xR4tW8yB1nC5dF3gH6jL0-AbCdEfGh';
const OTHER = 'sk-or-v1-0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('secretScrubber', () => {
  const scrub = secretScrubber([KEY, OTHER, undefined, '  ']);

  it('takes every configured key out, wherever it appears', () => {
    expect(scrub(`invalid x-api-key: ${KEY}`)).toBe('invalid x-api-key: [redacted]');
    expect(scrub(`{"error":{"message":"Bearer ${OTHER} rejected"},"echo":"${KEY}${KEY}"}`)).toBe('{"error":{"message":"Bearer [redacted] rejected"},"echo":"[redacted]"}');
  });

  it('takes out a key cut short or split, down to 16 characters of it', () => {
    expect(scrub(`key ${KEY.slice(0, 20)}... is invalid`)).toBe('key [redacted]... is invalid');
    expect(scrub(`key ...${KEY.slice(-16)} is invalid`)).toBe('key ...[redacted] is invalid');
    expect(scrub(`${KEY.slice(0, 30)}\n${KEY.slice(30)}`)).toBe('[redacted]\n[redacted]');
  });

  it('leaves shorter pieces alone: the public prefix, words that share a few characters', () => {
    expect(scrub('keys look like sk-ant-api03-... ; see sk-or-v1-')).toBe('keys look like sk-ant-api03-... ; see sk-or-v1-');
    expect(scrub(KEY.slice(5, 20))).toBe(KEY.slice(5, 20));
  });

  it('ignores values too short to be a key, and scrubs a short key only whole', () => {
    expect(secretScrubber(['abc'])('abc abc')).toBe('abc abc');
    expect(secretScrubber(['m0-key-12'])('token m0-key-12, m0-key-1')).toBe('token [redacted], m0-key-1');
    expect(secretScrubber([])('anything')).toBe('anything');
  });

  it('stays linear on a long body', () => {
    const body = `${'x'.repeat(2_000_000)}${KEY}`;
    const start = performance.now();
    expect(scrub(body).endsWith('x[redacted]')).toBe(true);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});

describe('scrubbedError', () => {
  it('keeps the name, scrubs message and stack, and leaves the body and cause behind', () => {
    const original = Object.assign(new Error(`401 ${KEY}`, { cause: new Error(KEY) }), { name: 'AuthenticationError', body: { key: KEY } });
    const copy = scrubbedError(original, secretScrubber([KEY]));
    expect(copy.name).toBe('AuthenticationError');
    expect(copy.message).toBe('401 [redacted]');
    expect(copy.stack).not.toContain(KEY);
    expect(copy.cause).toBeUndefined();
    expect(JSON.stringify(copy)).not.toContain(KEY);
  });
});
