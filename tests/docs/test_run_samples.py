"""run_samples.py must pass good samples and fail broken ones, each for its own reason."""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("SNOWPLOW_SOURCE_DIR", os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("SNOWPLOW_BUILD_DIR", os.path.join(SOURCE, "build"))

GOOD_C = r'''
#include <snowplow.h>
int main(void)
{
    snowplow_emitter_options *eo;
    snowplow_emitter *em;
    snowplow_tracker_options *to;
    snowplow_tracker *tr;
    snowplow_event *ev;
    if (snowplow_emitter_options_new(&eo) || snowplow_emitter_options_set_endpoint(eo, "127.0.0.1:9090") ||
        snowplow_emitter_new(&em, eo) || snowplow_tracker_options_new(&to) ||
        snowplow_tracker_options_add_emitter(to, em) || snowplow_tracker_new(&tr, to) ||
        snowplow_event_structured_new(&ev, "docs", "test", NULL, NULL) ||
        snowplow_tracker_track(NULL, tr, ev) || snowplow_tracker_flush(tr, 5000))
        return 1;
    snowplow_event_free(ev);
    snowplow_tracker_free(tr);
    snowplow_emitter_free(em);
    return 0;
}
'''

# (expected outcome, marker line or "", language, body); the reason must appear in the output.
CASES = [
    ("pass", "", "c", GOOD_C, None),
    ("FAIL", "", "c", GOOD_C.replace("return 0;", "return 0"), "error"),
    ("FAIL", "", "c", GOOD_C.replace('"docs", "test"', '"docs", NULL'), "exit status 1"),
    ("FAIL", "", "c", GOOD_C.replace("int main(void)", "static int unused;\nint main(void)"),
     "unused"),
    ("pass", "<!-- sample: fragment -->", "c",
     "int f(snowplow_event *e) { return snowplow_event_validate(e); }\n", None),
    ("FAIL", "<!-- sample: fragment -->", "c", "int f(void) { return g(); }\n", "error"),
    ("pass", "", "python", "print('no collector needed')\n", None),
    ("FAIL", "", "python", "import sys\nsys.exit(3)\n", "exit status 3"),
    ("FAIL", "", "python",
     "import urllib.request\n"
     "urllib.request.urlopen('http://127.0.0.1:9090/i?e=se&p=pc&tv=x&eid=no')\n",
     "bad event"),
    ("FAIL", "", "python", "# names 127.0.0.1:9090 but sends nothing\n",
     "no event arrived"),
    ("pass", "<!-- sample: fragment -->", "python", "def f(x): ...\n", None),
    ("FAIL", "<!-- sample: fragment -->", "python", "def f(x) ...\n", "syntax error"),
    ("FAIL", "<!-- sample: fragment -->", "ruby", "def f(\n", "ruby -c"),
    ("FAIL", "<!-- sample: fragment -->", "lua", "local = 1\n", "luac"),
    ("pass", "", "sh", "bash scripts/demo.sh --help\n", None),
    ("FAIL", "", "sh", "bash scripts/no-such-script.sh\n", "not in the source tree"),
    ("FAIL", "", "sh", "if then fi (\n", "bash -n"),
    ("FAIL", "<!-- sample: run -->", "sh", "false\n", "exit status 1"),
    ("pass", "<!-- sample: run -->", "sh",
     "curl -sf \"http://127.0.0.1:9090/i?e=pv&p=pc&tv=docs&url=http%3A%2F%2Fa.example%2F"
     "&dtm=1700000000000&eid=$(cat /proc/sys/kernel/random/uuid)\" >/dev/null\n", None),
    ("pass", "", "console", "$ ls tools/collector\nREADME.md\n", None),
    ("FAIL", "", "console", "$ cat tools/nothing-here.txt\n", "not in the source tree"),
    ("pass", "", "json", '{"a": [1, 2]}\n', None),
    ("FAIL", "", "json", '{"a": }\n', "not JSON"),
    ("FAIL", "<!-- sample: skip -->", "python", "x\n", "needs a reason"),
    ("skip", "<!-- sample: skip not a program -->", "python", "x y z\n", None),
    ("shown", "", "text", "anything\n", None),
]


def test_runner_verdicts(tmp_path):
    parts, lines = [], []
    for outcome, marker, lang, body, _ in CASES:
        parts.append("Some text.\n\n")
        if marker:
            parts.append(marker + "\n")
        lines.append(sum(p.count("\n") for p in parts) + 1)
        parts.append("```%s\n%s```\n\n" % (lang, body))
    md = tmp_path / "samples.md"
    md.write_text("".join(parts))
    proc = subprocess.run([sys.executable, os.path.join(HERE, "run_samples.py"),
                           "--source", SOURCE, "--build", BUILD, str(md)],
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    verdicts = dict((int(m.group(2)), m.group(1))
                    for m in re.finditer(r"^(pass|FAIL|skip|shown)\s+\S+:(\d+) ", out, re.M))
    blocks = re.split(r"^(?=pass |FAIL |skip |shown )", out, flags=re.M)
    for (outcome, marker, lang, body, reason), line in zip(CASES, lines):
        assert verdicts.get(line) == outcome, (line, lang, body, out)
        if reason:
            text = next(b for b in blocks if re.match(r"\w+\s+\S+:%d " % line, b))
            assert reason in text, (reason, text)
