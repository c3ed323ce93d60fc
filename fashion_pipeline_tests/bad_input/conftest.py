"""Fixtures shared with the vision tests (the network guard)."""

from fashion_pipeline_tests.vision.conftest import no_network  # noqa: F401
