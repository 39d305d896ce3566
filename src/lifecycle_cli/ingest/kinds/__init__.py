"""One module per kind of import file; registry.py lists them."""
