"""The batch engine: plan (what to render, is it up to date) → execute (a pool) → publish."""
