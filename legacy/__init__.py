"""Legacy side: the original row-by-row PL/pgSQL journal job (see manifest.toml)."""
