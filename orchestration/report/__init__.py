"""The Evidence report built from the published database."""
