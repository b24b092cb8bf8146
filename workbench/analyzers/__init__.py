"""Pure analyzers: frames in, sorted findings out; one analyzer per file."""
