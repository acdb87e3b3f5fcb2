"""Privacy rules the product enforces (see DOMAIN.md)."""
