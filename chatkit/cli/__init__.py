"""The `chatkit` command."""
