/*
 * snowplow-relay: the server-side scripts. Each runs atomically in Redis, so a
 * relay killed at any moment leaves every item either in the main list or in
 * one of its claimed lists (KEY:processing:ID:N, relay_claims.h), never in
 * neither. Lists are pushed in slices of 500 (Lua's unpack has a stack limit).
 */
#ifndef RELAY_SCRIPTS_H
#define RELAY_SCRIPTS_H

/* KEYS: main list, the new claimed list. ARGV: most items to claim whole,
 * items to move otherwise. When the main list holds no more than ARGV[1]
 * items, it becomes the claimed list (RENAME: no item is copied); otherwise
 * ARGV[2] items move from its head. Returns how many items were claimed; the
 * relay reads them with LRANGE. The claimed list is new: a list left there
 * (a bug) is an error rather than lost. */
#define RELAY_SCRIPT_CLAIM                                                              \
    "local len = redis.call('LLEN', KEYS[1])\n"                                         \
    "if len == 0 then return 0 end\n"                                                   \
    "if redis.call('EXISTS', KEYS[2]) == 1 then\n"                                      \
    "  return redis.error_reply('ERR ' .. KEYS[2] .. ' exists already')\n"              \
    "end\n"                                                                             \
    "if len <= tonumber(ARGV[1]) then\n"                                                \
    "  redis.call('RENAME', KEYS[1], KEYS[2])\n"                                        \
    "  return len\n"                                                                    \
    "end\n"                                                                             \
    "local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)\n"           \
    "redis.call('LTRIM', KEYS[1], #items, -1)\n"                                        \
    "for i = 1, #items, 500 do\n"                                                       \
    "  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 499, #items)))\n"     \
    "end\n"                                                                             \
    "return #items\n"

/* KEYS: dead list, main list, then (when ARGV[2] > 0) the claimed list to
 * trim, then the claimed lists to delete. ARGV: d, items to trim from the
 * head of KEYS[3], then d items for the dead list, then items to give back
 * to the head of the main list, in order. */
#define RELAY_SCRIPT_SETTLE                                                             \
    "local d, trim = tonumber(ARGV[1]), tonumber(ARGV[2])\n"                            \
    "for i = 3, 2 + d, 500 do\n"                                                        \
    "  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, 2 + d)))\n"       \
    "end\n"                                                                             \
    "for i = #ARGV, 3 + d, -1 do redis.call('LPUSH', KEYS[2], ARGV[i]) end\n"           \
    "local first = 3\n"                                                                 \
    "if trim > 0 then\n"                                                                \
    "  redis.call('LTRIM', KEYS[3], trim, -1)\n"                                        \
    "  first = 4\n"                                                                     \
    "end\n"                                                                             \
    "for i = first, #KEYS, 500 do\n"                                                    \
    "  redis.call('DEL', unpack(KEYS, i, math.min(i + 499, #KEYS)))\n"                  \
    "end\n"                                                                             \
    "return 1\n"

/* KEYS: main list, a claimed list. ARGV: how many of its items were read.
 * The unread rest goes back to the head of the main list, in order; returns
 * how many. */
#define RELAY_SCRIPT_GIVE_BACK                                                          \
    "local read = tonumber(ARGV[1])\n"                                                  \
    "local items = redis.call('LRANGE', KEYS[2], read, -1)\n"                           \
    "for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[i]) end\n"             \
    "if read == 0 then redis.call('DEL', KEYS[2])\n"                                    \
    "else redis.call('LTRIM', KEYS[2], 0, read - 1) end\n"                              \
    "return #items\n"

/* KEYS: main list, a list left by an earlier run. Gives everything in the
 * second back to the head of the main list, in order; returns how many. */
#define RELAY_SCRIPT_REQUEUE                                                            \
    "local items = redis.call('LRANGE', KEYS[2], 0, -1)\n"                              \
    "for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[i]) end\n"             \
    "redis.call('DEL', KEYS[2])\n"                                                      \
    "return #items\n"

#endif
