"""The `tracing` command line: click commands that parse, call tracing/, print."""
