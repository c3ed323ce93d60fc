"""The Dagster layer: thin assets over the pure library, resources, checks and jobs."""
