"""Golden baselines of the shipped scenarios (see regenerate.py)."""
