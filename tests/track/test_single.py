"""snowplow-track, one event: the official tracking CLI's flags and what they send, our
other event kinds and subject flags, bad command lines, collector answers and exit codes."""

import base64
import json

import pytest

from conftest import TEST_ENTITY, TEST_EVENT, run

SD = json.dumps({"schema": TEST_EVENT, "data": {"name": "cli", "count": 2}})
CTX = json.dumps([{"schema": TEST_ENTITY, "data": {"id": "ctx-1"}}])


def only_event(collector):
    """The one good event that arrived, and nothing bad."""
    counts = collector.counts()
    assert counts == {"total": 1, "good": 1, "bad": 0}, (counts, collector.bad())
    return collector.good()[0]


def decode(px):
    return json.loads(base64.urlsafe_b64decode(px + "=" * (-len(px) % 4)))


def test_official_flags_send_what_the_official_cli_sends(collector):
    r = run("--collector", "127.0.0.1:%d" % collector.port, "--protocol", "http", "--sdjson", SD)
    assert r.code == 0, r
    assert r.out == "" and r.err == ""
    rec = only_event(collector)
    raw = rec["raw"]
    # The Go tracker under the official CLI: GET /i, platform srv, app id snowplowtrk,
    # base64 on, no namespace, no contexts when none were given.
    assert rec["method"] == "GET" and rec["path"] == "/i"
    assert raw["e"] == "ue" and raw["p"] == "srv" and raw["aid"] == "snowplowtrk"
    assert "tna" not in raw and "cx" not in raw and "co" not in raw and "ip" not in raw
    inner = decode(raw["ue_px"])["data"]
    assert inner == {"schema": TEST_EVENT, "data": {"name": "cli", "count": 2}}


def test_schema_json_with_the_official_aliases(collector):
    r = run("-c", "127.0.0.1:%d" % collector.port, "-p", "http", "-id", "my-app", "-m", "POST",
            "-s", TEST_EVENT, "-j", '{"name":"alias","price":1.50}', "-ip", "10.1.2.3",
            "-ctx", CTX)
    assert r.code == 0, r
    rec = only_event(collector)
    assert rec["method"] == "POST"
    raw, ev = rec["raw"], rec["event"]
    assert raw["aid"] == "my-app" and raw["ip"] == "10.1.2.3"
    # The data goes as written: 1.50 keeps its text.
    assert b'"price":1.50' in base64.urlsafe_b64decode(raw["ue_px"] + "==")
    assert ev["contexts"] == [{"schema": TEST_ENTITY, "data": {"id": "ctx-1"}}]


@pytest.mark.parametrize("style", [
    ["--collector={url}", "--appid=eq"],
    ["-collector", "{url}", "-appid", "eq"],
    ["-collector={url}", "-id=eq"],
])
def test_long_flags_take_one_or_two_dashes_and_equals(collector, style):
    args = [a.format(url=collector.url) for a in style]
    r = run(*args, "--sdjson", SD)
    assert r.code == 0, r
    assert only_event(collector)["raw"]["aid"] == "eq"


def test_page_view(collector):
    r = run("-c", collector.url, "--page-url", "https://example.com/caf\u00e9",
            "--page-title", "Caf\u00e9", "--referrer", "https://search.example/")
    assert r.code == 0, r
    raw = only_event(collector)["raw"]
    assert raw["e"] == "pv" and raw["url"] == "https://example.com/caf\u00e9"
    assert raw["page"] == "Caf\u00e9" and raw["refr"] == "https://search.example/"


def test_structured_event(collector):
    r = run("-c", collector.url, "--method", "post", "--se-category", "shop", "--se-action",
            "add", "--se-label", "red-hat", "--se-property", "hat", "--se-value", "13.99")
    assert r.code == 0, r
    raw = only_event(collector)["raw"]
    assert (raw["e"], raw["se_ca"], raw["se_ac"], raw["se_la"], raw["se_pr"], raw["se_va"]) == \
        ("se", "shop", "add", "red-hat", "hat", "13.99")


