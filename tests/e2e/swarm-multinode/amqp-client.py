"""An AMQP client for the multi-node suite (Debian's python3-pika), run with nsenter inside the
network namespace of a container on the stack's network, so it reaches the brokers' task
addresses. The credentials come from AMQP_USER and AMQP_PASSWORD, never from the arguments.

    python3 amqp-client.py publish ADDRESS QUEUE N   declare QUEUE (durable, no queue type:
                                                     the broker's default applies), publish N
                                                     persistent messages with publisher confirms
    python3 amqp-client.py consume ADDRESS QUEUE N   take every message from QUEUE (passive
                                                     declare: it must exist), acknowledging each

Prints one JSON object: publish {"published", "confirmed", "seconds"}; consume {"consumed",
"distinct", "missing" (the first ten of 0..N-1 not received), "unexpected", "seconds"}.
"""

import json
import os
import sys
import time

import pika
import pika.exceptions


def connect(address: str) -> pika.BlockingConnection:
    credentials = pika.PlainCredentials(os.environ["AMQP_USER"], os.environ["AMQP_PASSWORD"])
    return pika.BlockingConnection(
        pika.ConnectionParameters(
            host=address,
            port=5672,
            credentials=credentials,
            connection_attempts=1,
            socket_timeout=5,
            blocked_connection_timeout=30,
        )
    )


def publish(address: str, queue: str, count: int) -> dict:
    started = time.monotonic()
    connection = connect(address)
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)
    channel.confirm_delivery()
    confirmed = 0
    for i in range(count):
        # With confirms on, basic_publish returns once the broker has confirmed the message and
        # raises when it is nacked or cannot be routed (mandatory).
        channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=str(i).encode(),
            properties=pika.BasicProperties(delivery_mode=2),
            mandatory=True,
        )
        confirmed += 1
    connection.close()
    return {
        "published": count,
        "confirmed": confirmed,
        "seconds": round(time.monotonic() - started, 1),
    }


def consume(address: str, queue: str, count: int) -> dict:
    started = time.monotonic()
    connection = connect(address)
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True, passive=True)
    received = []
    while True:
        method, _properties, body = channel.basic_get(queue=queue, auto_ack=False)
        if method is None:
            break
        received.append(body.decode())
        channel.basic_ack(method.delivery_tag)
    connection.close()
    expected = {str(i) for i in range(count)}
    distinct = set(received)
    return {
        "consumed": len(received),
        "distinct": len(distinct),
        "missing": sorted(expected - distinct, key=int)[:10],
        "unexpected": sorted(distinct - expected)[:10],
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[1] not in ("publish", "consume"):
        print(__doc__, file=sys.stderr)
        return 2
    action, address, queue, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    try:
        result = (publish if action == "publish" else consume)(address, queue, count)
    except (pika.exceptions.AMQPError, OSError) as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
