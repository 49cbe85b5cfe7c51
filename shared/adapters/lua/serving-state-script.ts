/**
 * Lua script: everything one recommendation reads from Redis, in one EVALSHA. It resolves the
 * served version itself, so the versioned keys (top-N copy, neighbour lists of the recent/session
 * items) are read in the same round trip. Keys are built by shared/keys.ts and passed as templates
 * with `{id}` / `{v}` placeholders (ids cannot contain braces). Returns one JSON document.
 */
export const SERVING_STATE_SCRIPT = `
local a = cjson.decode(ARGV[1])
local function key(tpl, id, v)
  local k = string.gsub(tpl, '{id}', function() return id end)
  if v then k = string.gsub(k, '{v}', function() return v end) end
  return k
end
local out = {}
local version = redis.call('GET', a.pointer)
if version then
  out.version = version
  out.topn = redis.call('GET', key(a.topn, a.userId, version))
end
if a.realtime then
  out.recent = redis.call('LRANGE', key(a.recent, a.userId), 0, a.recentCap - 1)
  if a.sessionId then
    out.session = redis.call('LRANGE', key(a.session, a.sessionId), 0, -1)
  end
  out.consumed = redis.call('SMEMBERS', key(a.consumed, a.userId))
  out.uvec = redis.call('GET', key(a.uvec, a.userId))
  if version and a.seeds > 0 then
    local seeds, seen = {}, {}
    local function add(id)
      if #seeds < a.seeds and not seen[id] then
        seen[id] = true
        seeds[#seeds + 1] = id
      end
    end
    for _, id in ipairs(out.session or {}) do add(id) end
    for _, raw in ipairs(out.recent) do
      local ok, r = pcall(cjson.decode, raw)
      if ok and type(r) == 'table' and type(r.itemId) == 'string' then add(r.itemId) end
    end
    local nbrs = {}
    for _, id in ipairs(seeds) do
      local v = redis.call('GET', key(a.nbrs, id, version))
      if v then nbrs[id] = v end
    end
    out.nbrs = nbrs
  end
end
out.trending = redis.call('ZREVRANGE', key(a.trending, 'global'), 0, a.trendingLimit - 1, 'WITHSCORES')
if a.category then
  out.trendingCategory = redis.call('ZREVRANGE', key(a.trending, 'cat:' .. a.category), 0, a.trendingLimit - 1, 'WITHSCORES')
end
if a.colo then
  out.trendingColo = redis.call('ZREVRANGE', key(a.trending, 'colo:' .. a.colo), 0, a.trendingLimit - 1, 'WITHSCORES')
end
if a.freshLimit > 0 then
  local ids = redis.call('ZREVRANGE', a.fresh, 0, a.freshLimit - 1)
  if #ids > 0 then
    local keys = {}
    for i, id in ipairs(ids) do keys[i] = key(a.item, id) end
    local records = redis.call('MGET', unpack(keys))
    local fresh = {}
    for _, r in ipairs(records) do
      if r then fresh[#fresh + 1] = r end
    end
    out.fresh = fresh
  end
end
out.hidden = redis.call('SMEMBERS', a.hidden)
return cjson.encode(out)
`;
