"""Plans of allow-listed steps: dry-run, diff, approval, apply (the only writer), audit."""
