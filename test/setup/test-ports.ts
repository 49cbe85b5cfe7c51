/** Fixed loopback ports and tokens of the local servers the test suites start (apart from `npm start`'s). */
export const TEST_PORTS = {
  redis: 16390,
  redisRest: 18079,
  vectorRest: 18078,
} as const;

export const TEST_TOKENS = {
  redisRest: 'test-redis-token',
  vectorRest: 'test-vector-token',
} as const;

export const TEST_URLS = {
  redis: `redis://127.0.0.1:${TEST_PORTS.redis}`,
  redisRest: `http://127.0.0.1:${TEST_PORTS.redisRest}`,
  vectorRest: `http://127.0.0.1:${TEST_PORTS.vectorRest}`,
} as const;

/** Bindings the workers project gives workerd so that adapters reach the test servers. */
export const TEST_BINDINGS = {
  UPSTASH_REDIS_REST_URL: TEST_URLS.redisRest,
  UPSTASH_REDIS_REST_TOKEN: TEST_TOKENS.redisRest,
  UPSTASH_VECTOR_REST_URL: TEST_URLS.vectorRest,
  UPSTASH_VECTOR_REST_TOKEN: TEST_TOKENS.vectorRest,
} as const;
