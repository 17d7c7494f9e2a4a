"""Carebook: the register of left-behind children and children in difficulty kept by child
directors (儿童主任) and child supervisors (儿童督导员), with printed forms and offline sync."""

__version__ = "0.1.0"
