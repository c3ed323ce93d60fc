"""Driving Debian's Chromium with Playwright: launch flags and the Dagster UI's first-visit dialog."""

# As root in a sandbox without network: no sandbox, no GPU, and no background connections
# (each refused connection otherwise costs time at start).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def dismiss_dialogs(page, timeout_ms: int = 8000) -> None:
    """Close the "join the Dagster community" dialog that opens a moment after the first load."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_role("button", name="Skip").click(timeout=timeout_ms)
    except PlaywrightTimeout:
        pass
