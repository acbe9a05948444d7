"""Unicode round trips: what Python tracks arrives unchanged at the collector and
comes back unchanged in the callbacks' event dicts, over GET and POST, with
base64 on and off."""

import json

import pytest

from snowplow import (Emitter, PageView, SelfDescribing, SelfDescribingJson, StructuredEvent,
                      Subject, Tracker)

from conftest import TEST_EVENT, decode_b64url

TEXTS = ["ć", "zażółć gęślą jaźń", "🎉 party", "日本語", "mixed ć🎉\u00a0end", "a\u2028b"]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("base64_on", [True, False], ids=["base64", "plain"])
def test_unicode_round_trip(collector, recorder, method, base64_on):
    emitter = Emitter(collector.url, method=method, on_success=recorder.on_success,
                      on_failure=recorder.on_failure)
    tracker = Tracker("ns-ć", emitter, app_id="app-🎉", encode_base64=base64_on,
                      subject=Subject().set_user_id("użytkownik-🎉"))
    tracked = {}
    for text in TEXTS:
        tracked[tracker.track(PageView("http://example.com/ć?q=" + text, text, None))] = (
            "pv", text)
        tracked[tracker.track(StructuredEvent("kategoria-ć", "akcja", text, text))] = (
            "se", text)
        data = {"name": text, "text": text + "\u0000" + text}
        tracked[tracker.track(SelfDescribing(SelfDescribingJson(TEST_EVENT, data)))] = (
            "ue", data)
    tracker.flush()

    records = collector.by_eid()
    assert set(records) == set(tracked)
    sent = {e["eid"]: e for e in recorder.sent}
    assert set(sent) == set(tracked)
    assert recorder.failures == []
    for eid, (kind, value) in tracked.items():
        raw, callback_event = records[eid]["raw"], sent[eid]
        for fields in (raw, callback_event):
            assert fields["tna"] == "ns-ć" and fields["aid"] == "app-🎉"
            assert fields["uid"] == "użytkownik-🎉"
            if kind == "pv":
                assert fields["page"] == value
                assert fields["url"] == "http://example.com/ć?q=" + value
            elif kind == "se":
                assert (fields["se_ca"], fields["se_la"], fields["se_pr"]) == (
                    "kategoria-ć", value, value)
            else:
                wire = (decode_b64url(fields["ue_px"]) if base64_on
                        else json.loads(fields["ue_pr"]))
                assert wire["data"] == {"schema": TEST_EVENT, "data": value}
        if kind == "ue":
            assert records[eid]["event"]["unstruct_event"]["data"]["data"] == value
