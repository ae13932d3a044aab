"""Engines over any store: joint punishment checks, control and ownership, (later) relocation
detection and grading. Each engine reads through the store interface only."""
