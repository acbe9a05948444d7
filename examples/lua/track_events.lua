-- Tracks one event of each kind and waits until the collector has them.
--
--   LUA_CPATH='build/bindings/lua/5.4/?.so;;' LUA_PATH='bindings/lua/src/?.lua;;' \
--     lua5.4 examples/lua/track_events.lua http://127.0.0.1:9090
--
-- (tools/collector/snowplow_collector.py --port 9090 is a local collector.)
local snowplow = require("snowplow")

local url = arg[1] or "http://127.0.0.1:9090"
local tracker = snowplow.new_tracker(url, { method = "POST", namespace = "examples", app_id = "lua-example" })
tracker:set_user_id("player-7")
tracker:set_screen_resolution(1920, 1080)
tracker:platform("cnsl")

local level = { { schema = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0",
                  data = { id = "level-3", n = 3, tags = { "castle", "night" } } } }

tracker:track_screen_view("HUD > Save Game", "screen-23", level)
tracker:track_struct_event("game", "save", "slot-1", nil, 1)
tracker:track_self_describing_event("iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0",
  { name = "boss-defeated", count = 1, flag = true, note = snowplow.null }, level)
tracker:track_timing("load", "level", 812.5, "level-3")
tracker:track_add_to_cart("sword-2", 1, "Sword", "weapons", 4.99, "EUR")
tracker:track_ecommerce_transaction({ order_id = "order-9", total_value = 4.99, currency = "EUR" },
  { { sku = "sword-2", price = 4.99, quantity = 1, name = "Sword" } })

if tracker:flush(10000) then
  local c = tracker:get_emitter():counters()
  print(string.format("delivered: tracked %d, sent %d, failed %d", c.tracked, c.sent, c.failed))
else
  print("not everything was delivered within 10 s")
end
