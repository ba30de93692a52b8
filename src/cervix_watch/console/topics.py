"""The documents an installed copy carries (`cervix_watch/docs/*.md`), by topic: what
`docs TOPIC` shows and what the man page lists."""

from __future__ import annotations

from importlib import resources

from cervix_watch.domain.errors import InputError, Problem

# topic -> (file in cervix_watch/docs, what it is); `docs` alone lists them in this order
TOPICS: dict[str, tuple[str, str]] = {
    "guide": ("user-guide.md", "User guide: every command, the daily routine, the review"),
    "rules": ("clinical-rules.md", "Clinical rules: risk, schedules and every rule id"),
    "scanner": ("connecting-the-scanner.md", "Connecting the ultrasound machine (DICOM SR)"),
    "deployment": ("deployment.md", "Deployment: PostgreSQL, backups, the listener service"),
}


def topic_text(topic: str) -> str:
    """The Markdown of a topic, as shipped in the package."""
    if topic not in TOPICS:
        raise InputError(Problem("topic", f"{topic!r} is not a topic ({', '.join(TOPICS)})"))
    name, _ = TOPICS[topic]
    return (resources.files("cervix_watch") / "docs" / name).read_text(encoding="utf-8")
