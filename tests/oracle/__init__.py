"""A second implementation of DOMAIN.md §2-4 and §8.3 in plain Python, and the tests that hold the SQL to it."""
