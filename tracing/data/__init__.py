"""Reference data shipped with tracing (names, places) for synthetic districts."""
