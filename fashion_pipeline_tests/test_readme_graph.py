"""The README's asset graph is the one the definitions build (scripts/asset_graph.py)."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_shows_the_current_asset_graph():
    mermaid = runpy.run_path(str(ROOT / "scripts" / "asset_graph.py"))["mermaid"]()
    assert "subgraph group_vision" in mermaid and "champion_model --> user_recommendations" in mermaid
    assert mermaid in (ROOT / "README.md").read_text(), "regenerate it: python scripts/asset_graph.py"
