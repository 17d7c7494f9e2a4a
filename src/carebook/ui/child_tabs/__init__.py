"""The tabs of the child file editor (一人一档案), one module each."""
