-- Every event type, over GET and POST, with base64 on and off: what reaches
-- the local collector is checked field by field (and nothing may be bad).
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local support = require("support.collector")
local snowplow = require("snowplow")

local NULL = support.null
local ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
local TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
local BASE = "iglu:com.snowplowanalytics.snowplow"
local SCREEN_ID = "0f2a3c44-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
local PREVIOUS_ID = "1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0"

local SUBJECT_FIELDS = {
  uid = "user-ü", res = "1920x1080", vp = "800x600", cd = "24", tz = "Europe/London", lang = "en-GB",
  ip = "10.0.0.1", ua = "Mozilla/5.0 (X11)", duid = "domain-user", tnuid = "network-user",
  sid = "3b1a6f0e-0000-4000-8000-000000000001", vid = "3", p = "mob",
}

local function ctx(name)
  return { { schema = ENTITY, data = { id = name, n = 7, tags = { "a", "b" } } } }
end

local test_event_data = { name = "save", count = 3, price = 9.5, flag = true, note = snowplow.null,
                          text = "ü ✓ 😀" }
local test_event_expected = { name = "save", count = 3, price = 9.5, flag = true, note = NULL, text = "ü ✓ 😀" }

local function track_everything(t)
  t:track_page_view("https://example.com/page?q=1&r=ü", "Title ü", "https://ref.example/", ctx("page_view"))
  t:track_page_ping("https://example.com/", "Ping", "https://ref.example/", 0, 100, 10, 500, ctx("page_ping"))
  t:track_struct_event("shop", "add-to-basket", "book", "pcs", 7.99, ctx("struct"))
  t:track_struct_event("shop", "int", nil, nil, 2, ctx("struct_int"), 1700000000123)
  t:track_screen_view("HUD > Save", "s-1", ctx("screen_view"), snowplow.true_timestamp(1700000000456))
  t:track_self_describing_event(TEST_EVENT, test_event_data, ctx("self_describing"),
    snowplow.device_timestamp(1700000000789))
  t:track_self_describing_event(snowplow.self_describing_json(TEST_EVENT, test_event_data), ctx("sdjson"))
  t:track_ecommerce_transaction(
    { order_id = "order-1", total_value = 39.97, affiliation = "web", tax_value = 3.5, shipping = 4,
      city = "Zürich", state = "ZH", country = "CH", currency = "CHF" },
    { { sku = "sku-1", price = 9.99, quantity = 2, name = "Book", category = "books" },
      { sku = "sku-2", price = 19.99, quantity = 1 } },
    ctx("transaction"), snowplow.true_timestamp(1700000001000))
  t:track_link_click("https://example.com/target", "link-1", { "nav", "big" }, "_blank", "Click me", ctx("link_click"))
  t:track_add_to_cart("sku-1", 2, "Book", "books", 9.99, "EUR", ctx("add_to_cart"))
  t:track_remove_from_cart("sku-2", 1.5, nil, nil, nil, nil, ctx("remove_from_cart"))
  t:track_form_change("form-1", "email", "INPUT", "a@b.c", "email", { "wide" }, ctx("form_change"))
  t:track_form_change("form-1", "notes", "TEXTAREA", nil, nil, nil, ctx("form_change_null"))
  t:track_form_submit("form-1", { "checkout" },
    { { name = "email", value = "a@b.c", nodeName = "INPUT", type = "email" } }, ctx("form_submit"))
  t:track_site_search({ "snow", "plow" }, { category = "books", in_stock = true }, 42, 10, ctx("site_search"))
  t:track_timing("load", "dom", 123.5, "home", ctx("timing"))
  t:track_mobile_screen_view("Main", SCREEN_ID, "feed", "Login", PREVIOUS_ID, "form", "push", ctx("mobile_screen_view"))
end

