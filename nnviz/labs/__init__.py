"""One module per page: a frozen Config (+ PRESETS), run(config, progress=None) -> Result."""