def test_tracker_and_subject_flags(collector):
    r = run("-c", collector.url, "--se-category", "c", "--se-action", "a",
            "--namespace", "ns", "--platform", "web", "--user-id", "u-1",
            "--timezone", "Europe/London", "--lang", "en-GB", "--domain-user-id", "d-1",
            "--network-user-id", "n-1", "--session-id", "6d1e7ab2-0c0b-4a8e-9d47-8f7a4e4ac2a1",
            "--session-index", "3", "--useragent", "cli-test/1.0", "--resolution", "1920x1080",
            "--viewport", "800x600", "--color-depth", "24", "--ipaddress", "192.0.2.1")
    assert r.code == 0, r
    raw = only_event(collector)["raw"]
    want = {"tna": "ns", "p": "web", "uid": "u-1", "tz": "Europe/London", "lang": "en-GB",
            "duid": "d-1", "tnuid": "n-1", "sid": "6d1e7ab2-0c0b-4a8e-9d47-8f7a4e4ac2a1",
            "vid": "3", "ua": "cli-test/1.0", "res": "1920x1080", "vp": "800x600", "cd": "24",
            "ip": "192.0.2.1"}
    assert {k: raw.get(k) for k in want} == want


def test_base64_off_and_on(collector):
    r = run("-c", collector.url, "--no-base64", "--sdjson", SD, "--contexts", CTX)
    assert r.code == 0, r
    raw = only_event(collector)["raw"]
    assert "ue_pr" in raw and "co" in raw and "ue_px" not in raw and "cx" not in raw
    collector.request("POST", "/micro/reset")
    r = run("-c", collector.url, "--no-base64", "--base64", "--sdjson", SD, "--contexts", CTX)
    assert r.code == 0, r
    raw = only_event(collector)["raw"]
    assert "ue_px" in raw and "cx" in raw


@pytest.mark.parametrize("args, message", [
    ([], "--collector needs to be specified"),
    (["-c", "{url}"], "--sdjson or --schema URI plus a --json needs to be specified"),
    (["-c", "{url}", "--schema", TEST_EVENT], "--json needs to be specified"),
    (["-c", "{url}", "--json", "{}"], "--schema URI needs to be specified"),
    (["-c", "{url}", "--sdjson", "{not json"], "invalid JSON"),
    (["-c", "{url}", "--sdjson", '{"schema":"iglu:x","data":{}}'], "not an Iglu URI"),
    (["-c", "{url}", "--sdjson", '{"data":{}}'], '"schema" (a string) missing'),
    (["-c", "{url}", "-s", TEST_EVENT, "-j", "[1]"], "data must be a JSON object"),
    (["-c", "{url}", "--sdjson", SD, "--contexts", "{}"], "--contexts: invalid JSON"),
    (["-c", "{url}", "--sdjson", SD, "--contexts", '[{"schema":"iglu:a/b/jsonschema/1-0-0"}]'],
     '"data" missing'),
    (["-c", "{url}", "--se-category", "only-category"], "action"),
])
def test_missing_or_bad_event_input_exits_1_and_sends_nothing(collector, args, message):
    r = run(*[a.replace("{url}", collector.url) for a in args])
    assert r.code == 1, r
    assert message in r.err, r
    assert collector.counts()["total"] == 0


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unknown or ambiguous option: --bogus"),
    (["-x"], "unknown or ambiguous option"),
    (["--sdjson"], "option needs a value"),
    (["--method", "PUT"], "--method: GET or POST"),
    (["--protocol", "ftp"], "--protocol: http or https"),
    (["--threads", "0"], "--threads: not a whole number from 1 to 64"),
    (["--batch", "x"], "--batch"),
    (["--attempts", "0"], "--attempts"),
    (["--queue", "-1"], "--queue"),
    (["--byte-limit", "10"], "--byte-limit"),
    (["--timeout", "soon"], "--timeout"),
    (["--session-index", "-2"], "--session-index"),
    (["--color-depth", "deep"], "--color-depth"),
    (["--resolution", "1920"], "--resolution: not WIDTHxHEIGHT"),
    (["--viewport", "0x10"], "--viewport: not WIDTHxHEIGHT"),
    (["--se-value", "abc"], "--se-value: not a number"),
    (["--header", "no-colon"], "--header: not 'Name: value'"),
    (["--max-inflight", "0"], "--max-inflight"),
    (["--page-url", "http://a/", "--se-category", "c", "--se-action", "a"], "one event at a time"),
    (["--page-title", "t"], "belong to a page view"),
    (["--se-label", "l"], "belong to a structured event"),
    (["stray-file.ndjson"], "need --bulk"),
    (["--bulk", "--page-url", "http://a/"], "takes no event flags"),
    (["--collector", "ftp://host"], "--collector"),
    (["--platform", "moon"], "--platform"),
])
def test_bad_command_lines_exit_2_and_send_nothing(collector, args, message):
    r = run("-c", collector.url, "--sdjson", SD, *args) if "--collector" not in args else \
        run("--sdjson", SD, *args)
    assert r.code == 2, r
    assert message in r.err, r
    assert collector.counts()["total"] == 0


