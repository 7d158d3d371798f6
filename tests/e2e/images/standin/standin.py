#!/usr/bin/env python3
"""Stand-in workloads for the end-to-end suite: small programs that honour the contracts the
platform's workloads rely on (ports, arguments, health checks, secrets as *_FILE files).

Started as the image's entry point, the first argument picks the role; without one (or with
options only) STANDIN_ROLE does:

    whoami [--port 8080]                  answers every path with who served it
    gunicorn ... --bind 0.0.0.0:8080 ...  the app's API: GET /health; reads *_FILE secrets
    celery --app X worker ...             the app's worker: reaches the broker, then heartbeats
    celery --app X inspect ping ...       the worker's health check: is the heartbeat fresh
    frontend                              the SPA on :3000: / and the mounted /app/dist/config.json
    rabbitmq-server                       the broker's ports (AMQP 5672 accepts, metrics 15692)
    rabbitmq-diagnostics -q ping          the broker's health check
    minio server DIR --address :9000 ...  an S3 endpoint: bucket HEAD/PUT, /minio/health/live;
                                          checks that clients use MINIO_ROOT_USER as access key
    mc ready local                        MinIO's health check
    grafana                               STAND-IN for Grafana on :3000 (GF_SERVER_HTTP_PORT):
                                          /api/health, /metrics, /api/* behind the admin's basic
                                          auth (GF_SECURITY_ADMIN_PASSWORD__FILE): the provisioned
                                          data sources (/api/datasources) and Grafana's data source
                                          proxy (/api/datasources/proxy/uid/<uid>/<path>), which
                                          forwards the request to the data source's URL; refuses
                                          to start without its password file or datasource
                                          provisioning, or when /var/lib/grafana is not writable
    cadvisor [--flags]                    STAND-IN for cAdvisor on :8080: /healthz, /metrics
    media-relay                           STAND-IN for a media app (STANDIN_MEDIA_APP: prowlarr,
                                          jackett, sonarr, radarr, bazarr, jellyfin, portainer)
                                          on the app's port: every request is relayed to the
                                          contract double of the apps' APIs
                                          (tests/components/media/wiring/media-double.ts), which
                                          the suite runs on this machine's docker_gwbridge address
                                          (the container's default gateway) at the same port and
                                          which records what it received; see media_relay()
    portainer-agent                       STAND-IN for the Portainer agent: listens on :9001
    nc -z HOST PORT                       the TCP health check: does HOST:PORT accept

Every HTTP server reports its role and version (STANDIN_VERSION, set by the image) in an
X-Standin header, so a rollout can be followed request by request. Secret values are never
printed or served.
"""

import base64
import json
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("STANDIN_VERSION", "1")
HOSTNAME = socket.gethostname()
HEARTBEAT = "/tmp/standin-worker.heartbeat"
# Seconds a server keeps accepting requests after SIGTERM: the app images' entrypoint delays the
# server's SIGTERM by SHUTDOWN_DELAY_SECONDS (apps/entrypoint/docker-entrypoint.sh); then, like
# gunicorn and serve, it stops accepting at once and finishes the requests in flight.
DRAIN_SECONDS = float(os.environ.get("SHUTDOWN_DELAY_SECONDS", "0"))


def log(message):
    print(f"standin: {message}", flush=True)


def secret_files():
    """Each *_FILE variable: its path and whether the file is readable and non-empty."""
    found = {}
    for key, path in sorted(os.environ.items()):
        if key.endswith("_FILE"):
            try:
                with open(path, "rb") as handle:
                    found[key] = {"path": path, "readable": len(handle.read()) > 0}
            except OSError as error:
                found[key] = {"path": path, "readable": False, "error": error.strerror}
    return found


def option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv and argv.index(name) + 1 < len(argv) else default


def bind_port(argv, default):
    """The port of --port N, --bind HOST:PORT or --address :PORT."""
    for name in ("--port", "--bind", "--address"):
        value = option(argv, name)
        if value:
            return int(value.rsplit(":", 1)[-1])
    return default


# Set on SIGTERM: replies from then on close their connection.
STOPPING = threading.Event()


class Handler(BaseHTTPRequestHandler):
    role = "whoami"
    routes = {}
    protocol_version = "HTTP/1.1"
    # Seconds an idle connection is kept: gunicorn's default --keep-alive, 2 s; the frontend
    # stands in for serve, which keeps Node's default keepAliveTimeout, 5 s (serve() sets it).
    timeout = 2

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Standin", f"{self.role}/{VERSION}")
        if STOPPING.is_set():
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        handler = self.routes.get(path)
        if handler:
            handler(self)
        elif path == "/health":
            self.reply(200, json.dumps({"status": "ok", "role": self.role}))
        elif path == "/secrets":
            # Which secret files the process can read; never their content.
            self.reply(200, json.dumps({"files": secret_files()}))
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


