/**
 * Lua script: the real-time loop's writes for a whole batch of events, in one EVALSHA. Per event:
 * de-duplicate by id, append to the event log (before the dedupe mark, so a failure can never
 * leave an event marked seen but unlogged), then update the recent list (ordered by event time),
 * the session list, the consumed set and the trending ZSETs. Trending values are log2 of a
 * time-shifted sum, updated with log-sum-exp (see shared/pipeline/trending-decay.ts).
 * The recent-weights hash follows the list (summed weight per item), so that the answer's `w` per
 * user does not decode up to 50 entries per user (~2 µs each in Lua).
 * Returns one JSON document; with `returnUsers` it adds, per user, what fold-in needs: `w` the
 * recent weights summed per item (flat `[itemId, weight, ...]`, weights as strings), `ov`/`oe`
 * the online vector's version and event count when it belongs to the served version, `vector` the
 * batch vector.
 */
export const INGEST_EVENTS_SCRIPT = `
local s = cjson.decode(ARGV[1])
local events = cjson.decode(ARGV[2])
-- Templates split once around '{id}': a concatenation per key instead of a gsub (~1 µs each,
-- ten keys per event).
local split = {}
local function key(tpl, id, v)
  local parts = split[tpl]
  if parts == nil then
    local a, b = string.find(tpl, '{id}', 1, true)
    parts = a and { string.sub(tpl, 1, a - 1), string.sub(tpl, b + 1) } or false
    split[tpl] = parts
  end
  local k = parts and (parts[1] .. id .. parts[2]) or tpl
  if v then k = string.gsub(k, '{v}', function() return v end) end
  return k
end
local LN2 = math.log(2)
local function logadd(x, y)
  local hi, lo = math.max(x, y), math.min(x, y)
  return hi + math.log(1 + 2 ^ (lo - hi)) / LN2
end
-- The user's recent-weights hash, rebuilt from the list on the user's first touch when missing
-- (lists written before the hash existed); afterwards every push and trim updates both.
local weightsReady = {}
local function weightsKey(userId)
  local wk = key(s.recentWeights, userId)
  if not weightsReady[userId] then
    weightsReady[userId] = true
    if redis.call('EXISTS', wk) == 0 then
      for _, raw in ipairs(redis.call('LRANGE', key(s.recent, userId), 0, -1)) do
        local ok, r = pcall(cjson.decode, raw)
        if ok and type(r) == 'table' and type(r.itemId) == 'string' and type(r.weight) == 'number' and r.weight > 0 then
          redis.call('HINCRBYFLOAT', wk, r.itemId, r.weight)
        end
      end
    end
  end
  return wk
end
local accepted, duplicates, ids = 0, 0, {}
local touchedScopes, users, userOrder = {}, {}, {}
for _, e in ipairs(events) do
  local dk = key(s.dedupe, e.id)
  if redis.call('EXISTS', dk) == 1 then
    duplicates = duplicates + 1
  else
    redis.call('XADD', s.eventLog, '*', 'e', e.json)
    redis.call('SET', dk, '1', 'EX', s.dedupeTtl)
    accepted = accepted + 1
    ids[#ids + 1] = e.id
    local ck = key(s.consumed, e.userId)
    redis.call('SADD', ck, e.itemId)
    redis.call('EXPIRE', ck, s.consumedTtl)
    if e.weight > 0 then
      local rk = key(s.recent, e.userId)
      local wk = weightsKey(e.userId)
      local entry = cjson.encode({ itemId = e.itemId, type = e.type, weight = e.weight, timestamp = e.timestamp })
      local head = redis.call('LINDEX', rk, 0)
      if (not head) or cjson.decode(head).timestamp <= e.timestamp then
        redis.call('LPUSH', rk, entry)
      else
        local placed = false
        for _, raw in ipairs(redis.call('LRANGE', rk, 0, -1)) do
          if cjson.decode(raw).timestamp <= e.timestamp then
            redis.call('LINSERT', rk, 'BEFORE', raw, entry)
            placed = true
            break
          end
        end
        if not placed then redis.call('RPUSH', rk, entry) end
      end
      redis.call('HINCRBYFLOAT', wk, e.itemId, e.weight)
      -- What falls off the end of the list leaves the sums too (at most one entry, usually none).
      for _, raw in ipairs(redis.call('LRANGE', rk, s.recentCap, -1)) do
        local ok, r = pcall(cjson.decode, raw)
        if ok and type(r) == 'table' and type(r.itemId) == 'string' and type(r.weight) == 'number' and r.weight > 0 then
          local left = tonumber(redis.call('HINCRBYFLOAT', wk, r.itemId, -r.weight))
          if left <= 1e-9 then redis.call('HDEL', wk, r.itemId) end
        end
      end
      redis.call('LTRIM', rk, 0, s.recentCap - 1)
      if e.sessionId then
        local sk = key(s.session, e.sessionId)
        redis.call('LREM', sk, 0, e.itemId)
        redis.call('LPUSH', sk, e.itemId)
        redis.call('LTRIM', sk, 0, s.sessionCap - 1)
        redis.call('EXPIRE', sk, s.sessionTtl)
      end
      local cats = e.categories
      if not cats then
        cats = {}
        local raw = redis.call('GET', key(s.item, e.itemId))
        if raw then
          local ok, item = pcall(cjson.decode, raw)
          if ok and type(item) == 'table' and type(item.categories) == 'table' then cats = item.categories end
        end
      end
      local scopes = { 'global' }
      for _, c in ipairs(cats) do scopes[#scopes + 1] = 'cat:' .. c end
      if e.colo then scopes[#scopes + 1] = 'colo:' .. e.colo end
      local add = math.log(e.weight) / LN2 + (e.timestamp - s.t0) / s.halfLifeMs
      for _, scope in ipairs(scopes) do
        local zk = key(s.trending, scope)
        local cur = redis.call('ZSCORE', zk, e.itemId)
        local value = add
        if cur then value = logadd(tonumber(cur), add) end
        redis.call('ZADD', zk, value, e.itemId)
        touchedScopes[zk] = true
      end
      if not users[e.userId] then
        users[e.userId] = true
        userOrder[#userOrder + 1] = e.userId
      end
    end
  end
end
for zk in pairs(touchedScopes) do
  redis.call('ZREMRANGEBYRANK', zk, 0, -(s.trendingCap + 1))
end
local out = { accepted = accepted, duplicates = duplicates, ids = ids }
local version = redis.call('GET', s.pointer)
if version then out.version = version end
if s.returnUsers then
  local u = {}
  for i, userId in ipairs(userOrder) do
    if i > s.maxUsers then break end
    -- Only what fold-in reads: the recent weights summed per item (flat [itemId, weight, ...],
    -- from the hash: no entry of the list is decoded) and the online vector's tag.
    local weights = redis.call('HGETALL', key(s.recentWeights, userId))
    local entry = { w = weights }
    if version then
      -- The event count only carries over within the served version, so the record's version is
      -- looked for as text instead of decoding its 64 doubles (~10 µs per user).
      local uvec = redis.call('GET', key(s.uvec, userId))
      if uvec and string.find(uvec, '"version":' .. cjson.encode(version), 1, true) then
        local _, at = string.find(uvec, '"events":', 1, true)
        local events = at and tonumber(string.match(uvec, '^%d+', at + 1))
        if events then
          entry.ov = version
          entry.oe = events
        end
      end
      local raw = redis.call('GET', key(s.topn, userId, version))
      if raw then
        local ok, rec = pcall(cjson.decode, raw)
        if ok and type(rec) == 'table' and type(rec.vector) == 'table' then entry.vector = rec.vector end
      end
    end
    u[userId] = entry
  end
  out.users = u
end
return cjson.encode(out)
`;
