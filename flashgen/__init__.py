"""flashgen: compile curated YAML flashcards into an Anki deck that updates in place."""

__version__ = "0.1.0"
