/**
 * The Redis hub store's Lua scripts: each is one atomic step, so two processes never see a
 * registration or a swarm half made. Keys (all under the prefix `p`, passed as ARGV[1]; the
 * store is for one Redis, not Redis Cluster):
 *
 * - `p..'holder'` hash: peer id -> id of the process whose socket holds it.
 * - `p..'peers'` set: registered peer ids (bootstrap sets are SRANDMEMBER of it).
 * - `p..'proc:'..pid` set: peer ids process `pid` registered (swept with it).
 * - `p..'procs'` sorted set: live processes, scored by their lease deadline (ms, Redis's clock).
 * - `p..'to:'..pid` channel: frames for process `pid` (`s` + peer id + frame, or `x` + peer id).
 * - tracker: `p..'swarm:'..ih` and `p..'seeders:'..ih` sets, `p..'joined:'..peer` set of
 *   info-hashes, `p..'owner'` hash peer -> owner, `p..'entries:'..owner` count, `p..'swarms'` set.
 */

/** Removes `peer` from every swarm and the owner's count (it is the tracker's removePeer). */
const LEAVE_ALL = `
local function leave_all(p, peer)
  local joined = p..'joined:'..peer
  local owner = redis.call('HGET', p..'owner', peer)
  for _, ih in ipairs(redis.call('SMEMBERS', joined)) do
    redis.call('SREM', p..'swarm:'..ih, peer)
    redis.call('SREM', p..'seeders:'..ih, peer)
    if redis.call('SCARD', p..'swarm:'..ih) == 0 then redis.call('SREM', p..'swarms', ih) end
    if owner and redis.call('DECR', p..'entries:'..owner) <= 0 then redis.call('DEL', p..'entries:'..owner) end
  end
  redis.call('DEL', joined)
  redis.call('HDEL', p..'owner', peer)
end
local function forget(p, peer)
  redis.call('HDEL', p..'holder', peer)
  redis.call('SREM', p..'peers', peer)
  leave_all(p, peer)
end
`;

/** Random members of `set` (up to `want`), never `exclude`. */
const SAMPLE = `
local function sample(set, want, exclude)
  local out = {}
  if want <= 0 then return out end
  for _, id in ipairs(redis.call('SRANDMEMBER', set, want + 1)) do
    if id ~= exclude and #out < want then out[#out + 1] = id end
  end
  return out
end
`;

/**
 * ARGV: p, peer, pid, numWant, claim. Takes `peer` for `pid`; a live other holder is told to
 * supersede its socket. With claim = 'resync' a peer a live other process holds is left to it
 * (returns false: this process's socket is the stale one). Returns a bootstrap sample.
 */
export const REGISTER = `${SAMPLE}
local p, peer, pid, want, mode = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local old = redis.call('HGET', p..'holder', peer)
if old and old ~= pid then
  local alive = redis.call('ZSCORE', p..'procs', old)
  if mode == 'resync' and alive then return false end
  redis.call('SREM', p..'proc:'..old, peer)
  if alive then redis.call('PUBLISH', p..'to:'..old, 'x'..peer) end
end
redis.call('HSET', p..'holder', peer, pid)
redis.call('SADD', p..'peers', peer)
redis.call('SADD', p..'proc:'..pid, peer)
return sample(p..'peers', want, peer)
`;

/** ARGV: p, peer, pid. Forgets `peer` if `pid` still holds it. */
export const UNREGISTER = `${LEAVE_ALL}
local p, peer, pid = ARGV[1], ARGV[2], ARGV[3]
redis.call('SREM', p..'proc:'..pid, peer)
if redis.call('HGET', p..'holder', peer) ~= pid then return 0 end
forget(p, peer)
return 1
`;

/** ARGV: p, numWant, exclude. */
export const SAMPLE_PEERS = `${SAMPLE}
return sample(ARGV[1]..'peers', tonumber(ARGV[2]), ARGV[3])
`;

