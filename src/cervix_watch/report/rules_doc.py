"""The rule tables of docs/clinical-rules.md, generated from the built-in profiles.

The doc holds, per profile, a block between `<!-- generated: rules PROFILE -->`
and `<!-- end generated -->`; `write_doc` rewrites those blocks from the
profile files and a test checks that the committed doc equals its regenerated
self, so the doc cannot drift from what the engine applies. Regenerate with
`python -m cervix_watch.report.rules_doc docs/clinical-rules.md`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cervix_watch.report.profile import (
    condition_words,
    describe_history,
    multiple_pregnancy_words,
    schedule_words,
)
from cervix_watch.rules import Profile, load_profile
from cervix_watch.rules.schema import describe_limit

_BLOCK = re.compile(
    r"(<!-- generated: (?P<what>rules|risk|schedules) (?P<profile>[a-z0-9.-]+) -->\n)"
    r".*?"
    r"(<!-- end generated -->)",
    re.S,
)


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return text.replace("|", "\\|").replace("\n", " ")


def rules_table(profile: Profile) -> str:
    """Every rule entry of the profile: id, condition, action(s), priority, citation."""
    lines = [
        "| id | condition | action | priority | citation |",
        "|---|---|---|---|---|",
    ]
    for rule in profile.rules:
        condition = condition_words(rule, profile)
        if rule.note:
            condition += f' (message adds: "{rule.note}")'
        actions = " and ".join(f"`{a.value}`" for a in rule.action)
        lines.append(
            f"| `{rule.id}` | {_cell(condition)} | {actions} | {rule.priority.value} "
            f"| {_cell(rule.citation)} |"
        )
    return "\n".join(lines) + "\n"


def risk_table(profile: Profile) -> str:
    """The risk categories (any of the criteria)."""
    pprom = profile.pprom_counts_as_sptb
    rows = [("high", describe_history(profile.risk.high, pprom))]
    upgrade = profile.risk.cl_upgrade
    if upgrade is not None:
        limit = describe_limit(upgrade.comparison, upgrade.threshold_mm)
        rows.append(("high", f"any transvaginal CL {limit} recorded in this pregnancy"))
    if profile.risk.intermediate is not None:
        rows.append(("intermediate", describe_history(profile.risk.intermediate, pprom)))
    rows.append(("low", "everyone else"))
    lines = ["| category | criteria (any of) |", "|---|---|"]
    lines += [f"| {category} | {_cell(words)} |" for category, words in rows]
    return "\n".join(lines) + "\n"


def schedules_table(profile: Profile) -> str:
    """The surveillance schedule of each category, twins, and after a cerclage."""
    lines = ["| who | next scan |", "|---|---|"]
    for risk, schedule in profile.schedules.items():
        lines.append(f"| {risk.value} risk, singleton | {_cell(schedule_words(schedule))} |")
    lines.append(f"| multiple pregnancy | {_cell(multiple_pregnancy_words(profile))} |")
    lines.append("| cerclage in situ | none |")
    return "\n".join(lines) + "\n"


_TABLES = {"rules": rules_table, "risk": risk_table, "schedules": schedules_table}


def regenerate(text: str) -> str:
    """The doc with every generated block rewritten from its profile."""

    def fill(match: re.Match[str]) -> str:
        table = _TABLES[match["what"]](load_profile(match["profile"]))
        return f"{match.group(1)}{table}{match.group(4)}"

    return _BLOCK.sub(fill, text)


def write_doc(path: Path) -> bool:
    """Rewrite the generated blocks of the doc at `path`; True when it changed."""
    old = path.read_text("utf-8")
    new = regenerate(old)
    if new != old:
        path.write_text(new, "utf-8")
    return new != old


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    for name in sys.argv[1:]:
        print(f"{name}: {'rewritten' if write_doc(Path(name)) else 'unchanged'}")
