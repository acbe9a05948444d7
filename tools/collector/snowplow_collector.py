#!/usr/bin/python3
"""A local Snowplow collector for tests (plays Snowplow Micro's part): receives tracker
requests on 127.0.0.1, validates every event against the Iglu schemas it ships, keeps good
and bad events apart, and can inject faults. See README.md beside this file."""

import argparse
import gc
import os
import signal
import sys
import threading

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
# realpath: the installed command is a symlink to this file.
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from collector_lib.handler import CollectorServer  # noqa: E402
from collector_lib.iglu import CONTEXTS_URIS, PAYLOAD_DATA_DEFAULT, UNSTRUCT_EVENT_URI, Registry  # noqa: E402

DEFAULT_SCHEMAS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "schemas")


def write_port_file(path, port):
    """Atomically: a reader sees either no file or the whole port number."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Local Snowplow collector for tests.")
    p.add_argument("--port", type=int, default=9090, help="port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--port-file", help="write the port here (atomically) once listening")
    p.add_argument("--schemas", default=DEFAULT_SCHEMAS, help="Iglu schema folder (VENDOR/NAME/jsonschema/VERSION)")
    p.add_argument("--quiet", action="store_true", help="log nothing, not even server errors")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        registry = Registry(args.schemas)
        # Fail at start, not on the first event, when the schema folder lacks the envelopes.
        for uri in (PAYLOAD_DATA_DEFAULT, UNSTRUCT_EVENT_URI) + CONTEXTS_URIS:
            registry.checker(uri)
        registry.payload_checkers(PAYLOAD_DATA_DEFAULT)
        server = CollectorServer(("127.0.0.1", args.port), registry,
                                 quiet=args.quiet, verbose=args.verbose)
    except Exception as exc:  # noqa: BLE001 - report any start-up failure plainly
        print("snowplow_collector: cannot start: %s" % exc, file=sys.stderr)
        return 1

    # Stored records are long-lived and acyclic: collect young objects less often, so a
    # store of 100 000 events does not make every collection walk it.
    gc.freeze()
    gc.set_threshold(20000, 50, 100)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print("listening on 127.0.0.1:%d" % port, flush=True)

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               name="serve", daemon=True)
    serving.start()
    # Waiting with a timeout keeps the main thread responsive to signals.
    while not stop.wait(0.5):
        if not serving.is_alive():
            break
    server.shutdown()
    server.faults.clear()  # release hung requests
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
