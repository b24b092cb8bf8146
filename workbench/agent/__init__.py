"""The LangChain troubleshooting agent: read-only tools, redaction, offline mode."""
