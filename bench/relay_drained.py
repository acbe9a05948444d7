#!/usr/bin/python3
"""Wait until a relay benchmark's list is drained: the list KEY empty and no claimed
list KEY:processing:benchN:* of relays 1..RELAYS left. One process polling every
2 ms with redis-py (a redis-cli per poll would take a good share of the two cores).

    relay_drained.py PORT KEY RELAYS
"""
import sys
import time

import redis


def main():
    port, key, relays = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    client = redis.Redis(host="127.0.0.1", port=port)
    left = client.register_script(
        "local n = redis.call('LLEN', KEYS[1]) "
        "for i = 1, tonumber(ARGV[1]) do "
        "n = n + #redis.call('KEYS', KEYS[1] .. ':processing:bench' .. i .. ':*') end "
        "return n")
    while left(keys=[key], args=[relays]) != 0:
        time.sleep(0.002)


if __name__ == "__main__":
    main()
