/** Placeholder: replaced by the redis-server + Upstash Redis REST test setup. */
export async function startRedisForTests(): Promise<() => Promise<void>> {
  return async () => {};
}
