"""Cost optimisation skill service layer: bucket analysis, S3 pricing, recommendations, lifecycle policies."""
