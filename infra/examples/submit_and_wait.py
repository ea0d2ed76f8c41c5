#!/usr/bin/env python3
"""Submit a job to Sluice from a script, straight onto the broker, and wait for its summary.

    .sluice/venv/bin/python infra/examples/submit_and_wait.py [FILE] [--timeout SECONDS]

FILE holds the same JSON that `POST /api/v1/jobs` accepts (default: the seed sample,
infra/examples/seed-sample.json). The job is published with publisher confirms onto the
submit exchange; its summary comes back on a reply queue of this script's own, matched
by correlation id. The message id makes the submission idempotent: publishing the same
message id again (say, after a lost confirm) gives the same job, not a second one.

Environment: SLUICE_AMQP_URL (default amqp://sluice:sluice@127.0.0.1:56720/sluice),
SLUICE_SUBMIT_EXCHANGE (default sluice.submit).
Exit status: 0 with the summary printed; 1 if no summary arrived in time; 2 if the
broker refused the job.
"""
import argparse
import json
import os
import pathlib
import sys
import uuid

import pika

SEED = pathlib.Path(__file__).resolve().parent / "seed-sample.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(SEED), help="the job, as JSON")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the summary (default 60)")
    args = parser.parse_args()

    body = pathlib.Path(args.file).read_bytes()
    url = os.environ.get("SLUICE_AMQP_URL", "amqp://sluice:sluice@127.0.0.1:56720/sluice")
    exchange = os.environ.get("SLUICE_SUBMIT_EXCHANGE", "sluice.submit")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    # A queue of our own for the reply: the broker names it and deletes it when we disconnect.
    reply_queue = channel.queue_declare("", exclusive=True).method.queue
    correlation_id = str(uuid.uuid4())
    channel.confirm_delivery()
    try:
        channel.basic_publish(
            exchange, "", body,
            pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=str(uuid.uuid4()),
                                 correlation_id=correlation_id, reply_to=reply_queue),
            mandatory=True,
        )
    except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
        print(f"the broker refused the job: {error}", file=sys.stderr)
        return 2

    for method, properties, reply in channel.consume(reply_queue, inactivity_timeout=args.timeout):
        if method is None:
            print(f"no summary within {args.timeout:g} s", file=sys.stderr)
            return 1
        channel.basic_ack(method.delivery_tag)
        if properties.correlation_id == correlation_id:
            print(json.dumps(json.loads(reply), indent=2, sort_keys=True))
            connection.close()
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
