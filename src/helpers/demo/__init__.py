"""Deterministic demo data: exports that look like the real ones, without any private data.

``python -m helpers.demo --out DIR [--scale national]`` writes the federal monitoring snapshots
(SPEC §5) and the school-level exports of the demo regions.
"""
