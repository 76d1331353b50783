"""What every skill shares: the action base classes, confirmations, the audit log, who is talking, background jobs
and late messages, media, wording and the one registry of failure replies. Nothing here calls AWS itself."""
