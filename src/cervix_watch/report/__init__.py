"""Renderers of the engine's output: terminal table, Markdown, CSV, HTML (SVG), patient view.

Every renderer reads a `Review` (the same data `review --format json` prints)
and, for charts, the `PatientHistory` records it was computed from; none of
them evaluates a rule. Text renderers return strings or rich renderables; the
CLI (`console/output.py`) owns the consoles and the files.
"""
