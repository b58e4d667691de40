"""Banking pages, one module per entity."""
