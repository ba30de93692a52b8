"""The demo clinic ships inside the package, so an installed copy runs `cervix-watch demo`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data"
SHIPPED = ROOT / "src" / "cervix_watch" / "demo_data"
DEMO_FILES = (
    "patients.csv",
    "scans.csv",
    "exams.csv",
    "treatments.csv",
    "discussions.csv",
    "demo-as-of.txt",
)


@pytest.mark.parametrize("name", DEMO_FILES)
def test_shipped_demo_clinic_equals_data_folder(name: str) -> None:
    """Each demo file in the package is byte-identical to its source in data/ (make_demo.py)."""
    assert (SHIPPED / name).read_bytes() == (SOURCE / name).read_bytes()


def test_shipped_demo_folder_holds_nothing_else() -> None:
    """The package copy holds exactly the demo files, nothing stale."""
    assert sorted(p.name for p in SHIPPED.iterdir()) == sorted(DEMO_FILES)


def _tracked_copy(destination: Path) -> Path:
    """The repository's tracked files (as a clean clone has them) copied to `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = destination / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)  # links as a clone has them
    # files added in the working tree but not yet committed still belong to the package
    shipped_copy = destination / "src" / "cervix_watch" / "demo_data"
    shipped_copy.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED.iterdir():
        shutil.copy2(path, shipped_copy / path.name)
    return destination


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_outside_the_repository(tmp_path: Path) -> None:
    """A wheel built from the tree, installed into a fresh venv, runs `demo` and `docs rules`
    from another folder."""
    tree = _tracked_copy(tmp_path / "tree")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "-w", str(dist), str(tree)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("cervix_watch-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # The fresh venv gets the wheel alone; its dependencies come from this test's environment
    # through a .pth line, so no network and no second copy of pandas are needed.
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    site.mkdir(parents=True, exist_ok=True)
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERVIX_WATCH")}
    env["HOME"] = str(tmp_path / "home")
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import cervix_watch, sys; print(cervix_watch.__file__);"
         "sys.argv=['cervix-watch','demo'];"
         "from cervix_watch.cli.app import main; main()"],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    imported_from = run.stdout.splitlines()[0]
    assert imported_from.startswith(str(site)), imported_from
    assert "Demo clinic loaded" in run.stderr
    assert "D001" in run.stdout
    assert "rescue-cerclage-review" in run.stdout
    shown = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sys; sys.argv=['cervix-watch','docs','rules'];"
         "from cervix_watch.cli.app import main; main()"],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    # the wheel carries the text itself, not a link into a repository it no longer has
    assert shown.stdout == (ROOT / "docs" / "clinical-rules.md").read_text(encoding="utf-8")
