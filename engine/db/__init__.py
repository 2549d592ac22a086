"""The database: the only package that knows tables (never SpiffWorkflow). Functions take a session
and never commit; the unit of work (engine.services.unit_of_work) owns the transaction."""
