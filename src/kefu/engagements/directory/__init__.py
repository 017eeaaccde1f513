"""The provider directory: providers that opt in to be invited to quote by clients they do not
serve yet (docs/engagements-quotes.md, "Provider directory")."""
