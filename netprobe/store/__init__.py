"""Where results are kept: one Store protocol, an embedded SQLite default, InfluxDB later."""
