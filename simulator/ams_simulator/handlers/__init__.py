"""HTTP handlers, one module per AMS resource."""
