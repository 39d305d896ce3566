"""lifecycle: vehicle lifecycle scheduler for 4S dealership after-sales teams."""

__version__ = "0.1.0"
