"""Training many networks of one recipe together: stacked under ``vmap`` where that is
faster, one at a time or spread over processes where it is not (convolutions on CPU)."""
