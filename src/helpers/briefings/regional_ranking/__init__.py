"""The regional ranking: every region by K1–K5 against the 2024–2025 targets (federal form)."""

from helpers.warehouse.slices import Reads, TableRead

READS = Reads((TableRead("federal_snapshots", scope="all"),))
