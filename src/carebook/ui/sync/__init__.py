"""The sync page's panels (同步): export, import, conflicts, relay and status."""
