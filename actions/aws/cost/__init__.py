"""The cost engine: a bucket's analysis (from a listing or its S3 Inventory report), S3 prices, recommendations and
lifecycle policies, as typed facts; what the chat says about them is in ``actions.skills.cost``."""
