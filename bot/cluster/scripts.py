"""The Lua scripts of the cluster backend: each check-and-write that must be atomic is one script.

Redis runs a script as one command, so no other client's command falls between its check and its
write: that is what makes a fencing token a fence (a paused owner's publish is checked against
the lease as it is *now*, in the same step that would write).
"""

from __future__ import annotations

__all__ = [
    "ACQUIRE_LEASE",
    "CHECKPOINT",
    "DEAD_LETTER",
    "GLOBAL_TAKE",
    "HOLD_SOLE_READER",
    "IDENTIFY_TAKE",
    "PUBLISH_FENCED",
    "PUBLISH_FENCED_MANY",
    "RELEASE_LEASE",
    "RENEW_LEASE",
    "REST_TAKE",
    "REST_UPDATE",
]

# KEYS: lease, epoch counter, checkpoint. ARGV: node, ttl ms, now (unix s, for status).
# -> the new epoch, or false if the lease is held.
ACQUIRE_LEASE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. epoch, 'PX', ARGV[2])
redis.call('HSET', KEYS[3], 'taken_at', ARGV[3], 'taken_by', ARGV[1] .. ' ' .. epoch)
return epoch
"""

# KEYS: the sole-reader key of a consumer group. ARGV: node, ttl ms.
# -> 2 taken now, 1 renewed (held by this node already), 0 another node holds it.
HOLD_SOLE_READER = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1 end
return 0
"""

# KEYS: lease. ARGV: owner ("NODE EPOCH"), ttl ms. -> 1 renewed, 0 not the owner any more.
RENEW_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS: lease. ARGV: owner. -> 1 released, 0 not the owner.
RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# KEYS: lease, checkpoint. ARGV: owner, session_id, seq, resume_gateway_url ('' keeps the old).
# -> 1, or an error reply FENCED when the owner's lease is not current.
CHECKPOINT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local fields = {'owner', ARGV[1]}
if ARGV[2] ~= '' then table.insert(fields, 'session_id'); table.insert(fields, ARGV[2]) end
if ARGV[3] ~= '-1' then table.insert(fields, 'seq'); table.insert(fields, ARGV[3]) end
if ARGV[4] ~= '' then table.insert(fields, 'resume_gateway_url'); table.insert(fields, ARGV[4]) end
redis.call('HSET', KEYS[2], unpack(fields))
return 1
"""

# KEYS: lease, stream, checkpoint. ARGV: owner, maxlen, seq, then field, value, ... of the entry.
# -> the entry id, 'duplicate', or an error reply FENCED. The event and its seq are written
# together, so the checkpoint's seq is always the last event in the stream: a RESUME from it
# loses nothing. A seq at or below the checkpoint's is in the stream already (a publish whose
# reply was lost and is tried again, a replay after a local restart): not added twice.
PUBLISH_FENCED = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
if ARGV[3] ~= '-1' then
  local last = redis.call('HGET', KEYS[3], 'seq')
  if last and tonumber(ARGV[3]) <= tonumber(last) then return 'duplicate' end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 4))
if ARGV[3] ~= '-1' then redis.call('HSET', KEYS[3], 'seq', ARGV[3], 'owner', ARGV[1]) end
return id
"""

# KEYS: lease, stream, checkpoint. ARGV: owner, maxlen, then for each event in order: its seq,
# its field count n, its n fields (field, value, ...). -> {added, duplicates}, or an error reply
# FENCED (then nothing is added). PUBLISH_FENCED for a batch of one shard's events: one round
# trip, one lease check, the checkpoint's seq set once to the batch's last.
PUBLISH_FENCED_MANY = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local last = tonumber(redis.call('HGET', KEYS[3], 'seq') or '-1')
local top = nil
local added, duplicates = 0, 0
local i = 3
while i <= #ARGV do
  local seq, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  if seq ~= -1 and seq <= last then
    duplicates = duplicates + 1
  else
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, i + 2, i + 1 + n))
    added = added + 1
    if seq ~= -1 then last = seq; top = seq end
  end
  i = i + 2 + n