def test_help_names_every_flag_and_the_man_page_too():
    import os
    import re
    r = run("--help")
    assert r.code == 0 and r.err == "", r
    source = open(os.path.join(os.path.dirname(__file__), "..", "..", "tools", "track",
                               "track_options.c")).read()
    flags = set(re.findall(r'\{"([a-z][a-z0-9-]+)", (?:required|no)_argument', source))
    assert len(flags) > 50
    man = open(os.environ.get("SNOWPLOW_TRACK_MAN", os.path.join(
        os.path.dirname(__file__), "..", "..", "tools", "track", "snowplow-track.1"))).read()
    completion = open(os.environ.get("SNOWPLOW_TRACK_COMPLETION", os.path.join(
        os.path.dirname(__file__), "..", "..", "tools", "track",
        "snowplow-track.bash-completion"))).read()
    for flag in flags:
        text = "-" + flag if len(flag) <= 3 else "--" + flag
        assert text in r.out, flag
        assert text.replace("-", "\\-") in man, ("man page lacks", flag)
        assert text in completion, ("completion lacks", flag)
    v = run("--version")
    assert v.code == 0 and v.out.startswith("snowplow-track "), v


@pytest.mark.parametrize("status, code", [(400, 4), (403, 4), (500, 5), (503, 5)])
def test_the_collector_answer_decides_the_exit_status(collector, status, code):
    collector.fault(status=status)
    r = run("-c", collector.url, "--sdjson", SD, "--attempts", "1")
    assert r.code == code, r
    assert "0 of 1 events delivered" in r.err and ("HTTP %d" % status) in r.err, r


def test_a_failure_that_a_retry_mends_exits_0(collector):
    collector.fault(status=500, count=1)
    r = run("-c", collector.url, "--sdjson", SD, "--attempts", "3")
    assert r.code == 0, r
    assert collector.counts()["good"] == 1


def test_unreachable_collector_exits_1_with_a_summary(closed_port):
    r = run("-c", "http://127.0.0.1:%d" % closed_port, "--sdjson", SD, "--attempts", "2")
    assert r.code == 1, r
    assert "0 of 1 events delivered" in r.err
    assert "1 failed: " in r.err and "onnect" in r.err, r


def test_an_event_the_library_refuses_exits_1_without_sending(collector):
    r = run("-c", collector.url, "--method", "POST", "--byte-limit", "1024",
            "--se-category", "c", "--se-action", "a", "--se-label", "x" * 3000)
    assert r.code == 1, r
    assert "byte limit" in r.err and "delivered" not in r.err, r
    assert collector.counts()["total"] == 0


@pytest.mark.parametrize("line, want", [
    ("snowplow-track --coll", ["--collector"]),
    ("snowplow-track --method ", ["GET", "POST"]),
    ("snowplow-track -p ", ["http", "https"]),
    ("snowplow-track --platform s", ["srv"]),
    ("snowplow-track --se-", ["--se-action", "--se-category", "--se-label", "--se-property",
                              "--se-value"]),
])
def test_bash_completion(line, want):
    import os
    import subprocess
    completion = os.environ.get("SNOWPLOW_TRACK_COMPLETION", os.path.join(
        os.path.dirname(__file__), "..", "..", "tools", "track", "snowplow-track.bash-completion"))
    words = line.split(" ")
    script = ('source "$1"; COMP_WORDS=(%s); COMP_CWORD=%d; _snowplow_track; '
              'printf "%%s\\n" "${COMPREPLY[@]}"' % (" ".join("'%s'" % w for w in words),
                                                      len(words) - 1))
    out = subprocess.run(["bash", "-c", script, "bash", completion], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split()) == want, out.stdout
