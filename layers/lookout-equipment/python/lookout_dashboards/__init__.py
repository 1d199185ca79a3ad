"""Widget library shared by every Lambda function of the Lookout for Equipment dashboards."""

__version__ = "0.1.0"