-- name -> list of {fields, self-describing {schema, data} or false}, one per record
local expected = {
  page_view = { { { e = "pv", url = "https://example.com/page?q=1&r=ü", page = "Title ü",
                    refr = "https://ref.example/" }, false } },
  page_ping = { { { e = "pp", url = "https://example.com/", page = "Ping", refr = "https://ref.example/",
                    pp_mix = "0", pp_max = "100", pp_miy = "10", pp_may = "500" }, false } },
  struct = { { { e = "se", se_ca = "shop", se_ac = "add-to-basket", se_la = "book", se_pr = "pcs",
                 se_va = "7.99" }, false } },
  struct_int = { { { e = "se", se_ca = "shop", se_ac = "int", se_va = "2", dtm = "1700000000123" }, false } },
  screen_view = { { { e = "ue", ttm = "1700000000456" },
                    { schema = BASE .. "/screen_view/jsonschema/1-0-0", data = { name = "HUD > Save", id = "s-1" } } } },
  self_describing = { { { e = "ue", dtm = "1700000000789" }, { schema = TEST_EVENT, data = test_event_expected } } },
  sdjson = { { { e = "ue" }, { schema = TEST_EVENT, data = test_event_expected } } },
  transaction = {
    { { e = "tr", tr_id = "order-1", tr_tt = "39.97", tr_af = "web", tr_tx = "3.5", tr_sh = "4", tr_ci = "Zürich",
        tr_st = "ZH", tr_co = "CH", tr_cu = "CHF", ttm = "1700000001000" }, false },
    { { e = "ti", ti_id = "order-1", ti_sk = "sku-1", ti_pr = "9.99", ti_qu = "2", ti_nm = "Book", ti_ca = "books",
        ti_cu = "CHF", ttm = "1700000001000" }, false },
    { { e = "ti", ti_id = "order-1", ti_sk = "sku-2", ti_pr = "19.99", ti_qu = "1", ti_cu = "CHF",
        ttm = "1700000001000" }, false },
  },
  link_click = { { { e = "ue" }, { schema = BASE .. "/link_click/jsonschema/1-0-1",
    data = { targetUrl = "https://example.com/target", elementId = "link-1", elementClasses = { "nav", "big" },
             elementTarget = "_blank", elementContent = "Click me" } } } },
  add_to_cart = { { { e = "ue" }, { schema = BASE .. "/add_to_cart/jsonschema/1-0-0",
    data = { sku = "sku-1", quantity = 2, name = "Book", category = "books", unitPrice = 9.99, currency = "EUR" } } } },
  remove_from_cart = { { { e = "ue" }, { schema = BASE .. "/remove_from_cart/jsonschema/1-0-0",
    data = { sku = "sku-2", quantity = 1.5 } } } },
  form_change = { { { e = "ue" }, { schema = BASE .. "/change_form/jsonschema/1-0-0",
    data = { formId = "form-1", elementId = "email", nodeName = "INPUT", value = "a@b.c", type = "email",
             elementClasses = { "wide" } } } } },
  form_change_null = { { { e = "ue" }, { schema = BASE .. "/change_form/jsonschema/1-0-0",
    data = { formId = "form-1", elementId = "notes", nodeName = "TEXTAREA", value = NULL } } } },
  form_submit = { { { e = "ue" }, { schema = BASE .. "/submit_form/jsonschema/1-0-0",
    data = { formId = "form-1", formClasses = { "checkout" },
             elements = { { name = "email", value = "a@b.c", nodeName = "INPUT", type = "email" } } } } } },
  site_search = { { { e = "ue" }, { schema = BASE .. "/site_search/jsonschema/1-0-0",
    data = { terms = { "snow", "plow" }, filters = { category = "books", in_stock = true }, totalResults = 42,
             pageResults = 10 } } } },
  timing = { { { e = "ue" }, { schema = BASE .. "/timing/jsonschema/1-0-0",
    data = { category = "load", variable = "dom", timing = 123.5, label = "home" } } } },
  mobile_screen_view = { { { e = "ue" }, { schema = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
    data = { name = "Main", id = SCREEN_ID, type = "feed", previousName = "Login", previousId = PREVIOUS_ID,
             previousType = "form", transitionType = "push" } } } },
}

local function subject()
  return snowplow.new_subject()
    :set_user_id("user-ü"):set_screen_resolution(1920, 1080):set_viewport(800, 600):set_color_depth(24)
    :set_timezone("Europe/London"):set_lang("en-GB"):set_ip_address("10.0.0.1"):set_useragent("Mozilla/5.0 (X11)")
    :set_domain_user_id("domain-user"):set_network_user_id("network-user")
    :set_domain_session_id("3b1a6f0e-0000-4000-8000-000000000001"):set_domain_session_index(3):set_platform("mob")
end

