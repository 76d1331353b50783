"""The AWS services: plain classes that take a boto3 client (``clients.ClientFactory`` builds them), return typed
results and raise ``errors.CloudButlerError``s - buckets, objects, usage, sync, multipart uploads, server status and
the cost engine (``cost/``). Nothing here knows about Rasa or chat wording."""
