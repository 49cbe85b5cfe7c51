/** Hex digests with Web Crypto (workerd and Node alike): API key hashes, script hashes. */

/** The lowercase hex digest of the UTF-8 bytes of `text`. */
export async function hexDigest(algorithm: 'SHA-1' | 'SHA-256', text: string): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
