#!/usr/bin/python3
"""Extract every fenced code block of README.md and docs/*.md and check it, so that the
documentation cannot rot. The conventions are in docs/README.md ("Code samples are tested").

    run_samples.py --source DIR --build DIR [--list] [FILE.md ...]

By language (the word after the opening fence):
  c                     compiled against the build tree (-Wall -Werror) and run
  python, ruby, lua     run with the build tree's binding (Lua: 5.4, and 5.1 too)
  sh, bash, console     `bash -n`, and every path into the source tree they name must exist;
                        run only when marked `run` (from the source folder, the build tree's
                        tools/*/ first on PATH, so `snowplow-track` is the one just built)
  json                  parsed
  anything else         (cmake, sql, text, ...) shown, not checked

A marker comment on the line right before the fence changes what happens:
  <!-- sample: fragment -->      not a whole program: only syntax-checked (C: -fsyntax-only
                                 after #include <snowplow.h>; Python: compile(); Ruby:
                                 ruby -c; Lua: luac -p; sh: bash -n)
  <!-- sample: skip REASON -->   not checked at all; the reason is required and printed
  <!-- sample: run -->           also run a sh/bash block (from the source tree)
  <!-- sample: lua5.4 -->        Lua: only under that version (lua5.1 likewise)

Samples that run talk to the local collector, which the runner starts on a free port: a
sample writes the collector as 127.0.0.1:9090 (the collector's default port), and the runner
puts the real port in its place. A run passes when it exits with 0, the collector received
no bad event, and, if the sample names 127.0.0.1:9090, at least one good event arrived.
"""

import argparse
import glob
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True

