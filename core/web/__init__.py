"""The web shell: base layout, navigation registry, home page per role, language and elder mode."""
