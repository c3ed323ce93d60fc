"""Serving: what the Dagster assets, the CLI and the reports share once models are trained.

- champion.py   load the champion (or any saved model) with the split and id maps
- lists.py      ranked, re-ranked top-K lists and the recommendation table built from them
- cold_items.py the image cold-start slot in a user's list
- warehouse.py  writes to the DuckDB warehouse, each a replace in one transaction
- queries.py    every read-only query the CLI and the reports run
- readonly.py   the guarded read-only connection and the user's SQL
- reports.py    item photos and the PNG/HTML reports

Pure of Dagster: assets and commands call these with an ArtifactLayout.
"""
