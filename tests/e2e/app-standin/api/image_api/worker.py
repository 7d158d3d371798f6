"""Stand-in for `image_api.worker`: the Celery app the worker runs (`image_api.worker.app`)."""

import os

from celery import Celery

app = Celery("image_api", broker=os.environ["CELERY_BROKER_URL"])
# The platform's RabbitMQ declares queues as quorum queues by default
# (components/apps/config-files.ts); Celery then leaves global QoS off (worker_detect_quorum_queues).
app.conf.task_default_queue_type = "quorum"


@app.task
def resize(key):
    """The upstream worker resizes an uploaded image; the stand-in only names it."""
    return key
