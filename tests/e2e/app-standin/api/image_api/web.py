"""Stand-in for `image_api.web`: the WSGI app gunicorn serves (`image_api.web:app`).

GET /health answers 200 once the settings the platform wires in are there (the broker URL and
the S3 credentials, loaded from their secret files by the image's entrypoint); other paths 404.
"""

import json
import os

REQUIRED = ("CELERY_BROKER_URL", "S3_ENDPOINT_URL", "S3_BUCKET_NAME", "AWS_ACCESS_KEY_ID")


def app(environ, start_response):
    if environ.get("PATH_INFO") != "/health":
        status, body = "404 Not Found", {"error": "not found"}
    else:
        missing = [name for name in REQUIRED if not os.environ.get(name)]
        status = "503 Service Unavailable" if missing else "200 OK"
        body = {"status": "missing settings" if missing else "ok", "missing": missing}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
