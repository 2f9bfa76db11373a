"""Scenarios: YAML flows (Maestro's commands plus the harness's own) replayed under consent variants.

    model.py     Scenario / Variant / Step: what the runner executes (one normal form per command)
"""
