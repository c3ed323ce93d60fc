"""Readers of the real raw formats. Pure functions returning typed tables; no Dagster here."""
