"""Print the asset graph as a Mermaid flowchart (GitHub renders it), from the Definitions themselves.

    .venv/bin/python scripts/asset_graph.py > docs/asset_graph.mmd

One box per group, one node per asset, edges from dependencies; the README embeds the output, so
the picture cannot drift from the code: regenerate it when assets change.
"""

from __future__ import annotations

from collections import defaultdict

from fashion_pipeline.definitions import build_definitions


def mermaid() -> str:
    graph = build_definitions().resolve_asset_graph()
    groups: dict[str, list[str]] = defaultdict(list)
    node = {key: "_".join(key.path) for key in graph.get_all_asset_keys()}
    for key in sorted(node, key=lambda k: node[k]):
        groups[graph.get(key).group_name or "default"].append(key)
    lines = ["flowchart LR"]
    for group in sorted(groups):
        lines.append(f"  subgraph group_{group} [{group}]")
        lines += [f'    {node[k]}["{"/".join(k.path)}"]' for k in groups[group]]
        lines.append("  end")
    for key in sorted(node, key=lambda k: node[k]):
        lines += [f"  {node[p]} --> {node[key]}" for p in sorted(graph.get(key).parent_keys, key=lambda k: node[k])
                  if p in node]
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid())
