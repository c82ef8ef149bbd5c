"""Orchestration: one workspace run (open the state backend and the providers, refresh, plan,
apply, import) and the business rules that span stages."""
