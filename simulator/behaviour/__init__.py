"""Behaviour models: small functions chosen by the ``kind`` of a scenario block.

Each module turns one block of the scenario (config.py) into array operations
that the engine calls in the documented step order (engine.py).
"""
