"""Offline stand-ins (never shipped): the Lookout for Equipment fake, Synthetics gaps, demo account."""
