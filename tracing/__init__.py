"""tracing: contact tracing graphs for district health teams.

The library does all the work; ``cli/`` only maps command-line options onto it.
"""

__version__ = "0.1.0"
