/**
 * The stored form of item factors: little-endian Float32, rows in `manifest.itemIds` order; in
 * Redis as base64 text, in Workers KV as the raw bytes. Uses `btoa`/`atob` (workerd and Node).
 */

const BIG_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** Little-endian bytes of `factors` (a view on a little-endian host, a swapped copy otherwise). */
export function factorsToBytes(factors: Float32Array): Uint8Array {
  const bytes = new Uint8Array(factors.buffer, factors.byteOffset, factors.byteLength);
  return BIG_ENDIAN_HOST ? swap32(bytes) : bytes;
}

/** Factors from little-endian bytes (copied into a fresh, aligned buffer). */
export function factorsFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new RangeError('item factors: length is not a multiple of 4');
  const copy = BIG_ENDIAN_HOST ? swap32(bytes) : bytes.slice();
  return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
}

/** Base64 of the little-endian bytes (Redis `version.itemFactors`). */
export function factorsToBase64(factors: Float32Array): string {
  const bytes = factorsToBytes(factors);
  const parts: string[] = [];
  // Slices keep each `fromCharCode` argument list well under the engines' limits.
  const slice = 0x8000;
  for (let i = 0; i < bytes.length; i += slice) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + slice)));
  }
  return btoa(parts.join(''));
}

/** Inverse of `factorsToBase64`. */
export function factorsFromBase64(text: string): Float32Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return factorsFromBytes(bytes);
}

function swap32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}