describe("every event type", function()
  local collector

  setup(function() collector = support.start() end)
  teardown(function() collector:stop() end)

  local function check(method, base64)
    collector:reset()
    local emitter = snowplow.new_emitter("http://" .. collector:endpoint(), { method = method, buffer_size = 7 })
    local tracker = snowplow.new_tracker(emitter, { encode_base64 = base64, namespace = "ns-" .. method,
                                                    app_id = "app-1", subject = subject() })
    track_everything(tracker)
    assert.is_true(tracker:flush(60000))
    emitter:close()

    assert.are.same({}, collector:bad())
    local good = collector:good()
    local total = 0
    for _, records in pairs(expected) do total = total + #records end
    assert.are.equal(total, #good)
    assert.are.equal(total, emitter:counter("sent"))
    assert.are.equal(total, emitter:counter("tracked"))

    local by_case = {}
    for _, r in ipairs(good) do
      local id = r.event.contexts[1].data.id
      by_case[id] = by_case[id] or {}
      table.insert(by_case[id], r)
    end
    for name, records in pairs(expected) do
      local got = by_case[name]
      assert.is_not_nil(got, name)
      table.sort(got, function(a, b)
        local ka = (a.event.e == "ti" and "1" or "0") .. (a.event.ti_sk or "")
        local kb = (b.event.e == "ti" and "1" or "0") .. (b.event.ti_sk or "")
        return ka < kb
      end)
      assert.are.equal(#records, #got, name)
      for i, exp in ipairs(records) do
        local record, fields, sd = got[i], exp[1], exp[2]
        local event, raw = record.event, record.raw
        if method == "GET" then
          assert.are.same({ "GET", "/i" }, { record.method, record.path })
        else
          assert.are.same({ "POST", "/com.snowplowanalytics.snowplow/tp2" }, { record.method, record.path })
        end
        for k, v in pairs(fields) do assert.are.equal(v, event[k], name .. ": " .. k) end
        for k, v in pairs(SUBJECT_FIELDS) do assert.are.equal(v, event[k], name .. ": subject " .. k) end
        assert.are.equal(snowplow.TRACKER_VERSION, event.tv)
        assert.are.equal("ns-" .. method, event.tna)
        assert.are.equal("app-1", event.aid)
        assert.truthy(event.eid:match("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$"), event.eid)
        assert.truthy(event.dtm:match("^%d+$"))
        assert.truthy(event.stm:match("^%d+$"))
        if not fields.ttm then assert.is_nil(event.ttm, name) end
        assert.are.equal(base64, raw.cx ~= nil, name .. ": cx")
        assert.are.equal(not base64, raw.co ~= nil, name .. ": co")
        assert.are.same({ { schema = ENTITY, data = { id = name, n = 7, tags = { "a", "b" } } } }, event.contexts)
        if sd then
          assert.are.equal(base64, raw.ue_px ~= nil, name .. ": ue_px")
          assert.are.equal(not base64, raw.ue_pr ~= nil, name .. ": ue_pr")
          assert.are.equal(BASE .. "/unstruct_event/jsonschema/1-0-0", event.unstruct_event.schema)
          assert.are.same(sd, event.unstruct_event.data, name)
        else
          assert.is_nil(raw.ue_px or raw.ue_pr, name)
        end
      end
    end
  end

  it("POST, base64", function() check("POST", true) end)
  it("POST, plain JSON", function() check("POST", false) end)
  it("GET, base64", function() check("GET", true) end)
  it("GET, plain JSON", function() check("GET", false) end)

  it("uses the official defaults: POST, platform pc, base64; changes apply to later events", function()
    collector:reset()
    local tracker = snowplow.new_tracker("http://" .. collector:endpoint())
    assert.are.equal("POST", tracker:get_emitter():get_request_method())
    tracker:track_screen_view("one")
    tracker:set_user_id("later")
    tracker:platform("tv")
    tracker:set_app_id("app-2")
    tracker:encode_base64(false)
    tracker:track_screen_view("two")
    assert.is_true(tracker:flush(60000))
    local events = {}
    for _, r in ipairs(collector:good()) do
      events[r.event.unstruct_event.data.data.name] = r
    end
    assert.are.same({ "pc", nil, nil, true }, { events.one.event.p, events.one.event.uid, events.one.event.aid,
                                                events.one.raw.ue_px ~= nil })
    assert.are.same({ "tv", "later", "app-2", true }, { events.two.event.p, events.two.event.uid,
                                                        events.two.event.aid, events.two.raw.ue_pr ~= nil })
    assert.are.same({}, collector:bad())
  end)

  it("sends every event to every emitter", function()
    collector:reset()
    local url = "http://" .. collector:endpoint()
    local tracker = snowplow.new_tracker({ snowplow.new_emitter(url, "POST"), snowplow.new_emitter(url, "GET") })
    local eid = tracker:track_struct_event("c", "a")
    assert.is_true(tracker:flush(60000))
    local methods = {}
    for _, r in ipairs(collector:good()) do
      assert.are.equal(eid, r.event.eid)
      methods[#methods + 1] = r.method
    end
    table.sort(methods)
    assert.are.same({ "GET", "POST" }, methods)
  end)
end)
