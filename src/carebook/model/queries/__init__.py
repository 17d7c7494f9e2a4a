"""Read queries: plain dataclasses out, never live ORM objects (STYLE.md rule 2)."""
