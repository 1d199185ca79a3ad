"""Source adapters: each fills the domain model from one service."""