# Idle keep-alive seconds of the server each role stands in for, where it is not gunicorn's.
KEEP_ALIVE_SECONDS = {"frontend": 5}


def serve(role, port, routes=None, handler=Handler):
    handler.role = role
    handler.routes = routes or {}
    handler.timeout = KEEP_ALIVE_SECONDS.get(role, handler.timeout)
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)
    # As gunicorn's graceful stop: the requests in flight when SIGTERM comes are answered before
    # the process exits (server_close joins their threads, block_on_close being the default);
    # idle connections end by the timeout.
    server.daemon_threads = False

    def drain_then_stop():
        time.sleep(DRAIN_SECONDS)
        STOPPING.set()
        server.shutdown()

    signal.signal(signal.SIGTERM, lambda signum, frame: threading.Thread(target=drain_then_stop).start())
    log(f"{role} {VERSION} listening on :{port}")
    server.serve_forever()
    server.server_close()
    log(f"{role} {VERSION} stopped")
    return 0


def static_file(path, content_type):
    def handler(request):
        try:
            with open(path, "rb") as handle:
                request.reply(200, handle.read(), content_type)
        except OSError as error:
            request.reply(500, json.dumps({"error": error.strerror}))

    return handler


def backend(argv):
    unreadable = [key for key, state in secret_files().items() if not state["readable"]]
    if unreadable:
        log(f"backend: unreadable secret files: {', '.join(unreadable)}")
        return 1
    return serve("backend", bind_port(argv, 8080))


def frontend(argv):
    root = "/app/dist"
    return serve(
        "frontend",
        bind_port(argv, 3000),
        {
            "/": static_file(f"{root}/index.html", "text/html"),
            "/config.json": static_file(f"{root}/config.json", "application/json"),
        },
    )


