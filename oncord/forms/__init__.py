"""WTForms form classes, one module per area."""
