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

/** API keys of the workers tests, one per scope and one with every scope. */
export const TEST_API_KEYS = {
  read: 'test-read-key',
  write: 'test-write-key',
  admin: 'test-admin-key',
  all: 'test-all-key',
} as const;

/** `EDGEREC_API_KEYS` for the keys above: SHA-256 hex of each key, never the key itself. */
const TEST_API_KEY_CONFIG = [
  {
    id: 'test-read',
    sha256: '1fe7a77d2fca400ab2b506da2b5c7a0bc9ab21853ba6ad65c049915ff64dfabb',
    scopes: ['read'],
  },
  {
    id: 'test-write',
    sha256: '04c0218b3c6929c6638fa052827cc353c3e1eb3a432020f686e083aae900d6c4',
    scopes: ['write'],
  },
  {
    id: 'test-admin',
    sha256: '944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9',
    scopes: ['admin'],
  },
  {
    id: 'test-all',
    sha256: 'bee62b1b55b7f3269980012b00b13882337267feecd2a1fd1b4d3b3b7819a634',
    scopes: ['read', 'write', 'admin'],
  },
];

/** Bindings the workers project gives workerd so that adapters reach the test servers. */
export const TEST_BINDINGS = {
  EDGEREC_API_KEYS: JSON.stringify(TEST_API_KEY_CONFIG),
  UPSTASH_REDIS_REST_URL: TEST_URLS.redisRest,
  UPSTASH_REDIS_REST_TOKEN: TEST_TOKENS.redisRest,
  UPSTASH_VECTOR_REST_URL: TEST_URLS.vectorRest,
  UPSTASH_VECTOR_REST_TOKEN: TEST_TOKENS.vectorRest,
} as const;
