/**
 * Lua script: everything one recommendation reads from Redis, in one EVALSHA. It resolves the
 * served version itself, so the versioned keys (top-N copy, neighbour lists of the recent/session
 * items) are read in the same round trip. Keys are built by shared/keys.ts and passed as templates
 * with `{id}` / `{v}` placeholders (ids cannot contain braces).
 *
 * Returns a Redis array, not one JSON document: the stored values (top-N, neighbour lists, recent
 * items, item records) are JSON already, and wrapping them in a second JSON text would make the
 * script encode them, the REST reply escape them twice and the edge parse them twice — a third of
 * a cache hit's CPU time. By position: version, top-N, recent, session, consumed, on-line user
 * vector, neighbour lists (flat `[seedId, json, ...]`; a nil json: the caller holds that list),
 * trending (global, category, edge location; flat `[member, score, ...]`), fresh item records,
 * hidden, the records of the items asked for by id, the promotions. `false` (a nil reply) marks a
 * value that is absent or was not asked for.
 */

export const SERVING_STATE_SCRIPT = `
local a = cjson.decode(ARGV[1])
local function key(tpl, id, v)
  local k = string.gsub(tpl, '{id}', function() return id end)
  if v then k = string.gsub(k, '{v}', function() return v end) end
  return k
end
local out = {}
for i = 1, 14 do out[i] = false end
local version = redis.call('GET', a.pointer)
if version then
  out[1] = version
  -- The caller already knows this version's list (isolate memory): do not read it again.
  if a.knownTopN ~= version then
    out[2] = redis.call('GET', key(a.topn, a.userId, version))
  end
end
if a.realtime then
  local recent = redis.call('LRANGE', key(a.recent, a.userId), 0, a.recentCap - 1)
  out[3] = recent
  local session = {}
  if a.sessionId then
    session = redis.call('LRANGE', key(a.session, a.sessionId), 0, -1)
    out[4] = session
  end
  out[5] = redis.call('SMEMBERS', key(a.consumed, a.userId))
  out[6] = redis.call('GET', key(a.uvec, a.userId))
  if version and a.seeds > 0 then
    local seeds, seen = {}, {}
    local function add(id)
      if #seeds < a.seeds and not seen[id] then
        seen[id] = true
        seeds[#seeds + 1] = id
      end
    end
    for _, id in ipairs(session) do add(id) end
    for _, raw in ipairs(recent) do
      if #seeds >= a.seeds then break end
      local ok, r = pcall(cjson.decode, raw)
      if ok and type(r) == 'table' and type(r.itemId) == 'string' then add(r.itemId) end
    end
    -- Lists the caller holds for this version (bit r of the hex bitmap: the item of row r) come
    -- back as the seed id and a nil, not sent again.
    local held = {}
    local bits = a.heldNeighbours
    if bits and bits.version == version and #seeds > 0 then
      local rows = redis.call('HMGET', key(a.rows, '', version), unpack(seeds))
      for i, id in ipairs(seeds) do
        local r = tonumber(rows[i])
        if r then
          local at = math.floor(r / 4) + 1
          local nibble = tonumber(string.sub(bits.rows, at, at), 16)
          if nibble and math.floor(nibble / 2 ^ (r % 4)) % 2 == 1 then held[id] = true end
        end
      end
    end
    local nbrs = {}
    for _, id in ipairs(seeds) do
      if held[id] then
        nbrs[#nbrs + 1] = id
        nbrs[#nbrs + 1] = false
      else
        local v = redis.call('GET', key(a.nbrs, id, version))
        if v then
          nbrs[#nbrs + 1] = id
          nbrs[#nbrs + 1] = v
        end
      end
    end
    out[7] = nbrs
  end
end
out[8] = redis.call('ZREVRANGE', key(a.trending, 'global'), 0, a.trendingLimit - 1, 'WITHSCORES')
if a.category then
  out[9] = redis.call('ZREVRANGE', key(a.trending, 'cat:' .. a.category), 0, a.trendingLimit - 1, 'WITHSCORES')
end
if a.colo then
  out[10] = redis.call('ZREVRANGE', key(a.trending, 'colo:' .. a.colo), 0, a.trendingLimit - 1, 'WITHSCORES')
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
    out[11] = fresh
  end
end
out[12] = redis.call('SMEMBERS', a.hidden)
if a.itemRecords and #a.itemRecords > 0 then
  local keys = {}
  for i, id in ipairs(a.itemRecords) do keys[i] = key(a.item, id) end
  out[13] = redis.call('MGET', unpack(keys))
end
if a.promotions then
  out[14] = redis.call('HVALS', a.promotions)
end
return out
`;