/**
 * ARGV: p, peer, infoHash, event, numWant, owner, maxSwarmsPerPeer, maxSwarmsPerOwner. The
 * tracker's announce (tracker.ts) with the same caps. Returns {1, complete, incomplete, peers...}
 * or {0, 'peer' | 'owner'} for the cap that refused it.
 */
export const ANNOUNCE = `${SAMPLE}
local p, peer, ih, ev, want, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local max_peer, max_owner = tonumber(ARGV[7]), tonumber(ARGV[8])
local members, seeders, joined = p..'swarm:'..ih, p..'seeders:'..ih, p..'joined:'..peer
local function counts(out)
  local s = redis.call('SCARD', seeders)
  table.insert(out, 1, redis.call('SCARD', members) - s)
  table.insert(out, 1, s)
  table.insert(out, 1, 1)
  return out
end
if ev == 'stopped' then
  local o = redis.call('HGET', p..'owner', peer)
  redis.call('SREM', members, peer)
  redis.call('SREM', seeders, peer)
  if redis.call('SCARD', members) == 0 then redis.call('SREM', p..'swarms', ih) end
  if redis.call('SREM', joined, ih) == 1 and o then
    if redis.call('DECR', p..'entries:'..o) <= 0 then redis.call('DEL', p..'entries:'..o) end
    if redis.call('SCARD', joined) == 0 then redis.call('HDEL', p..'owner', peer) end
  end
  return counts({})
end
if redis.call('SISMEMBER', joined, ih) == 0 then
  if redis.call('SCARD', joined) >= max_peer then return {0, 'peer'} end
  local o = redis.call('HGET', p..'owner', peer) or owner
  if tonumber(redis.call('GET', p..'entries:'..o) or '0') >= max_owner then return {0, 'owner'} end
  redis.call('HSET', p..'owner', peer, o)
  redis.call('INCR', p..'entries:'..o)
  redis.call('SADD', joined, ih)
  redis.call('SADD', p..'swarms', ih)
end
redis.call('SADD', members, peer)
if ev == 'completed' then redis.call('SADD', seeders, peer) end
return counts(sample(members, want, peer))
`;

/** ARGV: p, to, message. Publishes to the process holding `to`; returns its subscriber count (0: none). */
export const RELAY = `
local pid = redis.call('HGET', ARGV[1]..'holder', ARGV[2])
if not pid then return 0 end
return redis.call('PUBLISH', ARGV[1]..'to:'..pid, ARGV[3])
`;

/**
 * ARGV: p, pid, leaseMs. Renews `pid`'s lease and sweeps every process whose lease lapsed: their
 * peers (those they still hold) leave the registry and every swarm. Returns {had, peers, swarms}:
 * had = 0 when `pid` had no lease (first start, or swept while cut off: it must resync).
 */
export const RENEW_LEASE = `${LEAVE_ALL}
local p, pid, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local had = redis.call('ZSCORE', p..'procs', pid) and 1 or 0
redis.call('ZADD', p..'procs', now + lease, pid)
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', p..'procs', '-inf', now)) do
  for _, peer in ipairs(redis.call('SMEMBERS', p..'proc:'..dead)) do
    if redis.call('HGET', p..'holder', peer) == dead then forget(p, peer) end
  end
  redis.call('DEL', p..'proc:'..dead)
  redis.call('ZREM', p..'procs', dead)
end
return {had, redis.call('SCARD', p..'peers'), redis.call('SCARD', p..'swarms')}
`;

/** ARGV: p, pid. Forgets every peer `pid` holds and its lease (a graceful stop, or before a resync). */
export const RELEASE = `${LEAVE_ALL}
local p, pid = ARGV[1], ARGV[2]
for _, peer in ipairs(redis.call('SMEMBERS', p..'proc:'..pid)) do
  if redis.call('HGET', p..'holder', peer) == pid then forget(p, peer) end
end
redis.call('DEL', p..'proc:'..pid)
if ARGV[3] == 'stop' then redis.call('ZREM', p..'procs', pid) end
return 1
`;
