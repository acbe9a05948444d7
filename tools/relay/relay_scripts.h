/*
 * snowplow-relay: the server-side scripts. Each runs atomically in Redis, so a
 * relay killed at any moment leaves every item either in the main list or in
 * its processing list, never in neither. Lists are pushed in slices of 500
 * (Lua's unpack has a stack limit).
 */
#ifndef RELAY_SCRIPTS_H
#define RELAY_SCRIPTS_H

/* KEYS: main list, processing list. ARGV: most items to move. Moves up to that
 * many items from the head of the main list to the tail of the processing list
 * and returns them. */
#define RELAY_SCRIPT_TAKE                                                               \
    "local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)\n"           \
    "if #items > 0 then\n"                                                              \
    "  redis.call('LTRIM', KEYS[1], #items, -1)\n"                                      \
    "  for i = 1, #items, 500 do\n"                                                     \
    "    redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 499, #items)))\n"   \
    "  end\n"                                                                           \
    "end\n"                                                                             \
    "return items\n"

/* KEYS: processing list, dead list, main list. ARGV: n (items settled at the head
 * of the processing list), d, then d items for the dead list, then items to
 * give back to the head of the main list, in order. Returns the processing
 * list's length afterwards. */
#define RELAY_SCRIPT_SETTLE                                                             \
    "local n, d = tonumber(ARGV[1]), tonumber(ARGV[2])\n"                               \
    "for i = 3, 2 + d, 500 do\n"                                                        \
    "  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 499, 2 + d)))\n"       \
    "end\n"                                                                             \
    "for i = #ARGV, 3 + d, -1 do redis.call('LPUSH', KEYS[3], ARGV[i]) end\n"           \
    "if n > 0 then redis.call('LTRIM', KEYS[1], n, -1) end\n"                           \
    "return redis.call('LLEN', KEYS[1])\n"

/* KEYS: main list, processing list. Gives everything in the processing list
 * back to the head of the main list, in order; returns how many. */
#define RELAY_SCRIPT_REQUEUE                                                            \
    "local items = redis.call('LRANGE', KEYS[2], 0, -1)\n"                              \
    "for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[i]) end\n"             \
    "redis.call('DEL', KEYS[2])\n"                                                      \
    "return #items\n"

#endif
