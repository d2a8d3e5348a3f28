"""The enhanced side: set-based SQL by object (tables, indexes, functions, views) and its manifest."""