DEFAULT_COLLECTOR = "127.0.0.1:9090"
FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>```+|~~~+)[ ]*(?P<lang>[\w+-]*)[^\n]*\n",
                   re.M)
MARKER = re.compile(r"<!--\s*sample:\s*(?P<kind>fragment|skip|run|lua5\.[14])\b(?P<rest>.*?)-->")
# Paths into the source tree that shell samples name.
TREE_PATH = re.compile(r"(?<![\w./-])((?:scripts|tools|bench|tests|bindings|examples|docs|core|"
                       r"packaging|cmake|debian)/[\w./-]*[\w-])")
RUN_TIMEOUT = 60


class Sample:
    def __init__(self, path, line, lang, body, marker, marker_rest):
        self.path, self.line, self.lang, self.body = path, line, lang, body
        self.marker, self.marker_rest = marker, marker_rest.strip()

    @property
    def where(self):
        return "%s:%d (%s)" % (self.path, self.line, self.lang or "no language")


def extract(path, rel):
    """The fenced blocks of one Markdown file, with the marker comment before each."""
    text = open(path, encoding="utf-8").read()
    samples, pos = [], 0
    while True:
        m = FENCE.search(text, pos)
        if not m:
            return samples
        fence = m.group("fence")
        close = re.compile(r"^[ ]{0,3}" + re.escape(fence[0]) + "{%d,}[ ]*$" % len(fence), re.M)
        end = close.search(text, m.end())
        if not end:
            raise SystemExit("%s:%d: code block never closed" % (rel, text.count("\n", 0, m.start()) + 1))
        body = text[m.end():end.start()]
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mk = MARKER.search(before)
        samples.append(Sample(rel, text.count("\n", 0, m.start()) + 1, m.group("lang").lower(),
                              body, mk.group("kind") if mk else None,
                              mk.group("rest") if mk else ""))
        pos = end.end()


class Collector:
    """The local collector, started and stopped by the collector suite's own fixtures."""

    def __init__(self, source, tmp):
        spec = importlib.util.spec_from_file_location(
            "collector_fixtures", os.path.join(source, "tests", "collector", "conftest.py"))
        self.fixtures = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.fixtures)
        self.c = self.fixtures.start_collector(pathlib.Path(tmp), "--quiet")
        self.address = "127.0.0.1:%d" % self.c.port

    def get(self, path, method="GET"):
        resp = self.c.request(method, path)
        assert resp.status == 200, (path, resp.status, resp.body)
        return resp.json()

    def reset(self):
        self.get("/micro/reset", "POST")

    def counts(self):
        return self.get("/micro/all")

    def stop(self):
        self.fixtures.stop_collector(self.c)


class Runner:
    def __init__(self, source, build, collector, tmp):
        self.source, self.build, self.collector, self.tmp = source, build, collector, tmp
        self.count = 0

    def env(self, lua=None):
        env = dict(os.environ)
        for var in [k for k in env if k.endswith("PATH") and k not in ("PATH",)]:
            env.pop(var)
        env["PYTHONPATH"] = os.path.join(self.build, "bindings", "python", "package")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["RUBYLIB"] = "%s:%s" % (os.path.join(self.build, "bindings", "ruby"),
                                    os.path.join(self.source, "bindings", "ruby", "lib"))
        env["LD_LIBRARY_PATH"] = os.path.join(self.build, "core")
        # The build tree's tools (snowplow-track, ...) come first on PATH.
        tools = sorted(d for d in glob.glob(os.path.join(self.build, "tools", "*")) if os.path.isdir(d))
        env["PATH"] = os.pathsep.join(tools + [env.get("PATH", "/usr/bin:/bin")])
        if lua:
            env["LUA_CPATH"] = os.path.join(self.build, "bindings", "lua", lua, "?.so") + ";;"
            env["LUA_PATH"] = os.path.join(self.source, "bindings", "lua", "src", "?.lua") + ";;"
        return env

    def file(self, sample, suffix, text):
        self.count += 1
        path = os.path.join(self.tmp, "sample%03d%s" % (self.count, suffix))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def localised(self, sample):
        return sample.body.replace(DEFAULT_COLLECTOR, self.collector.address)

    def execute(self, sample, argv, env, cwd=None):
        """Run a sample against a freshly reset collector; an error message or None."""
        self.collector.reset()
        try:
            proc = subprocess.run(argv, env=env, cwd=cwd or self.tmp, capture_output=True,
                                  text=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return "did not finish in %d s" % RUN_TIMEOUT
        if proc.returncode != 0:
            return "exit status %d\n%s%s" % (proc.returncode, proc.stdout, proc.stderr)
        counts = self.wait_counts(sample)
        if counts["bad"]:
            return "the collector received %d bad event(s): %s" % (
                counts["bad"], json.dumps(self.collector.get("/micro/bad"))[:2000])
        if DEFAULT_COLLECTOR in sample.body and counts["good"] == 0:
            return "no event arrived at the collector"
        return None

    def wait_counts(self, sample):
        # A sample may exit before its last request was answered; give it a moment.
        deadline = time.monotonic() + (5 if DEFAULT_COLLECTOR in sample.body else 0)
        while True:
            counts = self.collector.counts()
            if counts["good"] or counts["bad"] or time.monotonic() >= deadline:
                return counts
            time.sleep(0.05)

    def check(self, proc_argv, env=None):
        proc = subprocess.run(proc_argv, env=env or self.env(), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)
        if proc.returncode != 0:
            return "%s\n%s%s" % (" ".join(proc_argv[:2]), proc.stdout, proc.stderr)
        return None

    # -- languages

    def c(self, sample):
        include = os.path.join(self.source, "core", "include")
        libdir = os.path.join(self.build, "core")
        cc = os.environ.get("CC", "cc")
        if sample.marker == "fragment":
            src = self.file(sample, ".c", "#include <snowplow.h>\n" + sample.body)
            return self.check([cc, "-std=c11", "-fsyntax-only", "-Wall", "-Wno-unused", "-Werror",
                               "-I", include, src])
        src = self.file(sample, ".c", self.localised(sample))
        exe = src[:-2]
        err = self.check([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include, src,
                          "-o", exe, "-L", libdir, "-lsnowplow", "-Wl,-rpath," + libdir])
        return err or self.execute(sample, [exe], self.env())

    def python(self, sample):
        if sample.marker == "fragment":
            try:
                compile(sample.body, sample.where, "exec")
                return None
            except SyntaxError as e:
                return "syntax error: %s" % e
        return self.execute(sample, ["/usr/bin/python3", self.file(sample, ".py",
                                                                   self.localised(sample))],
                            self.env())

    def ruby(self, sample):
        if sample.marker == "fragment":
            return self.check(["ruby", "-c", self.file(sample, ".rb", sample.body)])
        return self.execute(sample, ["ruby", "-W1", self.file(sample, ".rb", self.localised(sample))],
                            self.env())

    def lua(self, sample):
        versions = [sample.marker[3:]] if sample.marker in ("lua5.1", "lua5.4") else ["5.4", "5.1"]
        for v in versions:
            if sample.marker == "fragment":
                err = self.check(["luac%s" % v, "-p", self.file(sample, ".lua", sample.body)])
            elif not os.path.isdir(os.path.join(self.build, "bindings", "lua", v)):
                continue  # run() made sure that some version is built
            else:
                err = self.execute(sample, ["lua%s" % v, self.file(sample, ".lua",
                                                                   self.localised(sample))],
                                   self.env(lua=v))
            if err:
                return "Lua %s: %s" % (v, err)
        return None

    def sh(self, sample):
        script = self.file(sample, ".sh", sample.body)
        err = self.check(["bash", "-n", script])
        if err:
            return err
        for path in TREE_PATH.findall(sample.body):
            if not os.path.exists(os.path.join(self.source, path)) and \
                    not glob.glob(os.path.join(self.source, path)):
                return "names %s, which is not in the source tree" % path
        if sample.marker == "run":
            script = self.file(sample, ".sh", "set -euo pipefail\n" + self.localised(sample))
            return self.execute(sample, ["bash", script], self.env(), cwd=self.source)
        return None

    def console(self, sample):
        # "$ command" lines are the commands; the rest is their output.
        commands = [l.lstrip()[2:] for l in sample.body.splitlines() if l.lstrip().startswith("$ ")]
        return self.sh(Sample(sample.path, sample.line, "sh", "\n".join(commands) + "\n",
                              sample.marker, sample.marker_rest))

    def json(self, sample):
        try:
            json.loads(sample.body)
            return None
        except ValueError as e:
            return "not JSON: %s" % e

    def binding_built(self, lang, marker):
        """Whether the binding a sample of this language runs on was built."""
        b = os.path.join(self.build, "bindings")
        if lang == "python":
            return os.path.isdir(os.path.join(b, "python", "package"))
        if lang == "ruby":
            return bool(glob.glob(os.path.join(b, "ruby", "snowplow_native.*")))
        if lang == "lua":
            wanted = [marker[3:]] if marker in ("lua5.1", "lua5.4") else ["5.4", "5.1"]
            return any(os.path.isdir(os.path.join(b, "lua", v)) for v in wanted)
        return True

    def run(self, sample):
        """(status, note): status 'pass', 'skip', 'shown' or 'FAIL'."""
        if sample.marker == "skip":
            if not sample.marker_rest:
                return "FAIL", "a skip marker needs a reason: <!-- sample: skip REASON -->"
            return "skip", sample.marker_rest
        lang = {"bash": "sh", "shell": "sh", "c": "c", "python": "python", "py": "python",
                "ruby": "ruby", "lua": "lua", "sh": "sh", "console": "console",
                "json": "json"}.get(sample.lang)
        if lang is None:
            return "shown", ""
        if sample.marker in ("lua5.1", "lua5.4") and lang != "lua":
            return "FAIL", "a %s marker on a %s block" % (sample.marker, lang)
        if sample.marker != "fragment" and not self.binding_built(lang, sample.marker):
            # A build without that binding (its CMake option off): said, not hidden.
            return "skip", "the %s binding is not built in %s" % (lang, self.build)
        err = getattr(self, lang)(sample)
        return ("FAIL", err) if err else ("pass", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--list", action="store_true", help="list the samples, run nothing")
    ap.add_argument("files", nargs="*", help="Markdown files (default README.md docs/*.md)")
    args = ap.parse_args()
    source, build = os.path.abspath(args.source), os.path.abspath(args.build)
    files = args.files or ["README.md"] + sorted(
        os.path.relpath(p, source) for p in glob.glob(os.path.join(source, "docs", "*.md")))
    samples = []
    for rel in files:
        samples += extract(os.path.join(source, rel), rel)
    if args.list:
        for s in samples:
            print("%s %s" % (s.where, s.marker or ""))
        return 0
    tmp = tempfile.mkdtemp(prefix="snowplow-samples.")
    collector = Collector(source, tmp)
    failed = 0
    tally = {}
    try:
        runner = Runner(source, build, collector, tmp)
        for s in samples:
            status, note = runner.run(s)
            tally[status] = tally.get(status, 0) + 1
            print("%-5s %s%s" % (status, s.where, " (%s)" % note if status == "skip" else ""),
                  flush=True)
            if status == "FAIL":
                failed += 1
                print("      " + note.replace("\n", "\n      "), flush=True)
    finally:
        collector.stop()
        if not failed:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d samples: %s" % (len(samples), ", ".join("%d %s" % (n, k) for k, n in sorted(tally.items()))))
    if failed:
        print("files of the failed samples are kept in %s" % tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
