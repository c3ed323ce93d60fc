"""Personalized fashion recommender pipeline."""
