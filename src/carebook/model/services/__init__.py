"""Use cases: every write of the register goes through these functions.

Each write validates its input, writes, and records the change log in the caller's
transaction (see :mod:`carebook.model.recording`), and returns a
:class:`~carebook.model.recording.WriteResult`. The caller (the :class:`~carebook.model.register.Register`
facade, the command line, sync) owns the transaction.
"""
