#!lua
-- Append a batch of events to one auction's log, only if the log is at the expected version.
-- KEYS[1] events stream, KEYS[2] meta hash, KEYS[3] command ids (cmd id -> seq)
-- ARGV[1] expected seq, ARGV[2] status after the batch, ARGV[3] closes_at after the batch,
-- ARGV[4] n, ARGV[5] notice channel, ARGV[6] auction id,
-- then n triples: event payload, command id ('' for none), audit-chain link.
-- Every check comes before the first write: a script that fails half-way does not roll back.
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local expected = tonumber(ARGV[1])
if seq ~= expected then
  return {'conflict', seq}
end
local n = tonumber(ARGV[4])
for i = 1, n do
  local cmd = ARGV[5 + 3 * i]
  if cmd ~= '' then
    local prev = redis.call('HGET', KEYS[3], cmd)
    if prev then
      return {'duplicate', tonumber(prev)}
    end
  end
end
local head = ''
for i = 1, n do
  local s = expected + i
  local base = 4 + 3 * i
  redis.call('XADD', KEYS[1], '0-' .. s, 'e', ARGV[base], 'h', ARGV[base + 2])
  if ARGV[base + 1] ~= '' then
    redis.call('HSET', KEYS[3], ARGV[base + 1], s)
  end
  head = ARGV[base + 2]
end
redis.call('HSET', KEYS[2], 'seq', expected + n, 'status', ARGV[2], 'closes_at', ARGV[3], 'head', head)
-- Fan-out through the log: other processes read the new events from the stream on this notice.
redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' ' .. (expected + n))
return {'ok', expected + n}
