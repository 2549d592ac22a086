"""Reading and running diagrams: the only package that imports SpiffWorkflow (never the database)."""
