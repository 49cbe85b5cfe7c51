/** The request context features: hour of day and device class (from the User-Agent). */
import type { Device } from '../domain/features';

/** Device class from a User-Agent string (tablets first: their UAs often also say "Mobile"). */
export function deviceFromUserAgent(userAgent: string | null | undefined): Device {
  if (!userAgent) return 'unknown';
  const ua = userAgent.toLowerCase();
  if (/ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))/.test(ua)) return 'tablet';
  if (/mobi|iphone|ipod|android|phone|blackberry|opera mini|iemobile/.test(ua)) return 'mobile';
  if (/windows|macintosh|x11|linux|cros/.test(ua)) return 'desktop';
  return 'unknown';
}

/** Hour of day 0..23 (UTC) of `nowMs`. */
export function hourOfDay(nowMs: number): number {
  return new Date(nowMs).getUTCHours();
}
