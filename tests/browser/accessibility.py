"""axe-core in the browser: a page passes with no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

# axe's own impacts; minor and moderate ones are reported by axe but do not fail a page.
FAILING = {"serious", "critical"}
_axe = Axe()


def violations(page) -> list[str]:
    """The page's serious and critical violations, one line per element: rule, impact, what
    is wrong and where."""
    results = _axe.run(page).response
    return [
        f"{page.url}: {rule['id']} ({rule['impact']}): {rule['help']} at {node['target']}"
        f" ({node['failureSummary']})".replace("\n", " ")
        for rule in results["violations"]
        if rule["impact"] in FAILING
        for node in rule["nodes"]
    ]


def assert_accessible(page) -> None:
    found = violations(page)
    assert not found, "axe-core found:\n" + "\n".join(found)
