"""Alerts in chat: subscribing a channel (or a web chat conversation) to stock alerts and CloudWatch alarms, stopping
them, saying what it gets (``subscriptions.py``, over ``actions.aws.alert_subscriptions``; the channel comes only from
the verified identity, and each change asks first and is audited), and the Acknowledge button under each alert.
Every sentence is in ``wording.py``."""
