"""fait's numeric code: token-level FAIT masks, training and generation."""
