"""The S3 storage skills: buckets, objects and transfers, over the services in ``actions/aws``; what they say is
in ``wording``, what they share in ``base``."""
