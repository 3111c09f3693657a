"""The credit demo history (docs/demo-data.md): five years of facts and list entries for a
synthetic city, built through the services."""
