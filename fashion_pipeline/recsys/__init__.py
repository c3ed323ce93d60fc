"""Recommender logic: interactions, splits, models, metrics. Pure: no Dagster, no file paths."""
