/** Global setup: placeholder until the local servers exist. */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
