"""The cost skills: what a bucket costs and could save (``analysis``), and its lifecycle rules (``lifecycle``)."""
