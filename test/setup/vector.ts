/** Placeholder: replaced by the Upstash Vector REST test setup. */
export async function startVectorForTests(): Promise<() => Promise<void>> {
  return async () => {};
}
