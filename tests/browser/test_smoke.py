from __future__ import annotations

from tests.browser.conftest import LiveServer, assert_accessible


def test_front_page_renders_without_console_errors_and_is_accessible(
    page: object, live_server: LiveServer
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.goto(live_server("/"))  # type: ignore[attr-defined]
    assert page.title().endswith("Trygg")  # type: ignore[attr-defined]
    assert_accessible(page)
    assert errors == []
