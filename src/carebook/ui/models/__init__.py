"""Qt item models over the register (no widgets)."""
