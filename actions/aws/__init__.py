"""AWS service layer: plain classes over boto3 clients. Nothing here knows about Rasa or chat wording."""
