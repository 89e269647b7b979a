"""echo: send the message back (two-way)."""

import os


def handle(event, context):
    return {"statusCode": 200, "body": f"{os.environ.get('GREETING', 'hi')}: {event.get('body')}"}
