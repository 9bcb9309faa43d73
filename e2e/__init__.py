"""Browser end-to-end tests: each role's main journey through the zh-Hans UI (see conftest.py)."""
