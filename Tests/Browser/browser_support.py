"""What the browser tests share: a free loopback port, waiting for something to become true, and
the run of a test module against a shop built for it."""
import argparse
import os
import shutil
import socket
import sys
import tempfile
import time
import unittest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(condition, timeout=15.0, step=0.1):
    """The condition's first truthy value within `timeout` seconds, else its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def run_tests(module, make_shop, prefix):
    """Parses --kindred, --artifacts and unittest's own arguments, builds the module's shop
    (module.ARGS and module.SHOP), runs the module's tests, and exits 0 only if they all pass.
    The server's log is kept beside the screenshots."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kindred", required=True)
    parser.add_argument("--artifacts")
    parser.add_argument("rest", nargs="*")
    module.ARGS = parser.parse_args()
    work = tempfile.mkdtemp(prefix=f"kindred-{prefix}-")
    module.SHOP = make_shop(os.path.abspath(module.ARGS.kindred), work)
    ok = False
    try:
        program = unittest.main(module=module, argv=[sys.argv[0], "-v", *module.ARGS.rest], exit=False)
        ok = program.result.wasSuccessful()
    finally:
        module.SHOP.close()
        if module.ARGS.artifacts and os.path.isdir(module.ARGS.artifacts):
            shutil.copy(os.path.join(work, "serve.log"), os.path.join(module.ARGS.artifacts, f"{prefix}-serve.log"))
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)
