"""CloudWatch alarms from chat: creating one on an instance's metric (``create``: confirmed and audited, its alerts
sent to the alarms topic) and listing them with their states (``listing``)."""
