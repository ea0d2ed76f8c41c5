"""The pika peer of sluice-amqp-bench: the same measurements through Python's pika
against the same broker, printed in the same JSON-lines shape.

pika's BlockingConnection waits for each publisher confirm before the next publish,
so its confirmed-publish figure compares with the Swift module's window of 1.
"""
import argparse
import json
import os
import time
import uuid

import pika


def report(measure, window, messages, seconds):
    print(json.dumps({"client": "pika", "measure": measure, "window": window,
                      "messages": messages, "seconds": seconds, "per_second": messages / seconds}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--prefetch", type=int, default=256)
    args = parser.parse_args()

    params = pika.URLParameters(os.environ.get("SLUICE_AMQP_URL", "amqp://sluice:sluice@127.0.0.1:56720/sluice"))
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    queue = f"bench.pika.{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.confirm_delivery()
    body = b"a" * args.size
    persistent = pika.BasicProperties(delivery_mode=2)

    start = time.perf_counter()
    for _ in range(args.messages):
        channel.basic_publish("", queue, body, persistent, mandatory=True)
    report("publish_confirmed", 1, args.messages, time.perf_counter() - start)

    consumer = connection.channel()
    consumer.basic_qos(prefetch_count=args.prefetch)
    state = {"count": 0, "start": None}

    def on_message(ch, method, _properties, _body):
        if state["start"] is None:
            state["start"] = time.perf_counter()
        ch.basic_ack(method.delivery_tag)
        state["count"] += 1
        if state["count"] == args.messages:
            ch.stop_consuming()

    consumer.basic_consume(queue, on_message)
    consumer.start_consuming()
    report("consume_ack", args.prefetch, args.messages, time.perf_counter() - state["start"])
    channel.queue_delete(queue)
    connection.close()


if __name__ == "__main__":
    main()
