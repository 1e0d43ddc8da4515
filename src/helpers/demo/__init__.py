"""Deterministic demo data: exports that look like the real ones, without any private data.

``python -m helpers.demo.federal --out DIR`` writes the federal monitoring snapshots (SPEC §5).
"""
