#!/usr/bin/env python3
"""Stand-in workloads for the end-to-end suite: small servers that honour the platform's contracts.

    standin.py whoami [--port 8080]     answers every path with who served it (like traefik/whoami)
    standin.py backend [--port 8080]    the app's API: GET /health, secrets read from *_FILE paths
    standin.py frontend [--port 3000]   the app's SPA: serves / and the mounted /config.json
    standin.py worker                   the app's worker: reads its secrets, then waits for work
    standin.py health URL               exits 0 when URL answers 2xx (the image's health check)

Every server answers GET /health and reports its version (STANDIN_VERSION, set by the image) so
a rollout can be followed request by request. Secrets are never printed: /secrets reports only
which *_FILE variables point at readable, non-empty files and whether any secret value leaked
into the environment.
"""

import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("STANDIN_VERSION", "1")
HOSTNAME = socket.gethostname()


def secret_files():
    """Maps each *_FILE variable to whether its file is readable and non-empty."""
    found = {}
    for key, path in sorted(os.environ.items()):
        if not key.endswith("_FILE"):
            continue
        try:
            with open(path, "rb") as handle:
                found[key] = {"path": path, "readable": len(handle.read()) > 0}
        except OSError as error:
            found[key] = {"path": path, "readable": False, "error": error.strerror}
    return found


def secret_values():
    values = []
    for key, path in os.environ.items():
        if key.endswith("_FILE"):
            try:
                with open(path, "r", encoding="utf-8", errors="replace") as handle:
                    value = handle.read().strip()
                if value:
                    values.append(value)
            except OSError:
                pass
    return values


def leaked_into_env():
    """Names of environment variables whose value contains a secret's value."""
    values = secret_values()
    return sorted(
        key
        for key, text in os.environ.items()
        if not key.endswith("_FILE") and any(v in text for v in values)
    )


class Handler(BaseHTTPRequestHandler):
    role = "whoami"
    static_files = {}
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Standin", f"{self.role}/{VERSION}")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/health" or path == "/api/health":
            self.reply(200, json.dumps({"status": "ok", "role": self.role}))
        elif path in self.static_files:
            try:
                with open(self.static_files[path], "rb") as handle:
                    self.reply(200, handle.read())
            except OSError as error:
                self.reply(500, json.dumps({"error": error.strerror}))
        elif path == "/secrets":
            self.reply(200, json.dumps({"files": secret_files(), "leaked": leaked_into_env()}))
        else:
            self.reply(
                200,
                json.dumps(
                    {
                        "role": self.role,
                        "version": VERSION,
                        "hostname": HOSTNAME,
                        "host": self.headers.get("Host"),
                        "path": self.path,
                        "forwardedProto": self.headers.get("X-Forwarded-Proto"),
                    }
                ),
            )

    do_HEAD = do_GET


def serve(role, port, static_files=None):
    Handler.role = role
    Handler.static_files = static_files or {}
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        # Answer in-flight requests, then exit: the platform drains before it stops a task.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"{role} {VERSION} listening on :{port}", flush=True)
    server.serve_forever()


def worker():
    files = secret_files()
    missing = [key for key, state in files.items() if not state["readable"]]
    if missing:
        print(f"worker: unreadable secret files: {', '.join(missing)}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"worker {VERSION} ready with {len(files)} secret file(s)", flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    while True:
        time.sleep(3600)


def port_arg(argv, default):
    if "--port" in argv:
        return int(argv[argv.index("--port") + 1])
    return int(os.environ.get("PORT", default))


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    role, rest = argv[0], argv[1:]
    if role == "health":
        try:
            with urllib.request.urlopen(rest[0], timeout=3) as response:
                return 0 if 200 <= response.status < 300 else 1
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            return 1
    if role == "whoami":
        serve("whoami", port_arg(rest, 8080))
    elif role == "backend":
        serve("backend", port_arg(rest, 8080))
    elif role == "frontend":
        root = os.environ.get("STANDIN_STATIC_ROOT", "/usr/share/standin")
        serve(
            "frontend",
            port_arg(rest, 3000),
            {"/": f"{root}/index.html", "/config.json": os.environ.get("CONFIG_JSON", "/config.json")},
        )
    elif role == "worker":
        worker()
    else:
        print(f"unknown role {role}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
