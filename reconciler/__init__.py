"""reconciler: declare a prop firm's traders in YAML; plan and apply them to trading platforms."""
