"""Value types every stage shares (refs, findings, plans); no I/O."""
