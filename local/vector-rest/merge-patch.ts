/** RFC 7396 JSON Merge Patch, used by `update` with `metadataUpdateMode: "PATCH"`. */

/**
 * Applies `patch` to `target` without mutating either: objects merge recursively, a `null`
 * member deletes the key, and anything else (arrays, scalars) replaces the target value.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      // defineProperty, not assignment: a JSON key "__proto__" must stay an ordinary key.
      Object.defineProperty(result, key, {
        value: mergePatch(result[key], value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return result;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
