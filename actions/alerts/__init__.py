"""The alert path: SNS deliveries verified (``sns_verify``) and their content made into typed alerts (``messages``)
that the connectors render."""