def broker_address():
    """host, port of the first broker in CELERY_BROKER_URL (amqp://user:pass@host:port//)."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url and os.environ.get("CELERY_BROKER_URL_FILE"):
        with open(os.environ["CELERY_BROKER_URL_FILE"], encoding="utf-8") as handle:
            url = handle.read().strip()
    first = url.split(";", 1)[0]
    hostport = first.rsplit("@", 1)[-1].split("/", 1)[0]
    host, _, port = hostport.partition(":")
    return host, int(port or 5672)


def worker():
    host, port = broker_address()
    if not host:
        log("worker: no CELERY_BROKER_URL")
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    while not stop.is_set():
        try:
            socket.create_connection((host, port), timeout=3).close()
            break
        except OSError as error:
            log(f"worker: waiting for the broker at {host}:{port}: {error}")
            stop.wait(2)
    log(f"worker {VERSION} reached the broker at {host}:{port}")
    while not stop.is_set():
        with open(HEARTBEAT, "w", encoding="utf-8") as handle:
            handle.write(str(time.time()))
        stop.wait(5)
    return 0


def celery(argv):
    if "worker" in argv:
        return worker()
    if "inspect" in argv and "ping" in argv:
        try:
            return 0 if time.time() - os.path.getmtime(HEARTBEAT) < 30 else 1
        except OSError:
            return 1
    log(f"celery: unsupported command {argv}")
    return 2


def rabbitmq_server():
    class Accept(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.close()

    amqp = socketserver.ThreadingTCPServer(("0.0.0.0", 5672), Accept)
    amqp.daemon_threads = True
    threading.Thread(target=amqp.serve_forever, daemon=True).start()
    metrics = {"/metrics": lambda r: r.reply(200, b"rabbitmq_identity_info 1\n", "text/plain")}
    return serve("rabbitmq", 15692, metrics)


def tcp_ok(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return 0
    except OSError:
        return 1


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except Exception:  # noqa: BLE001 - any failure means not ready
        return 1


class S3Handler(Handler):
    """Buckets as directories under the data directory; only bucket HEAD/GET/PUT."""

    data = "/data"

    def authorized(self):
        # Real S3 checks a signature; the stand-in checks the access key the client names.
        auth = self.headers.get("Authorization", "")
        key = auth.split("Credential=", 1)[-1].split("/", 1)[0] if "Credential=" in auth else ""
        return key != "" and key == os.environ.get("MINIO_ROOT_USER")

    def bucket_path(self):
        name = self.path.split("?", 1)[0].strip("/")
        return os.path.join(self.data, name) if name and "/" not in name else None

    def do_GET(self):
        if self.path.startswith("/minio/health/"):
            return self.reply(200)
        path = self.bucket_path()
        if not path:
            return self.reply(400)
        if not self.authorized():
            return self.reply(403, json.dumps({"error": "AccessDenied"}))
        return self.reply(200 if os.path.isdir(path) else 404)

    do_HEAD = do_GET

    def do_PUT(self):
        path = self.bucket_path()
        if not path:
            return self.reply(400)
        if not self.authorized():
            return self.reply(403, json.dumps({"error": "AccessDenied"}))
        os.makedirs(path, exist_ok=True)
        return self.reply(200)


def minio(argv):
    if not os.environ.get("MINIO_ROOT_USER") or not os.environ.get("MINIO_ROOT_PASSWORD"):
        log("minio: MINIO_ROOT_USER and MINIO_ROOT_PASSWORD are required")
        return 1
    args = argv[1:] if argv and argv[0] == "server" else argv
    drives = [a for a in args if a.startswith("/")]
    S3Handler.data = drives[0] if drives else "/data"
    return serve("minio", bind_port(argv, 9000), handler=S3Handler)


def provisioned_datasources(directory):
    """The data sources of Grafana's provisioning files (the flat `datasources:` list the platform
    writes), with ${VAR} and $VAR expanded from the environment as Grafana does at start."""
    found = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        inside = False
        for line in lines:
            if not line.startswith(" ") and not line.startswith("-"):
                inside = line.strip() == "datasources:"
                continue
            entry = line.strip()
            if not inside or ":" not in entry:
                continue
            if entry.startswith("- "):
                found.append({})
                entry = entry[2:]
            key, _, value = entry.partition(":")
            if found:
                found[-1][key.strip()] = os.path.expandvars(value.strip().strip("'\""))
    return found


def grafana():
    """Grafana's contracts the platform relies on; not Grafana (it is not packaged by Debian).
    The data source API follows Grafana's (grafana/grafana:
    docs/sources/developers/http_api/data_source.md, "Get all data sources" and "Data source proxy
    calls")."""
    password_file = os.environ.get("GF_SECURITY_ADMIN_PASSWORD__FILE", "")
    try:
        with open(password_file, encoding="utf-8") as handle:
            password = handle.read().strip()
    except OSError as error:
        log(f"grafana: cannot read GF_SECURITY_ADMIN_PASSWORD__FILE ({error.strerror})")
        return 1
    provisioning = "/etc/grafana/provisioning/datasources"
    datasources = sorted(os.listdir(provisioning)) if os.path.isdir(provisioning) else []
    if not datasources:
        log(f"grafana: no datasource provisioned in {provisioning}")
        return 1
    try:
        with open("/var/lib/grafana/grafana.db", "a", encoding="utf-8"):
            pass
    except OSError as error:
        log(f"grafana: /var/lib/grafana is not writable ({error.strerror})")
        return 1
    user = os.environ.get("GF_SECURITY_ADMIN_USER", "admin")
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    sources = provisioned_datasources(provisioning)
    proxy_prefix = "/api/datasources/proxy/uid/"

    def proxy(request, path):
        uid, _, rest = path[len(proxy_prefix) :].partition("/")
        source = next((d for d in sources if d.get("uid") == uid), None)
        if source is None:
            return request.reply(404, json.dumps({"message": "Data source not found"}))
        query = request.path.partition("?")[2]
        url = source.get("url", "").rstrip("/") + "/" + rest + ("?" + query if query else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as upstream:
                return request.reply(upstream.status, upstream.read(), upstream.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return request.reply(error.code, error.read(), error.headers.get_content_type())
        except OSError as error:
            return request.reply(502, json.dumps({"message": f"data source unreachable: {error}"}))

    class GrafanaHandler(Handler):
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/api/health":
                return self.reply(200, json.dumps({"database": "ok", "version": f"standin-{VERSION}"}))
            if path == "/metrics":
                return self.reply(200, b"grafana_build_info 1\n", "text/plain")
            if path.startswith("/api/"):
                if self.headers.get("Authorization") != expected:
                    return self.reply(401, json.dumps({"message": "Unauthorized"}))
                if path.startswith(proxy_prefix):
                    return proxy(self, path)
                if path == "/api/datasources":
                    return self.reply(200, json.dumps(sources))
                return self.reply(404, json.dumps({"message": "Not found"}))
            return Handler.do_GET(self)

        do_HEAD = do_GET

    log(f"grafana stand-in: datasources {', '.join(datasources)}")
    return serve("grafana", int(os.environ.get("GF_SERVER_HTTP_PORT", "3000")), handler=GrafanaHandler)


def cadvisor():
    """cAdvisor's endpoints; not cAdvisor (it is not packaged by Debian)."""
    metrics = b"container_last_seen 1\n"
    return serve(
        "cadvisor",
        8080,
        {
            "/healthz": lambda r: r.reply(200, b"ok", "text/plain"),
            "/metrics": lambda r: r.reply(200, metrics, "text/plain"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Media apps: relays to the contract double
# ---------------------------------------------------------------------------------------------

# The port each media app serves on (components/media/media-chain.ts MEDIA_APP_DEFS).
MEDIA_PORTS = {
    "prowlarr": 9696,
    "jackett": 9117,
    "sonarr": 8989,
    "radarr": 7878,
    "bazarr": 6767,
    "jellyfin": 8096,
    "portainer": 9000,
}
MASKED = "********"  # Sonarr.Http/ClientSchema/SchemaBuilder.cs PRIVATE_VALUE
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}


def default_gateway():
    """The container's default gateway (the docker_gwbridge address of its node), from
    /proc/net/route: the row whose destination is 0, its gateway in little-endian hex."""
    with open("/proc/net/route", encoding="ascii") as handle:
        for line in handle.readlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                return socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
    raise RuntimeError("no default route")


def media_api_key(app):
    """The key the app was given, read where the app itself reads it: Servarr's
    <APP>__AUTH__APIKEY variable (set from FILE__<APP>__AUTH__APIKEY by the image's init),
    Bazarr's config.yaml (auth.apikey), Jackett's ServerConfig.json (APIKey); None for the apps
    without one (Jellyfin, Portainer)."""
    if app in ("prowlarr", "sonarr", "radarr"):
        return os.environ.get(f"{app.upper()}__AUTH__APIKEY")
    if app == "bazarr":
        with open("/config/config/config.yaml", encoding="utf-8") as handle:
            text = handle.read()
        match = re.search(r"^auth:\n(?:[ \t]+.*\n)*?[ \t]+apikey:[ \t]*(\S+)", text, re.M)
        return match.group(1) if match else None
    if app == "jackett":
        with open("/config/Jackett/ServerConfig.json", encoding="utf-8") as handle:
            return json.load(handle).get("APIKey")
    return None


def data_directories(root="/data", depth=3):
    """The directories of the shared /data mount (the TRaSH layout the media part lays out), for
    the double's path checks (Sonarr's PathExistsValidator, Jellyfin's library paths)."""
    found = []
    for current, dirs, _ in os.walk(root):
        if current[len(root):].count("/") >= depth:
            dirs[:] = []
        found.append(current)
    return sorted(found)


def control(base, path, payload):
    """A control call to the suite's double (not recorded as a request of the job)."""
    request = urllib.request.Request(
        f"{base}/__standin/{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def transmission_test(fields):
    """What Sonarr's TransmissionProxy does to test a download client (Sonarr/Sonarr
    src/NzbDrone.Core/Download/Clients/Transmission/TransmissionProxy.cs): POST {urlBase}rpc with
    basic auth, take X-Transmission-Session-Id from the 409, then session-get. Returns "ok",
    "auth" (401) or "connect" (no answer), against the real Transmission."""
    url = f"http://{fields.get('host')}:{fields.get('port')}{fields.get('urlBase') or '/transmission/'}rpc"
    token = base64.b64encode(f"{fields.get('username') or ''}:{fields.get('password') or ''}".encode())
    headers = {"Authorization": f"Basic {token.decode()}", "Content-Type": "application/json"}
    body = json.dumps({"method": "session-get"}).encode()
    for _ in range(2):
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=10
            ) as response:
                return "ok" if response.status == 200 else f"http {response.status}"
        except urllib.error.HTTPError as error:
            if error.code == 409 and error.headers.get("X-Transmission-Session-Id"):
                headers["X-Transmission-Session-Id"] = error.headers["X-Transmission-Session-Id"]
                continue
            return "auth" if error.code == 401 else f"http {error.code}"
        except OSError:
            return "connect"
    return "no session id"


def media_relay():
    """A media app for the wiring job: its port, its routes answered by the contract double.

    The double runs in the test process (on the docker_gwbridge address, the same port), keeps the
    app's state and records every request. At start the relay hands it the API key the app was
    seeded with (media_api_key), so the double checks the job's key against the app's own, and
    the directories its /data mount holds, so paths are checked against the real volume. Where
    the real app would reach another app while answering, the relay does it from inside the
    Swarm and tells the double what it found: Sonarr's and Radarr's download-client test against
    the REAL Transmission (transmission_test), Portainer's check that its agent answers."""
    app = os.environ["STANDIN_MEDIA_APP"]
    port = MEDIA_PORTS[app]
    base = f"http://{default_gateway()}:{port}"
    key = media_api_key(app)
    for attempt in range(60):
        try:
            control(base, "key", {"key": key, "paths": data_directories()})
            break
        except OSError as error:
            if attempt == 59:
                log(f"{app} stand-in: the double at {base} does not answer: {error}")
                return 1
            time.sleep(2)
    download_client = re.compile(r"^/api/v3/downloadclient(/\d+|/test)?$")

    class RelayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def relay(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path.split("?", 1)[0]
            if body and self.command in ("POST", "PUT"):
                self.side_effects(path, body)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            request = urllib.request.Request(base + self.path, data=body, method=self.command, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, answer_headers, data = answer.status, answer.headers, answer.read()
            except urllib.error.HTTPError as error:
                status, answer_headers, data = error.code, error.headers, error.read()
            except OSError as error:
                status, answer_headers, data = 502, {}, f"double unreachable: {error}".encode()
            self.send_response(status)
            for k, v in answer_headers.items():
                if k.lower() not in HOP_BY_HOP and k.lower() not in ("date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Standin", f"{app}/{VERSION}")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def side_effects(self, path, body):
            if app in ("sonarr", "radarr") and download_client.match(path):
                try:
                    resource = json.loads(body)
                except ValueError:
                    return
                fields = {f.get("name"): f.get("value") for f in resource.get("fields", [])}
                if resource.get("implementation") == "Transmission" and fields.get("password") not in (None, "", MASKED):
                    result = transmission_test(fields)
                    log(f"{app} stand-in: download-client test against {fields.get('host')}:{fields.get('port')}: {result}")
                    if result == "ok":
                        control(base, "download-client", {k: fields.get(k) for k in ("host", "port", "username", "password")})
            if app == "portainer" and path == "/api/endpoints":
                text = body.decode("utf-8", "replace")
                url = re.search(r'name="URL"\r\n\r\n([^\r]*)\r\n', text)
                kind = re.search(r'name="EndpointCreationType"\r\n\r\n([^\r]*)\r\n', text)
                if url and kind and kind.group(1) == "2":
                    target = urllib.parse.urlsplit(url.group(1))
                    if tcp_ok(target.hostname, target.port or 9001) == 0:
                        log(f"{app} stand-in: agent {url.group(1)} answers")
                        control(base, "agent", {"url": url.group(1)})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = relay

    server = ThreadingHTTPServer(("0.0.0.0", port), RelayHandler)
    signal.signal(signal.SIGTERM, lambda signum, frame: threading.Thread(target=server.shutdown).start())
    log(f"{app} stand-in relaying :{port} to the contract double at {base}")
    server.serve_forever()
    return 0


def portainer_agent():
    """The Portainer agent's port; not the agent (no image of it can be had here)."""
    return serve("portainer-agent", 9001, {"/ping": lambda r: r.reply(204)})


def main(argv):
    name = os.path.basename(argv[0]) if argv else ""
    if not argv or name.startswith("-"):
        name, rest = os.environ.get("STANDIN_ROLE", "whoami"), argv
    else:
        rest = argv[1:]
    if name == "whoami":
        return serve("whoami", bind_port(rest, 8080))
    if name == "gunicorn":
        return backend(rest)
    if name == "frontend":
        return frontend(rest)
    if name == "celery":
        return celery(rest)
    if name == "rabbitmq-server":
        return rabbitmq_server()
    if name == "rabbitmq-diagnostics":
        return tcp_ok("127.0.0.1", 5672)
    if name == "minio":
        return minio(rest)
    if name == "mc":
        return http_ok("http://127.0.0.1:9000/minio/health/live")
    if name == "grafana":
        return grafana()
    if name == "cadvisor":
        return cadvisor()
    if name == "media-relay":
        return media_relay()
    if name == "portainer-agent":
        return portainer_agent()
    if name == "nc":
        # nc -z HOST PORT, as the platform's TCP health check runs it.
        return tcp_ok(rest[-2], int(rest[-1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
