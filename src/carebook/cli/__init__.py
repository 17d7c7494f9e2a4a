"""The ``carebook`` command line: the top layer, above the desktop app (``ui``), documents and
sync. Every command group is a module ``<name>_cmd.py`` listed in
:data:`carebook.cli.main.COMMAND_MODULES`; ``docs/cli.md`` documents them and their ``--json``
output."""