end
if top then redis.call('HSET', KEYS[3], 'seq', top, 'owner', ARGV[1]) end
return {added, duplicates}
"""

# KEYS: stream, dead-letter stream. ARGV: group, id, deliveries, reason, maxlen.
# -> 1 moved, 0 the entry was gone (trimmed). Acked in the same step: never in both places.
DEAD_LETTER = """
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if #found == 0 then return 0 end
local fields = found[1][2]
table.insert(fields, 'origin_id'); table.insert(fields, ARGV[2])
table.insert(fields, 'origin_group'); table.insert(fields, ARGV[1])
table.insert(fields, 'deliveries'); table.insert(fields, ARGV[3])
table.insert(fields, 'reason'); table.insert(fields, ARGV[4])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', unpack(fields))
return 1
"""

# KEYS: identify window of the bucket, session-start counter. ARGV: node, window ms.
# -> {0, wait ms} window held; {1, remaining} granted; {2, 0} no session starts left.
# A missing counter means no limit is known (the caller seeds it from GET /gateway/bot).
IDENTIFY_TAKE = """
local held = redis.call('PTTL', KEYS[1])
if held > 0 then return {0, held} end
local remaining = redis.call('GET', KEYS[2])
if remaining and tonumber(remaining) <= 0 then return {2, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if remaining then return {1, redis.call('DECR', KEYS[2])} end
return {1, -1}
"""

# KEYS: bucket hash, probe key. ARGV: now ms, margin ms, probe ttl ms, probe poll ms.
# -> 0 go, or ms to wait (until the bucket resets, or to ask again).
# An unknown bucket lets one request of the cluster go, to learn it (the probe); the others ask
# again shortly, until its answer's headers are in: an answer does not count requests that
# arrived after it, so two first requests of two nodes would let both nodes spend its count.
# A request takes one of `remaining`; none left before `reset_at` means wait. Past `reset_at` a
# bucket whose limit and window are known starts its next window at once (every node would
# otherwise see "unknown" and all go together: 429s). Discord's window starts when this request
# arrives, later than now, and the window known is a Reset-After (a little shorter than the
# window): the guessed window gets `margin` more, until an answer's headers correct it.
REST_TAKE = """
local state = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'limit', 'window')
if not state[1] then
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return 0 end
  return math.max(1, math.min(tonumber(ARGV[4]), redis.call('PTTL', KEYS[2])))
end
local remaining, reset_at = tonumber(state[1]), tonumber(state[2])
local now = tonumber(ARGV[1])
if reset_at <= now then
  if state[3] and state[4] then
    local window = tonumber(state[4])
    local ends = now + window + tonumber(ARGV[2])
    redis.call('HSET', KEYS[1], 'remaining', tonumber(state[3]) - 1, 'reset_at', ends)
    redis.call('PEXPIRE', KEYS[1], window + 60000)
  else
    redis.call('DEL', KEYS[1])
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])  -- this request learns it again
  end
  return 0
end
if remaining > 0 then redis.call('HINCRBY', KEYS[1], 'remaining', -1); return 0 end
return reset_at - now
"""

# KEYS: bucket hash. ARGV: remaining, reset_at ms, now ms, limit ('' unknown), reset_after ms.
# What a response's headers said. Within one window (reset times within a second: nodes compute
# them from their own clocks) `remaining` only goes down: answers arrive out of order, and the
# other nodes' requests in flight are not in an earlier answer's count.
REST_UPDATE = """
local reset_at = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local old_reset = tonumber(redis.call('HGET', KEYS[1], 'reset_at') or '0')
local remaining = tonumber(ARGV[1])
if math.abs(old_reset - reset_at) < 1000 then
  local old = tonumber(redis.call('HGET', KEYS[1], 'remaining') or ARGV[1])
  if old < remaining then remaining = old end
  reset_at = math.max(old_reset, reset_at)
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset_at', reset_at)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[4]) end
local window = tonumber(ARGV[5])
if window > tonumber(redis.call('HGET', KEYS[1], 'window') or '0') then
  redis.call('HSET', KEYS[1], 'window', window)
end
redis.call('PEXPIRE', KEYS[1], math.max(1, reset_at - now) + 60000)
return remaining
"""

# KEYS: global hash. ARGV: now ms, limit per second, pause ms (0: none).
# -> 0 go, or ms to wait (a 429's global pause, or the second's requests used up).
GLOBAL_TAKE = """
local now = tonumber(ARGV[1])
if tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[1], 'paused_until', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 2000)
  return tonumber(ARGV[3])
end
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if paused > now then return paused - now end
local second = math.floor(now / 1000)
if tonumber(redis.call('HGET', KEYS[1], 'second') or '-1') ~= second then
  redis.call('HSET', KEYS[1], 'second', second, 'used', 0)
  redis.call('PEXPIRE', KEYS[1], 5000)
end
if tonumber(redis.call('HGET', KEYS[1], 'used')) >= tonumber(ARGV[2]) then
  return 1000 - (now % 1000)
end
redis.call('HINCRBY', KEYS[1], 'used', 1)
return 0
"""
