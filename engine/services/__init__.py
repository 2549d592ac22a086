"""The engine's services, one per concern, each command in one unit of work (see engine.py)."""
