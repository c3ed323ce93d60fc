"""Screenshot the Dagster UI's asset graph in headless Chromium (Debian's /usr/bin/chromium).

    .venv/bin/python scripts/screenshot_ui.py http://127.0.0.1:3000 docs/images/asset_graph.png

Needs `dagster dev` running (make ui); playwright (a dev dependency) drives the system Chromium
and downloads no browser.
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from fashion_pipeline_tests.browser import CHROMIUM_ARGS, dismiss_dialogs
GROUPS = ("warehouse", "ingestion", "raw")
# the header of a group node: the nearest ancestor of its title that spans the node's width
_NODE_RECT = ("e => { let n = e; while (n && n.getBoundingClientRect().width < 180) n = n.parentElement;"
              " const r = n.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }")


def screenshot(base_url: str, out: str, groups=GROUPS, zoom_out: int = 3) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(base_url + "/asset-groups", wait_until="networkidle")
        dismiss_dialogs(page)
        page.wait_for_timeout(1000)
        for group in groups:  # groups start collapsed; the chevron at a node's right end opens it
            title = page.locator(f'[data-tooltip="{group}"]').last
            box = title.bounding_box()
            x, _, width, _ = title.evaluate(_NODE_RECT)
            page.mouse.click(x + width - 14, box["y"] + box["height"] / 2)
            page.wait_for_timeout(1000)
        page.get_by_role("button", name="Hide navigation").click()  # give the graph the width
        page.mouse.click(340, 80)  # and fold the asset tree beside it
        for _ in range(zoom_out):  # the zoom-out button of the graph's zoom slider
            page.mouse.click(1572, 752)
            page.wait_for_timeout(400)
        page.mouse.move(800, 800)  # the graph opens centred low: drag it up into view
        page.mouse.down()
        page.mouse.move(900, 450, steps=10)
        page.mouse.up()
        page.wait_for_timeout(1000)
        page.screenshot(path=out)
        browser.close()


if __name__ == "__main__":
    screenshot(sys.argv[1], sys.argv[2])
