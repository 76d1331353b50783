"""The S3 storage skills: buckets, objects, folders (everything under a prefix), transfers and the folder sync, over
the services in ``actions/aws``; what they say is in ``wording``, what they share in ``base``."""
