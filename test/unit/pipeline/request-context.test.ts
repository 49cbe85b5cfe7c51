import { describe, expect, it } from 'vitest';
import { deviceFromUserAgent, hourOfDay } from '../../../shared/pipeline/request-context';

describe('request context', () => {
  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148', 'mobile'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36', 'mobile'],
    ['Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)', 'tablet'],
    ['Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Safari/537.36', 'tablet'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0', 'desktop'],
    ['curl/8.5.0', 'unknown'],
    [undefined, 'unknown'],
  ])('classifies %s as %s', (ua, device) => {
    expect(deviceFromUserAgent(ua)).toBe(device);
  });

  it('takes the UTC hour', () => {
    expect(hourOfDay(Date.UTC(2026, 0, 1, 23, 59))).toBe(23);
  });
});
