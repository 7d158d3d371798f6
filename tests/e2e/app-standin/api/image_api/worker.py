"""Stand-in for `image_api.worker`: the Celery app the worker runs (`image_api.worker.app`)."""

import os

from celery import Celery

app = Celery("image_api", broker=os.environ["CELERY_BROKER_URL"])


@app.task
def resize(key):
    """The upstream worker resizes an uploaded image; the stand-in only names it."""
    return key
