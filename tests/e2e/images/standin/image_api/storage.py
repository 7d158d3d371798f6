"""Stand-in for `image_api.storage`: the one bucket, on the S3 endpoint the platform wires in.

Reads S3_ENDPOINT_URL, S3_BUCKET_NAME and AWS_ACCESS_KEY_ID (loaded from its secret file by the
job's shell prelude), like the app. Requests name the access key the way S3 signatures do, and
the S3 stand-in refuses any other key, so a wrong wiring fails the job.
"""

import datetime
import os
import urllib.error
import urllib.request


class Bucket:
    def __init__(self):
        self.name = os.environ["S3_BUCKET_NAME"]
        self.endpoint = os.environ["S3_ENDPOINT_URL"].rstrip("/")
        self.access_key = os.environ["AWS_ACCESS_KEY_ID"]
        if not os.environ.get("AWS_SECRET_ACCESS_KEY"):
            raise RuntimeError("AWS_SECRET_ACCESS_KEY is not set")

    def _request(self, method):
        request = urllib.request.Request(f"{self.endpoint}/{self.name}", method=method)
        request.add_header(
            "Authorization", f"AWS4-HMAC-SHA256 Credential={self.access_key}/standin/s3/aws4_request"
        )
        return urllib.request.urlopen(request, timeout=5)

    @property
    def creation_date(self):
        try:
            with self._request("HEAD"):
                return datetime.datetime.now(datetime.timezone.utc)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def create(self):
        with self._request("PUT"):
            pass


bucket = Bucket()
